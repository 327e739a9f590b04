"""Create Parley's products, prices and qualified-lead meter in the Stripe account of
STRIPE_SECRET_KEY, from billing/plans.py. Idempotent: each price is found by its lookup key and
each product by its id, so a second run creates nothing. Stripe prices cannot be changed: a
price whose amount differs from the plan's is reported, to be replaced by hand."""

from django.core.management.base import BaseCommand, CommandError

from billing import stripe_client
from billing.plans import CURRENCY, INTERVALS, METER_EVENT_NAME, Plan, paid_plans


class Command(BaseCommand):
    help = "Create the plans' products, prices (by lookup key) and meter in Stripe, once."

    def handle(self, *args, **options):
        if not stripe_client.stripe_enabled():
            raise CommandError("Set STRIPE_SECRET_KEY first (README, “Billing”).")
        try:
            meter_id = self._meter() if any(p.is_metered for p in paid_plans()) else None
            for plan in paid_plans():
                self._plan(plan, meter_id)
        except stripe_client.StripeUnavailable as error:
            raise CommandError(str(error)) from error

    def _say(self, created: bool, what: str) -> None:
        if created:
            self.stdout.write(self.style.SUCCESS(f"created  {what}"))
        else:
            self.stdout.write(f"exists   {what}")

    def _meter(self) -> str:
        meter = stripe_client.meter_find(METER_EVENT_NAME)
        created = meter is None
        if created:
            meter = stripe_client.meter_create(
                {
                    "display_name": "Parley qualified leads",
                    "event_name": METER_EVENT_NAME,
                    "default_aggregation": {"formula": "sum"},
                    "customer_mapping": {
                        "type": "by_id",
                        "event_payload_key": "stripe_customer_id",
                    },
                    "value_settings": {"event_payload_key": "value"},
                }
            )
        self._say(created, f"meter {METER_EVENT_NAME} ({meter['id']})")
        return meter["id"]

    def _plan(self, plan: Plan, meter_id: str | None) -> None:
        product_id = f"parley_{plan.slug}"
        created = stripe_client.product_ensure(
            product_id=product_id, name=f"Parley {plan.name}", description=plan.tagline
        )
        self._say(created, f"product {product_id}")
        for interval, amount in plan.prices.items():
            self._price(
                plan.lookup_key(interval),
                amount,
                {
                    "product": product_id,
                    "currency": CURRENCY,
                    "unit_amount": amount,
                    "recurring": {"interval": INTERVALS[interval]},
                    "nickname": f"{plan.name}, {interval}",
                },
            )
        if plan.is_metered:
            self._price(
                plan.meter_lookup_key,
                plan.per_qualified_lead,
                {
                    "product": product_id,
                    "currency": CURRENCY,
                    "unit_amount": plan.per_qualified_lead,
                    "recurring": {"interval": "month", "usage_type": "metered", "meter": meter_id},
                    "nickname": f"{plan.name}, per qualified lead",
                },
            )

    def _price(self, lookup_key: str, amount: int, params: dict) -> None:
        price = stripe_client.price_find(lookup_key)
        created = price is None
        if created:
            price = stripe_client.price_create({**params, "lookup_key": lookup_key})
        elif price.get("unit_amount") != amount:
            self.stderr.write(
                f"differs  price {lookup_key}: {price.get('unit_amount')} in Stripe, {amount} in "
                "billing/plans.py; create a new price and move the lookup key to it"
            )
        self._say(created, f"price {lookup_key} ({price['id']})")
