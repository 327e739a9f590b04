"""Parley's plans, in one place: what each costs, what it allows, and which Stripe prices sell it.

Prices are found in a Stripe account by their lookup key (`manage.py stripe_sync_plans` creates
them), or by the price id an environment variable gives (settings.STRIPE_PRICE_IDS), which wins.
Limits count per calendar month (UTC) for conversations and qualified leads, and at any moment
for members and live forms; None means no limit.
"""

from dataclasses import dataclass, field

from django.conf import settings

FREE = "free"

# Names of the limits, in the order the billing page shows them.
CONVERSATIONS = "conversations"
QUALIFIED_LEADS = "qualified_leads"
MEMBERS = "members"
FORMS = "forms"
LIMIT_LABELS = {
    CONVERSATIONS: "Conversations this month",
    QUALIFIED_LEADS: "Qualified leads this month",
    MEMBERS: "Members",
    FORMS: "Live forms",
}
# The limits that reset each month; the others count what exists now.
MONTHLY_LIMITS = (CONVERSATIONS, QUALIFIED_LEADS)

MONTHLY = "monthly"
YEARLY = "yearly"
INTERVALS = {MONTHLY: "month", YEARLY: "year"}

# The per-qualified-lead price is reported to this Stripe billing meter (one event per lead).
METER_EVENT_NAME = "parley_qualified_lead"


@dataclass(frozen=True)
class Plan:
    slug: str
    name: str
    tagline: str
    limits: dict[str, int | None]
    # Amounts in cents, by interval; {} for the free plan.
    prices: dict[str, int] = field(default_factory=dict)
    # A price per qualified lead (cents), billed through the meter, on top of the base price.
    per_qualified_lead: int | None = None
    # Higher is more: upgrading reveals the leads hidden by the lower plan's limits.
    rank: int = 0

    @property
    def is_free(self) -> bool:
        return not self.prices

    @property
    def is_metered(self) -> bool:
        return self.per_qualified_lead is not None

    def lookup_key(self, interval: str) -> str:
        return f"parley_{self.slug}_{interval}"

    @property
    def meter_lookup_key(self) -> str:
        return f"parley_{self.slug}_per_qualified_lead"


CURRENCY = "eur"

PLANS: dict[str, Plan] = {
    plan.slug: plan
    for plan in (
        Plan(
            slug=FREE,
            name="Free",
            tagline="To try Parley on one site.",
            limits={CONVERSATIONS: 100, QUALIFIED_LEADS: 25, MEMBERS: 5, FORMS: 10},
        ),
        Plan(
            slug="starter",
            name="Starter",
            tagline="A small sales team.",
            limits={CONVERSATIONS: 1_000, QUALIFIED_LEADS: 200, MEMBERS: 10, FORMS: 50},
            prices={MONTHLY: 49_00, YEARLY: 490_00},
            rank=1,
        ),
        Plan(
            slug="growth",
            name="Growth",
            tagline="Several teams and sites.",
            limits={CONVERSATIONS: 10_000, QUALIFIED_LEADS: 2_000, MEMBERS: 25, FORMS: None},
            prices={MONTHLY: 199_00, YEARLY: 1_990_00},
            rank=2,
        ),
        Plan(
            slug="results",
            name="Pay per result",
            tagline="A small monthly base, then a price per qualified lead: pay for results.",
            limits={CONVERSATIONS: 10_000, QUALIFIED_LEADS: None, MEMBERS: 10, FORMS: None},
            prices={MONTHLY: 19_00},
            per_qualified_lead=3_00,
            rank=2,
        ),
    )
}


def plan_get(slug: str) -> Plan:
    """The plan of that slug; an unknown slug (a plan retired since) reads as the free plan."""
    return PLANS.get(slug, PLANS[FREE])


def paid_plans() -> list[Plan]:
    return [plan for plan in PLANS.values() if not plan.is_free]


def price_id_from_settings(lookup_key: str) -> str:
    """The price id the environment names for a lookup key (STRIPE_PRICE_<PLAN>_<INTERVAL>), or
    "" when it names none and the price is to be found by its lookup key."""
    return settings.STRIPE_PRICE_IDS.get(lookup_key, "")


def plan_for_price(*, price_id: str, lookup_key: str | None) -> Plan | None:
    """The paid plan a Stripe price sells (its base price or its per-lead price), or None."""
    for plan in paid_plans():
        keys = [plan.lookup_key(interval) for interval in plan.prices]
        if plan.is_metered:
            keys.append(plan.meter_lookup_key)
        if lookup_key in keys or price_id in {price_id_from_settings(k) for k in keys} - {""}:
            return plan
    return None
