"""The suggested opening line of the call (leads/qualification/opening.py): the visitor's own
words about their problem, how soon they want it solved, a question, in the form's language,
and nothing made up."""

import pytest
from django_tenants.utils import schema_context

from leads.models import Lead
from leads.qualification.opening import opening_line
from leads.selectors import lead_opening_line
from tests.leads.conversations import LEAD_A, LEAD_B

NBSP = "\u00a0"


def fr(text: str) -> str:
    """French typography written plainly in the tests: "« x »", " :" and " ?" with no-break
    spaces, as French puts them."""
    for plain, typeset in (
        ("« ", f"«{NBSP}"),
        (" »", f"{NBSP}»"),
        (" :", f"{NBSP}:"),
        (" ?", f"{NBSP}?"),
    ):
        text = text.replace(plain, typeset)
    return text


def detail(problem="", need_evidence=()):
    return {"brief": {"problem": problem} if problem else {}, "need": {"evidence": need_evidence}}


# --- The seed's leads, qualified by the offline engine -------------------------------------------


@pytest.mark.django_db
def test_the_seeds_urgent_manager_is_asked_about_their_own_problem_and_quarter(
    pipeline, workspace_a
):
    lead = pipeline(LEAD_B)

    with schema_context(workspace_a.schema_name):
        line = lead_opening_line(lead=lead)

    assert line == fr(
        "Bonjour, vous avez mentionné que « notre process de qualification prend trop de "
        "temps » et vous souhaitez le régler ce trimestre : est-ce toujours la priorité ?"
    )


@pytest.mark.django_db
def test_the_seeds_benchmarking_ceo_is_asked_where_the_later_project_stands(pipeline, workspace_a):
    lead = pipeline(LEAD_A)
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=lead.pk).update(full_name="Marie Dupont")
        lead.refresh_from_db()
        line = lead_opening_line(lead=lead)

    assert line == fr(
        "Bonjour Marie, vous avez mentionné que « je fais un benchmark des solutions de "
        "qualification de leads » et que c'est un projet pour plus tard : où en est-il "
        "aujourd'hui ?"
    )


@pytest.mark.django_db
def test_a_lead_with_no_conversation_gets_a_generic_line_in_english(workspace_a):
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.create(email="imported@example.com", full_name="Ada Lovelace")

        assert lead_opening_line(lead=lead) == (
            "Hi Ada, thanks for reaching out through our website: what would you like to solve "
            "first?"
        )


# --- The rule, on plain values -------------------------------------------------------------------


def test_the_english_line_quotes_the_problem_and_the_timing():
    line = opening_line(
        language="en",
        full_name="Marie Curie",
        detail=detail(
            "Our reps lose two hours a day on data entry.",
            ["Our reps lose two hours a day on data entry."],
        ),
        timing="quarter",
    )

    assert line == (
        "Hi Marie, you mentioned that “our reps lose two hours a day on data entry” and you'd "
        "like it solved this quarter: is that still the priority?"
    )


def test_without_a_known_timing_the_line_only_asks():
    line = opening_line(language="en", detail=detail("", ["Our CRM is a mess"]), timing="unknown")

    assert line == "Hi, you mentioned that “our CRM is a mess”: is that still the priority?"


def test_a_paraphrase_is_never_put_in_the_visitors_mouth():
    # Another engine wrote the brief in its own words: the evidence, which the visitor said,
    # is quoted instead.
    line = opening_line(
        language="en",
        detail=detail("Manual data entry slows the team", ["We type every lead by hand"]),
        timing="now",
    )

    assert "“we type every lead by hand”" in line
    assert "Manual data entry" not in line
    assert "within the month" in line


def test_a_lead_with_no_brief_gets_a_generic_line_in_the_forms_language():
    assert opening_line(language="fr", full_name="Jean Martin", detail={}) == fr(
        "Bonjour Jean, merci de nous avoir contactés via notre site : que souhaitez-vous "
        "résoudre en priorité ?"
    )


def test_a_disqualified_lead_gets_no_line():
    assert (
        opening_line(language="en", detail=detail("x", ["Buy my SEO services"]), disqualified=True)
        == ""
    )


@pytest.mark.parametrize("name", ["jane@example.com", "", "   ", "42", "<script>"])
def test_a_name_that_is_not_one_is_left_out(name):
    line = opening_line(language="en", full_name=name, detail={})

    assert line.startswith("Hi, thanks")


def test_names_and_products_keep_their_capitals_and_long_quotes_are_cut():
    said = "Salesforce " + "takes forever to update " * 10
    line = opening_line(language="en", detail=detail(said, [said]))

    quote = line.split("“")[1].split("”")[0]
    assert quote.startswith("Salesforce takes")
    assert quote.endswith("…") and len(quote) <= 140
