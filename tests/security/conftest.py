"""Fixtures for the isolation attack suite: a member of workspace A aims at workspace B."""

import pytest
from django.core.files.storage import storages
from django_tenants.utils import schema_context

from billing.models import BillingAccount, QualifiedLeadRecord, Usage, UsageAlert
from exports.models import LeadExport
from forms_builder.models import Form, FormVersion, Step
from forms_builder.services import form_create, form_publish
from leads.models import (
    Conversation,
    ErasureRecord,
    Lead,
    LeadActivity,
    LeadCorrection,
    LeadEvent,
    LeadOutcome,
    LeadScoreItem,
    Message,
)
from tenants.models import Role
from tests.factories import InvitationFactory, LeadFactory, MembershipFactory
from tests.security.probes import route_fill, route_values
from tests.security.untrusted import LEAD_EMAIL
from webhooks.models import Delivery, Endpoint, Event


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files the suite makes (exports) go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The storage caches MEDIA_ROOT and forgets it only when MULTITENANT_RELATIVE_MEDIA_ROOT
    # changes, so it is told here.
    storages["default"].__dict__.pop("relative_media_root", None)
    yield tmp_path / "media"
    storages["default"].__dict__.pop("relative_media_root", None)


@pytest.fixture
def route_url():
    """`route_url(workspace, route)`: the path of a workspace route on the main host, its
    parameters naming fresh objects of that workspace."""

    def build(workspace, route: str, prefix: str | None = None) -> str:
        if prefix is None:
            prefix = f"/w/{workspace.slug}/"
        return prefix + route_fill(route, route_values(route, workspace))

    return build


@pytest.fixture
def b_membership(workspace_b):
    """A plain member of B: an attack on an owner could be stopped by the last-owner rule and
    hide a missing workspace check."""
    return MembershipFactory(workspace=workspace_b, role=Role.MEMBER)


@pytest.fixture
def b_invitation(workspace_b):
    return InvitationFactory(workspace=workspace_b)


@pytest.fixture
def snapshot_b(workspace_b):
    """`snapshot_b()`: everything about workspace B that a workspace page could change."""

    def take():
        workspace_b.refresh_from_db()
        with schema_context(workspace_b.schema_name):
            # Forms and leads live in B's own schema. Every column of every row is kept, so that
            # an edit of any field shows (updated_at moves whenever a service touches a form).
            forms = {
                "forms": list(Form.objects.order_by("pk").values_list()),
                "steps": list(Step.objects.order_by("pk").values_list()),
                "form_versions": list(FormVersion.objects.order_by("pk").values_list()),
                "leads": list(Lead.objects.order_by("pk").values_list()),
                "conversations": list(Conversation.objects.order_by("pk").values_list()),
                "messages": list(Message.objects.order_by("pk").values_list()),
                "lead_corrections": list(LeadCorrection.objects.order_by("pk").values_list()),
                "lead_outcomes": list(LeadOutcome.objects.order_by("pk").values_list()),
                "lead_activities": list(LeadActivity.objects.order_by("pk").values_list()),
                "lead_events": list(LeadEvent.objects.order_by("pk").values_list()),
                "lead_score_items": list(LeadScoreItem.objects.order_by("pk").values_list()),
                "erasure_records": list(ErasureRecord.objects.order_by("pk").values_list()),
                "webhook_endpoints": list(Endpoint.objects.order_by("pk").values_list()),
                "webhook_events": list(Event.objects.order_by("pk").values_list()),
                "webhook_deliveries": list(Delivery.objects.order_by("pk").values_list()),
                "lead_exports": list(LeadExport.objects.order_by("pk").values_list()),
            }
        return {
            "workspace": (workspace_b.name, workspace_b.slug, workspace_b.schema_name),
            "memberships": sorted(
                workspace_b.memberships.values_list("pk", "user_id", "role"), key=str
            ),
            "invitations": sorted(
                workspace_b.invitations.values_list("pk", "email", "role", "accepted_at"),
                key=str,
            ),
            "api_keys": list(workspace_b.api_keys.order_by("pk").values_list()),
            # Billing lives in the public schema, one-to-one or keyed by the workspace.
            "billing": [
                list(model.objects.filter(workspace=workspace_b).order_by("pk").values_list())
                for model in (BillingAccount, Usage, QualifiedLeadRecord, UsageAlert)
            ],
            **forms,
        }

    return take


# --- The bad-input suites (test_bad_input*.py) --------------------------------------------------


@pytest.fixture
def chat(workspace_a):
    """The address of a published form of A that declares a hidden field `plan`."""
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact sales")
        form.hidden_fields = ["plan"]
        form.save()
        form_publish(form=form)
    return f"/w/{workspace_a.slug}/f/{form.slug}/"


@pytest.fixture
def lead_of_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        return LeadFactory(email=LEAD_EMAIL, custom_fields={"crm_id": "0061"})


@pytest.fixture
def key_of_a(api_key_of, workspace_a):
    return api_key_of(workspace_a)
