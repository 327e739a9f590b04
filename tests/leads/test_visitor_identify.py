"""A visitor's page views, tracked before they said who they are, become their lead's once a
conversation identifies them (leads.services.leads.lead_upsert_from_conversation), and count in
the lead's score as soon as the conversation's end is processed."""

import pytest
from django_tenants.utils import schema_context

from leads.models import EventKind, LeadEvent
from leads.services.events import page_view_record
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_B

pytestmark = pytest.mark.django_db

VISITOR = "0b7e9d52-5a8c-4f0e-9a55-1f2b3c4d5e6f"
PRICING = "https://www.example.com/pricing"


def _view(workspace, visitor_id: str, url: str = PRICING) -> LeadEvent:
    with schema_context(workspace.schema_name):
        return page_view_record(visitor_id=visitor_id, url=url)


def test_pages_seen_before_the_conversation_count_in_the_score_after_it(
    workspace_a, pricing_rule, pipeline
):
    # Given a visitor who read the pricing page twice, anonymously
    views = [_view(workspace_a, VISITOR), _view(workspace_a, VISITOR)]

    # When they talk to a form from the same browser
    lead = pipeline(LEAD_B, visitor_id=VISITOR)

    # Then the views are the lead's, and the pricing rule counts them
    with schema_context(workspace_a.schema_name):
        assert set(LeadEvent.objects.filter(lead=lead).values_list("pk", flat=True)) == {
            v.pk for v in views
        }
        item = lead.score_items.get(rule=pricing_rule)
    assert lead.score == 15
    assert item.reason == "2 visits of the pricing page"


def test_another_visitors_page_views_stay_anonymous(workspace_a, pricing_rule, pipeline):
    other = _view(workspace_a, "another-visitor-42")

    lead = pipeline(LEAD_B, visitor_id=VISITOR)

    with schema_context(workspace_a.schema_name):
        other.refresh_from_db()
    assert other.lead_id is None
    assert lead.score == 0


def test_page_views_already_of_another_lead_stay_theirs(workspace_a, pricing_rule, pipeline):
    # A shared computer: the first person identified earlier on it.
    with schema_context(workspace_a.schema_name):
        first = LeadFactory()
        theirs = LeadEvent.objects.create(
            lead=first, visitor_id=VISITOR, kind=EventKind.PAGE_VIEW, url=PRICING
        )

    lead = pipeline(LEAD_B, visitor_id=VISITOR)

    with schema_context(workspace_a.schema_name):
        theirs.refresh_from_db()
    assert theirs.lead_id == first.pk
    assert lead.score == 0


def test_a_conversation_without_visitor_id_claims_no_event(workspace_a, pricing_rule, pipeline):
    # Events the API recorded for a lead carry no visitor id, nor do untracked conversations.
    with schema_context(workspace_a.schema_name):
        loose = LeadEvent.objects.create(visitor_id="", kind=EventKind.PAGE_VIEW, url=PRICING)

    pipeline(LEAD_B)

    with schema_context(workspace_a.schema_name):
        loose.refresh_from_db()
    assert loose.lead_id is None
