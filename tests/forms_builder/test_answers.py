import pytest

from forms_builder.answers import AnswerInvalid, answer_display, answer_parse
from forms_builder.models import StepKind


def step(kind, required=True, **extra):
    return {
        "key": "k",
        "kind": kind,
        "required": required,
        "options": [],
        "branches": [],
        "min_value": None,
        "max_value": None,
        **extra,
    }


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (StepKind.SHORT_TEXT, "  Acme  ", "Acme"),
        (StepKind.EMAIL, "Ada@Example.COM", "ada@example.com"),
        (StepKind.PHONE, "+33 6 12 34 56 78", "+33 6 12 34 56 78"),
        (StepKind.URL, "acme.com", "https://acme.com"),
        (StepKind.NUMBER, "1 500,50", "1500.50"),
        (StepKind.NUMBER, "1,500.50", "1500.50"),
        (StepKind.NUMBER, "30", "30"),
        (StepKind.YES_NO, "Oui", True),
        (StepKind.YES_NO, "no", False),
        (StepKind.COMPANY_SIZE, "11-50", "11-50"),
        (StepKind.COMPANY_SIZE, "30", "11-50"),
        (StepKind.COMPANY_SIZE, "5000", "1000+"),
        (StepKind.DATE, "31/03/2026", "2026-03-31"),
        (StepKind.DATE, "2026-03-31", "2026-03-31"),
    ],
)
def test_valid_answers_are_read_into_values(kind, text, value):
    assert answer_parse(step(kind), text, "en") == value


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (StepKind.EMAIL, "ada at example", "e-mail address"),
        (StepKind.PHONE, "call me", "phone number"),
        (StepKind.URL, "not a site", "web address"),
        (StepKind.NUMBER, "thirty", "number"),
        (StepKind.NUMBER, "NaN", "number"),
        (StepKind.YES_NO, "maybe", "yes or no"),
        (StepKind.DATE, "next spring", "date"),
        (StepKind.SHORT_TEXT, "", "needs an answer"),
        (StepKind.SHORT_TEXT, "x" * 501, "under 500"),
    ],
)
def test_invalid_answers_say_what_is_wrong(kind, text, message):
    with pytest.raises(AnswerInvalid) as invalid:
        answer_parse(step(kind), text, "en")
    assert message in invalid.value.message


def test_errors_follow_the_form_language():
    with pytest.raises(AnswerInvalid) as invalid:
        answer_parse(step(StepKind.EMAIL), "pas un email", "fr")
    assert "adresse e-mail" in invalid.value.message


def test_long_text_allows_long_answers_up_to_its_own_limit():
    assert answer_parse(step(StepKind.LONG_TEXT), "x" * 4000, "en") == "x" * 4000
    with pytest.raises(AnswerInvalid):
        answer_parse(step(StepKind.LONG_TEXT), "x" * 4001, "en")


def test_number_range_is_enforced():
    bounded = step(StepKind.NUMBER, min_value="1", max_value="100")
    assert answer_parse(bounded, "100", "en") == "100"
    with pytest.raises(AnswerInvalid, match="at least 1"):
        answer_parse(bounded, "0", "en")
    with pytest.raises(AnswerInvalid, match="at most 100"):
        answer_parse(bounded, "101", "en")


def test_choices_match_whatever_the_case_and_refuse_others():
    single = step(StepKind.SINGLE_CHOICE, options=["Demo", "Pricing"])
    assert answer_parse(single, "pricing", "en") == "Pricing"
    with pytest.raises(AnswerInvalid, match="Demo, Pricing"):
        answer_parse(single, "Support", "en")


TIMING = ["This month", "This quarter", "This year", "Just looking"]


@pytest.mark.parametrize(
    ("answer", "meant"),
    [
        ("It's urgent: we must decide before the end of the quarter", "This quarter"),
        ("we're just looking for now", "Just looking"),
        ("2", "This quarter"),
        ("this YEAR probably", "This year"),
        ("d'ici la fin du mois, c'est urgent", None),  # French words, English options: unclear
    ],
)
def test_a_free_text_answer_that_clearly_means_one_choice_is_that_choice(answer, meant):
    single = step(StepKind.SINGLE_CHOICE, options=TIMING)
    if meant is None:
        with pytest.raises(AnswerInvalid):
            answer_parse(single, answer, "en")
    else:
        assert answer_parse(single, answer, "en") == meant


def test_an_answer_that_could_mean_two_choices_is_asked_again_kindly():
    single = step(StepKind.SINGLE_CHOICE, options=TIMING)

    with pytest.raises(AnswerInvalid) as unclear:
        answer_parse(single, "this month or this quarter, not sure", "en")

    assert unclear.value.message == (
        "Sorry, I'm not sure which one you mean. Could you pick one of: This month, "
        "This quarter, This year, Just looking?"
    )


def test_french_options_are_read_without_accents():
    single = step(StepKind.SINGLE_CHOICE, options=["Ce trimestre", "Cette année", "Plus tard"])

    assert answer_parse(single, "avant la fin de l'annee", "fr") == "Cette année"


def test_multiple_choice_keeps_each_option_once():
    multiple = step(StepKind.MULTIPLE_CHOICE, options=["CRM", "Email", "Ads"])
    assert answer_parse(multiple, "crm, Ads, CRM", "en") == ["CRM", "Ads"]


def test_optional_step_may_be_skipped():
    assert answer_parse(step(StepKind.SHORT_TEXT, required=False), "  ", "en") is None


def test_answers_read_back_in_the_form_language():
    assert answer_display(step(StepKind.YES_NO), True, "fr") == "Oui"
    assert answer_display(step(StepKind.MULTIPLE_CHOICE), ["CRM", "Ads"], "en") == "CRM, Ads"
    assert answer_display(step(StepKind.SHORT_TEXT), None, "en") == "—"
