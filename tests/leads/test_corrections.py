"""An admin's corrections of a lead's qualification: kept with who and when, overriding the
engine on the lead, surviving re-qualification; only admins make them; and the corrected leads
exported as labelled conversations in FORMAT.md's JSONL."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import Authority, BudgetStatus, Disqualification, Lead, LeadCorrection, Need
from leads.models import Timing as TimingChoices
from leads.qualification.base import (
    AUTHORITIES,
    BUDGET_STATUSES,
    DISQUALIFICATION_REASONS,
    NEEDS,
    TIMING_BUCKETS,
)
from leads.qualification.evaluation import conversation_errors, dataset_read
from leads.qualification.stored import labels_from_fields
from leads.services.leads import lead_correct, lead_qualify
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_A, LEAD_B, converse, discovery_form

pytestmark = pytest.mark.django_db

VALIDATE_PY = Path(__file__).resolve().parents[3] / "shared" / "qualification" / "validate.py"


@pytest.fixture
def form(workspace_a):
    return discovery_form(workspace_a)


def qualified_lead(workspace, form, answers) -> Lead:
    conversation = converse(workspace, form, answers)
    with schema_context(workspace.schema_name):
        return lead_qualify(lead=Lead.objects.get(pk=conversation.lead_id))


@pytest.fixture
def lead_b(workspace_a, form):
    return qualified_lead(workspace_a, form, LEAD_B)


def reloaded(workspace, lead) -> Lead:
    with schema_context(workspace.schema_name):
        return Lead.objects.get(pk=lead.pk)


def corrections_url(workspace, lead) -> str:
    return f"/w/{workspace.slug}/leads/{lead.pk}/corrections/"


def correction_data(lead: Lead, **changes) -> dict:
    """The correction form as the lead page posts it: every box with its current value."""
    data = {
        "budget": lead.budget_status or "unknown",
        "authority": lead.authority or "unknown",
        "need": lead.need or "unknown",
        "timing": lead.timing or "unknown",
        "disqualification": lead.disqualification,
    }
    return {**data, **changes}


# --- The labels the model offers are FORMAT.md's ---------------------------------------------


def test_the_lead_choices_are_the_format_labels():
    assert BudgetStatus.values == list(BUDGET_STATUSES)
    assert Authority.values == list(AUTHORITIES)
    assert Need.values == list(NEEDS)
    assert TimingChoices.values == list(TIMING_BUCKETS)
    assert Disqualification.values == list(DISQUALIFICATION_REASONS)


# --- The service -----------------------------------------------------------------------------


def test_a_correction_is_kept_with_who_when_and_the_old_value(workspace_a, admin, lead_b):
    with schema_context(workspace_a.schema_name):
        [correction] = lead_correct(lead=lead_b, values={"timing": "later"}, corrected_by=admin)
        correction = LeadCorrection.objects.get(pk=correction.pk)

    assert (correction.field, correction.old_value, correction.new_value) == (
        "timing",
        "quarter",
        "later",
    )
    assert correction.corrected_by_id == admin.pk
    assert correction.corrected_by_email == admin.email
    assert correction.created_at is not None


def test_a_correction_overrides_the_engine_and_the_status_follows(workspace_a, admin, lead_b):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"timing": "later"}, corrected_by=admin)

    lead = reloaded(workspace_a, lead_b)
    assert lead.timing == "later"
    assert lead.qualification_status == "mql"
    # The engine's own reading is kept beside it.
    assert lead.qualification_detail["timing"]["value"] == "quarter"


def test_corrections_survive_qualifying_the_lead_again(workspace_a, admin, lead_b):
    with schema_context(workspace_a.schema_name):
        lead_correct(
            lead=lead_b,
            values={"authority": "decision_maker", "timing": "year"},
            corrected_by=admin,
        )
        lead_qualify(lead=lead_b)
        lead_qualify(lead=lead_b)

    lead = reloaded(workspace_a, lead_b)
    assert (lead.authority, lead.timing) == ("decision_maker", "year")
    assert lead.budget_status == "confirmed"  # not corrected: still the engine's
    assert lead.qualification_status == "mql"


def test_the_latest_correction_of_a_field_wins(workspace_a, admin, owner, lead_b):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"need": "none"}, corrected_by=admin)
        [second] = lead_correct(lead=lead_b, values={"need": "unknown"}, corrected_by=owner)
        lead_qualify(lead=lead_b)

    assert (second.old_value, second.new_value) == ("none", "unknown")
    assert reloaded(workspace_a, lead_b).need == "unknown"


def test_a_box_given_its_current_value_is_not_recorded(workspace_a, admin, lead_b):
    with schema_context(workspace_a.schema_name):
        made = lead_correct(
            lead=lead_b, values={"timing": "quarter", "disqualification": ""}, corrected_by=admin
        )
        assert made == []
        assert not LeadCorrection.objects.exists()


def test_disqualifying_makes_the_lead_disqualified_and_undoing_it_restores_the_status(
    workspace_a, admin, lead_b
):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"disqualification": "vendor"}, corrected_by=admin)
        disqualified = Lead.objects.get(pk=lead_b.pk)
        lead_correct(lead=disqualified, values={"disqualification": ""}, corrected_by=admin)
        lead_qualify(lead=lead_b)

    assert disqualified.qualification_status == "disqualified"
    assert disqualified.disqualification_reason == "Vendor, as corrected by an admin."
    lead = reloaded(workspace_a, lead_b)
    assert (lead.qualification_status, lead.disqualification_reason) == ("sql", "")


def test_a_budget_corrected_to_none_loses_its_amount(workspace_a, admin, lead_b):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"budget": "none"}, corrected_by=admin)
        lead_qualify(lead=lead_b)

    lead = reloaded(workspace_a, lead_b)
    assert (lead.budget_status, lead.budget_amount, lead.budget_currency) == ("none", None, "")


def test_an_unknown_value_is_refused(workspace_a, admin, lead_b):
    with schema_context(workspace_a.schema_name), pytest.raises(ValidationError):
        lead_correct(lead=lead_b, values={"timing": "tomorrow"}, corrected_by=admin)


def test_a_lead_never_qualified_can_be_labelled_by_hand(workspace_a, admin):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()
        lead_correct(lead=lead, values={"disqualification": "spam"}, corrected_by=admin)
        lead.refresh_from_db()

    assert lead.qualification_status == "disqualified"
    assert lead.qualified_at is None


# --- The view --------------------------------------------------------------------------------


@pytest.mark.parametrize("corrector", ["admin_client_a", "owner_client"])
def test_an_admin_corrects_a_lead_from_its_page(request, corrector, workspace_a, lead_b):
    client = request.getfixturevalue(corrector)

    response = client.post(
        corrections_url(workspace_a, lead_b), correction_data(lead_b, timing="later", need="none")
    )

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/leads/{lead_b.pk}/"
    lead = reloaded(workspace_a, lead_b)
    assert (lead.timing, lead.need) == ("later", "none")
    with schema_context(workspace_a.schema_name):
        assert sorted(LeadCorrection.objects.values_list("field", flat=True)) == ["need", "timing"]
    page = client.get(response["Location"]).content.decode()
    assert "Corrected: need, timing." in page or "Corrected: timing, need." in page


def test_a_member_cannot_correct(member_client, workspace_a, lead_b):
    response = member_client.post(
        corrections_url(workspace_a, lead_b), correction_data(lead_b, timing="later")
    )

    assert response.status_code == 403
    assert reloaded(workspace_a, lead_b).timing == "quarter"


def test_a_value_not_offered_changes_nothing(admin_client_a, workspace_a, lead_b):
    response = admin_client_a.post(
        corrections_url(workspace_a, lead_b), correction_data(lead_b, timing="yesterday")
    )

    assert response.status_code == 302
    assert reloaded(workspace_a, lead_b).timing == "quarter"
    page = admin_client_a.get(response["Location"]).content.decode()
    assert "Choose one of the values offered" in page


def test_corrections_are_posted_only(admin_client_a, workspace_a, lead_b):
    assert admin_client_a.get(corrections_url(workspace_a, lead_b)).status_code == 405


def test_correcting_an_unknown_lead_is_a_404(admin_client_a, workspace_a):
    response = admin_client_a.post(f"/w/{workspace_a.slug}/leads/2000000000/corrections/")

    assert response.status_code == 404


# --- The export ------------------------------------------------------------------------------


def export_url(workspace) -> str:
    return f"/w/{workspace.slug}/leads/export/labelled.jsonl"


def exported(client, workspace) -> list[dict]:
    response = client.get(export_url(workspace))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in response["Content-Disposition"]
    return [json.loads(line) for line in response.content.decode().splitlines()]


def test_the_export_holds_the_corrected_leads_only_each_line_valid(
    admin_client_a, admin, workspace_a, form, lead_b
):
    lead_a = qualified_lead(workspace_a, form, LEAD_A)
    qualified_lead(workspace_a, form, [f"c{LEAD_B[0]}", *LEAD_B[1:]])  # not corrected
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"authority": "decision_maker"}, corrected_by=admin)
        lead_correct(lead=lead_a, values={"budget": "none"}, corrected_by=admin)

    rows = exported(admin_client_a, workspace_a)

    assert [row["id"] for row in rows] == [
        f"{workspace_a.slug}-lead-{lead_b.pk}",
        f"{workspace_a.slug}-lead-{lead_a.pk}",
    ]
    for row in rows:
        assert conversation_errors(row) == []
    b = rows[0]
    assert b["lang"] == "fr"
    assert b["contact"]["company_size"] == 30
    assert [m["text"] for m in b["messages"] if m["role"] == "visitor"][:8] == LEAD_B
    assert b["expected"] == {
        "disqualified": None,
        "budget": {"status": "confirmed", "amount": 6000, "currency": "EUR", "period": "year"},
        "authority": "decision_maker",
        "need": "identified",
        "timing": {"bucket": "quarter"},
        "status": "sql",
    }
    assert rows[1]["expected"]["budget"] == {
        "status": "none",
        "amount": None,
        "currency": None,
        "period": None,
    }


def test_the_export_labels_the_status_by_the_format_rule_whatever_the_workspace_asks(
    admin_client_a, admin, workspace_a, lead_b
):
    workspace_a.sql_min_buying_signals = 2
    workspace_a.save()
    with schema_context(workspace_a.schema_name):
        # A value the engine did not read, so that the correction is made (and the status
        # computed again under the workspace's rule).
        lead_correct(lead=lead_b, values={"authority": "no_authority"}, corrected_by=admin)
    assert reloaded(workspace_a, lead_b).qualification_status == "mql"  # the workspace's rule

    [row] = exported(admin_client_a, workspace_a)

    assert row["expected"]["status"] == "sql"
    assert conversation_errors(row) == []


def test_the_export_reads_back_as_a_dataset(admin_client_a, admin, workspace_a, lead_b, tmp_path):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"need": "none"}, corrected_by=admin)
    path = tmp_path / "labelled.jsonl"
    path.write_bytes(admin_client_a.get(export_url(workspace_a)).content)

    [row] = dataset_read(path)

    assert row.expected["need"] == "none"
    # Relative times in the transcript read from the day the visitor spoke, not the export's.
    assert row.transcript.today == timezone.localdate(lead_b.conversations.get().started_at)


@pytest.mark.skipif(not VALIDATE_PY.exists(), reason="shared/qualification/validate.py is absent")
def test_the_export_passes_the_shared_validator(
    admin_client_a, admin, workspace_a, lead_b, tmp_path
):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"timing": "later"}, corrected_by=admin)
    path = tmp_path / "labelled.jsonl"
    path.write_bytes(admin_client_a.get(export_url(workspace_a)).content)

    checked = subprocess.run(  # noqa: S603 (our own interpreter and a file of the repository)
        [sys.executable, str(VALIDATE_PY), str(path)], capture_output=True, text=True, check=False
    )

    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.strip().splitlines()[-1] == "ok n=1"


def test_a_workspace_without_corrections_exports_an_empty_file(admin_client_a, workspace_a, lead_b):
    assert exported(admin_client_a, workspace_a) == []


def test_a_member_cannot_export(member_client, workspace_a):
    assert member_client.get(export_url(workspace_a)).status_code == 403


def test_the_export_of_a_never_qualified_lead_labels_unknowns():
    assert labels_from_fields({"disqualification": ""}) == {
        "disqualified": None,
        "budget": {"status": "unknown", "amount": None, "currency": None, "period": None},
        "authority": "unknown",
        "need": "unknown",
        "timing": {"bucket": "unknown"},
        "status": "mql",
    }
