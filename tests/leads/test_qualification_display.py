"""The qualification on the lead page: status badge, disqualification reason, brief, BANT with
value, confidence and evidence, the evidence marked in the transcript (escaped first), the
correction form for admins only, and a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from leads.models import Lead
from leads.services.leads import lead_correct, lead_qualify
from leads.templatetags.evidence import mark_evidence
from tests.leads.conversations import LEAD_B, converse, discovery_form

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


# --- mark_evidence -----------------------------------------------------------------------------


def test_a_quote_is_marked_and_the_rest_escaped():
    marked = mark_evidence("Budget ok. Fish & <chips>", ["Budget ok."])

    assert marked == "<mark>Budget ok.</mark> Fish &amp; &lt;chips&gt;"


def test_markup_inside_a_quote_is_escaped_too():
    text = f"We decide now {XSS}"

    marked = mark_evidence(text, [text])

    assert marked == "<mark>We decide now &lt;script&gt;alert(1)&lt;/script&gt;</mark>"


def test_every_occurrence_is_marked_and_overlaps_take_the_longer_quote():
    marked = mark_evidence("asap. Budget is 5k. asap.", ["asap.", "Budget is 5k.", "is 5k"])

    assert marked == "<mark>asap.</mark> <mark>Budget is 5k.</mark> <mark>asap.</mark>"


@pytest.mark.parametrize("quotes", [None, [], ["", "   "], ["not said"]])
def test_text_without_a_quote_is_only_escaped(quotes):
    assert mark_evidence("a < b", quotes) == "a &lt; b"


def test_a_quote_that_looks_like_markup_cannot_inject_any():
    """Quotes come from the visitor too: matching happens on raw text, output is escaped."""
    marked = mark_evidence("x <b>y</b>", ["<b>y</b>"])

    assert marked == "x <mark>&lt;b&gt;y&lt;/b&gt;</mark>"


# --- The lead page ------------------------------------------------------------------------------


@pytest.fixture
def form(workspace_a):
    return discovery_form(workspace_a)


@pytest.fixture
def lead_b(workspace_a, form):
    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        return lead_qualify(lead=Lead.objects.get(pk=conversation.lead_id))


def lead_page(client, workspace, lead) -> str:
    response = client.get(f"/w/{workspace.slug}/leads/{lead.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_status_badge_brief_and_bant(member_client, workspace_a, lead_b):
    html = lead_page(member_client, workspace_a, lead_b)

    assert '<span class="lead-status lead-status-sql">SQL</span>' in html
    assert "<dt>Problem</dt><dd>Notre process de qualification prend trop de temps</dd>" in html
    assert "<strong>Confirmed: 6,000 EUR a year</strong>" in html
    assert "<strong>This quarter</strong>" in html
    # Each box's confidence is the engine's, as a percentage.
    budget = lead_b.qualification_detail["budget"]["confidence"]
    assert f"Confidence {round(budget * 100)}%" in html
    assert '<q class="lead-evidence">On doit décider avant la fin du trimestre</q>' in html
    assert "By the offline 2 engine" in html


def test_the_evidence_is_marked_in_the_transcript(member_client, workspace_a, lead_b):
    html = lead_page(member_client, workspace_a, lead_b)

    assert "<mark>On doit décider avant la fin du trimestre</mark></li>" in html
    assert "<mark>Oui, le budget est validé : 6 000 euros par an.</mark>" in html
    # Only visitor lines are marked: the assistant's questions are plain.
    assert "<mark>Avez-vous" not in html


def test_a_disqualified_lead_shows_why(member_client, workspace_a, lead_b):
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=lead_b.pk).update(
            qualification_status="disqualified",
            disqualification="vendor",
            disqualification_reason="Fournisseur : cherche à vendre ses services.",
        )

    html = lead_page(member_client, workspace_a, lead_b)

    assert "lead-status-disqualified" in html
    assert "<strong>Vendor</strong> · Fournisseur : cherche à vendre ses services." in html


def test_a_disqualified_lead_quotes_the_sentence_and_folds_its_bant(
    member_client, workspace_a, lead_b
):
    # Given a lead the engine disqualified as a vendor, on the visitor's own sentence
    pitch = "Nous aidons les éditeurs à remplir leur agenda commercial."
    with schema_context(workspace_a.schema_name):
        detail = {**Lead.objects.get(pk=lead_b.pk).qualification_detail}
        detail.update(disqualified="vendor", disqualification_evidence=[pitch])
        Lead.objects.filter(pk=lead_b.pk).update(
            qualification_status="disqualified",
            disqualification="vendor",
            qualification_detail=detail,
        )

    # When a member opens its page
    html = lead_page(member_client, workspace_a, lead_b)

    # Then the sentence that shows it is quoted beside the reason, the BANT boxes, which
    # nobody will call on, are folded away, and no brief reads a pitch as a problem
    assert f'<q class="lead-evidence lead-disqualification-evidence">{pitch}</q>' in html
    assert '<details class="lead-bant-folded">' in html
    assert 'class="lead-brief"' not in html


def test_a_reason_an_admin_set_quotes_nothing_of_the_engines(member_client, workspace_a, lead_b):
    with schema_context(workspace_a.schema_name):
        detail = {**Lead.objects.get(pk=lead_b.pk).qualification_detail}
        detail.update(disqualified="vendor", disqualification_evidence=["We sell SEO."])
        Lead.objects.filter(pk=lead_b.pk).update(
            qualification_status="disqualified",
            disqualification="spam",
            qualification_detail=detail,
        )

    html = lead_page(member_client, workspace_a, lead_b)

    assert "lead-disqualification-evidence" not in html


def test_a_genuine_prospects_bant_is_open(member_client, workspace_a, lead_b):
    html = lead_page(member_client, workspace_a, lead_b)

    assert "lead-bant-folded" not in html
    assert '<dl class="lead-bant">' in html


def test_a_lead_not_qualified_yet_says_so(member_client, workspace_a, form):
    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=conversation.lead_id)

    html = lead_page(member_client, workspace_a, lead)

    assert "Not qualified yet" in html
    assert "<mark>" not in html


def test_evidence_quoting_what_a_visitor_wrote_stays_escaped(member_client, workspace_a, form):
    answers = [*LEAD_B[:-1], f"On doit décider avant la fin du trimestre {XSS}"]
    conversation = converse(workspace_a, form, answers)
    with schema_context(workspace_a.schema_name):
        lead = lead_qualify(lead=Lead.objects.get(pk=conversation.lead_id))
    assert any(XSS in quote for quote in lead.qualification_detail["timing"]["evidence"])

    html = lead_page(member_client, workspace_a, lead)

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html


def test_only_admins_see_the_correction_form(
    member_client, admin_client_a, owner_client, workspace_a, lead_b
):
    action = f'action="/w/{workspace_a.slug}/leads/{lead_b.pk}/corrections/"'

    assert action not in lead_page(member_client, workspace_a, lead_b)
    assert action in lead_page(admin_client_a, workspace_a, lead_b)
    assert action in lead_page(owner_client, workspace_a, lead_b)


def test_the_correction_form_starts_from_the_lead_values(admin_client_a, workspace_a, lead_b):
    html = lead_page(admin_client_a, workspace_a, lead_b)

    assert '<option value="quarter" selected>' in html
    assert '<option value="confirmed" selected>' in html


def test_a_corrected_box_says_who_corrected_it_and_what_the_engine_read(
    admin_client_a, admin, workspace_a, lead_b
):
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"timing": "later"}, corrected_by=admin)

    html = lead_page(admin_client_a, workspace_a, lead_b)

    assert "<strong>Later</strong>" in html
    assert f"Corrected by {admin.email}" in html
    assert "the engine read This quarter" in html
    assert '<span class="lead-status lead-status-mql">MQL</span>' in html


def queries_of(client, url) -> int:
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_query_count_does_not_grow_with_conversations_or_corrections(
    admin_client_a, admin, workspace_a, form, lead_b
):
    url = f"/w/{workspace_a.slug}/leads/{lead_b.pk}/"
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=lead_b, values={"need": "none"}, corrected_by=admin)
    with_one = queries_of(admin_client_a, url)

    converse(workspace_a, form, LEAD_B)
    converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead = lead_qualify(lead=lead_b)
        for value in ("year", "later", "now"):
            lead_correct(lead=lead, values={"timing": value}, corrected_by=admin)

    assert queries_of(admin_client_a, url) == with_one
    assert lead_page(admin_client_a, workspace_a, lead).count('class="card lead-conversation"') == 3
