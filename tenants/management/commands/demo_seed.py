"""Create (or refresh) the demo workspace that `./parley run` opens, with its demo forms, sample
conversations and a believable inbox (leads/demo.py), and print how to log in.

Idempotent: run it as often as you like. It refuses to run with DEBUG off, since it sets a
well-known password.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django_tenants.utils import schema_context

from billing.models import BillingAccount
from forms_builder.demo import demo_forms_seed
from leads.demo import demo_inbox_seed
from tenants.models import Membership, Role, User, Workspace
from tenants.services import workspace_create

DEMO_SLUG = "demo"
DEMO_OWNER = "owner@demo.parley.local"
DEMO_MEMBER = "sales@demo.parley.local"
DEMO_PASSWORD = "parley-demo-password"  # noqa: S105 - printed on purpose, DEBUG only


class Command(BaseCommand):
    help = "Create the demo workspace and its people (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_seed sets a well-known password: it only runs with DEBUG on.")
        # The seeded leads would announce themselves (hot leads, assignments) by e-mail, a wall
        # of console output before the login lines: the demo's alerts are not sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._seed()

    def _seed(self):
        with transaction.atomic():
            owner = self._person(DEMO_OWNER, "Dana Demo")
            workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
            if workspace is None:
                workspace = workspace_create(name="Demo Company", slug=DEMO_SLUG, owner=owner)
            Membership.objects.update_or_create(
                user=owner, workspace=workspace, defaults={"role": Role.OWNER}
            )
            member = self._person(DEMO_MEMBER, "Sam Sales")
            Membership.objects.get_or_create(
                user=member, workspace=workspace, defaults={"role": Role.MEMBER}
            )
            # On the Growth plan (set here, no Stripe involved), so that the inbox shows every
            # demo lead rather than the Free plan's first 25 qualified ones.
            BillingAccount.objects.get_or_create(workspace=workspace, defaults={"plan": "growth"})
            with schema_context(workspace.schema_name):
                forms = demo_forms_seed()
                demo_inbox_seed(
                    forms={form.language: form for form in forms}, owner=owner, member=member
                )
        base = settings.PARLEY_BASE_URL.rstrip("/")
        self.stdout.write(
            self.style.SUCCESS("\nParley is starting with a demo workspace.\n")
            + f"  Open:      {base}/login/\n"
            + f"  Log in as: {DEMO_OWNER}\n"
            + f"  Password:  {DEMO_PASSWORD}\n"
            + f"  Dashboard: {base}/w/{DEMO_SLUG}/\n"
            + "".join(f"  Form:      {base}/w/{DEMO_SLUG}/f/{form.slug}/\n" for form in forms)
        )

    def _person(self, email, full_name):
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user
