"""After an erasure, no table of the workspace's schema holds anything of the contact: every
text and JSON column of every table is searched for the address and for what the visitor typed,
and every `lead_id` column for the lead, with SQL over information_schema, so that a table added
later is searched too. The same address in workspace B is left exactly as it was."""

import pytest
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import QualifiedLeadRecord
from leads.models import Lead
from leads.privacy.erasure import contact_erase
from tests.factories import UserFactory
from tests.leads.privacy.fixtures import BYSTANDER, EMAIL, TRACES
from tests.leads.privacy.tables import lead_id_hits, schema_rows, text_hits

pytestmark = pytest.mark.django_db


def traces_in(schema: str) -> dict[str, dict[str, int]]:
    return {needle: hits for needle in TRACES if (hits := text_hits(schema, needle))}


def test_erase_leaves_no_trace_of_the_contact_in_any_table(workspace_a, workspace_b, make_contact):
    contact = make_contact(workspace_a)
    make_contact(workspace_b)
    # A bystander of A, who must keep everything.
    bystander = make_contact(workspace_a, BYSTANDER)
    schema = workspace_a.schema_name
    before = traces_in(schema)
    b_before = schema_rows(workspace_b.schema_name)
    bystander_before = lead_id_hits(schema, bystander.lead.pk)
    # The search finds the contact wherever the services put them: it is not searching in vain.
    assert {"leads_lead.email", "leads_conversation.answers", "leads_message.text"} <= set(
        before["zelda.quokka@quokkaflux.example"]
    )
    assert {"leads_leadevent.url", "leads_leadoutcome.note", "leads_conversation.utm"} <= set(
        before["zqv7"]
    )
    assert "leads_leadscoreitem.reason" in before["quokka"]  # "Job title: CEO of Quokkaflux"
    assert {"leads_leadcorrection", "leads_leadactivity", "leads_leadscoreitem"} <= set(
        lead_id_hits(schema, contact.lead.pk)
    )
    assert QualifiedLeadRecord.objects.filter(workspace=workspace_a, lead_id=contact.lead.pk)

    with schema_context(schema):
        contact_erase(email=EMAIL, workspace=workspace_a, by=UserFactory())

    assert traces_in(schema) == {}
    assert lead_id_hits(schema, contact.lead.pk) == {}
    assert traces_in(get_public_schema_name()) == {}
    assert not QualifiedLeadRecord.objects.filter(workspace=workspace_a, lead_id=contact.lead.pk)
    # Nothing else went: not the bystander's rows, not a single row of B.
    assert lead_id_hits(schema, bystander.lead.pk) == bystander_before
    assert schema_rows(workspace_b.schema_name) == b_before
    with schema_context(workspace_b.schema_name):
        assert Lead.objects.filter(email__iexact=EMAIL).exists()
