"""Authority from the job title and from what the visitor says about the decision."""

import pytest

from leads.qualification.roles import authority_from_sentence, authority_from_title
from leads.qualification.text import fold


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("CEO", "decision_maker"),
        ("PDG", "decision_maker"),
        ("Gérante", "decision_maker"),
        ("Fondatrice", "decision_maker"),
        ("Dentist / Owner", "decision_maker"),
        ("Directeur administratif et financier", "decision_maker"),
        ("Director", "decision_maker"),
        ("Stagiaire comptabilité", "no_authority"),
        ("IT Intern", "no_authority"),
        ("VP Logistics", "unknown"),
        ("Procurement Specialist", "unknown"),
        ("Responsable marketing", "unknown"),
        ("", "unknown"),
    ],
)
def test_titles_suggest_authority_only_when_unambiguous(title, expected):
    assert authority_from_title(fold(title)) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "c'est moi qui signe",
        "C'est moi qui décide pour tout ce qui est outils RH",
        "oui c'est mon cabinet",
        "oui je suis associé gérant",
        "C'est moi qui choisis le prestataire, le DG signe le bon de commande.",
        "I sign off on this.",
        "it's my practice, I decide",
        "I own this decision, plant managers just give input",
        "I'd be the exec sponsor and own the vendor choice",
    ],
)
def test_first_person_decisions_make_a_decision_maker(sentence):
    assert authority_from_sentence(fold(sentence), answers_who_decides=False) == "decision_maker"


@pytest.mark.parametrize(
    "sentence",
    [
        "je dois valider avec mon DG",
        "je dois le défendre auprès de ma directrice",
        "je monte le dossier et le directeur général tranche",
        "c'est eux qui décident",
        "Le budget est validé par le gérant.",
        "my boss decides",
        "I'm not the decision maker, my boss is.",
        "I'm recommending, our CMO makes the final call",
        "I'm leading the evaluation, final sign-off is our CFO",
    ],
)
def test_someone_else_deciding_makes_an_influencer(sentence):
    assert authority_from_sentence(fold(sentence), answers_who_decides=False) == "influencer"


@pytest.mark.parametrize(
    "sentence",
    [
        "ce n'est pas moi qui décide",
        "I'm not the decision maker",
    ],
)
def test_a_denied_decision_is_never_a_decision_maker(sentence):
    assert authority_from_sentence(fold(sentence), answers_who_decides=False) == "influencer"


@pytest.mark.parametrize(
    "sentence", ["moi je fais juste un comparatif", "I'm just collecting info"]
)
def test_collecting_information_for_others_is_no_authority(sentence):
    assert authority_from_sentence(fold(sentence), answers_who_decides=False) == "no_authority"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("moi", "decision_maker"),
        ("me, and I want to fix this quickly", "decision_maker"),
        ("moi avec le DG, on décide à deux", "decision_maker"),
        ("our GM, I'd show it to him", "influencer"),
        ("ma directrice commerciale et marketing", "influencer"),
        ("je ne sais pas", None),
    ],
)
def test_a_bare_answer_to_who_decides_names_the_decider(answer, expected):
    assert authority_from_sentence(fold(answer), answers_who_decides=True) == expected
