import pytest

from leads.qualification.base import Transcript
from leads.qualification.text import fold, visitor_sentences


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("We need it by JUNE", "we need it by june"),
        ("C'est URGENT, décision d\u2019ici l\u2019été", "c'est urgent, decision d'ici l'ete"),
        ("Budget\u00a0: 20\u202fk€ \u2013 validé", "budget : 20 k€ - valide"),
        ("Ça coûte “cher”", "ca coute “cher”"),
        ("", ""),
    ],
)
def test_fold_lowercases_and_drops_accents_and_typographic_marks(text, folded):
    assert fold(text) == folded


def test_contact_details_are_not_read_as_sentences():
    transcript = Transcript(
        lang="en",
        offer="",
        messages=[
            {"role": "assistant", "text": "What brings you here?"},
            {"role": "visitor", "text": "Our reps waste hours on bad leads."},
            {"role": "assistant", "text": "What is your work e-mail?"},
            {"role": "visitor", "text": "jane.doe@acme-industrie.fr"},
            {"role": "assistant", "text": "And your name?"},
            {"role": "visitor", "text": "Jane Doe"},
            {"role": "assistant", "text": "A phone number?"},
            {"role": "visitor", "text": "+33 6 12 34 56 78"},
        ],
    )

    assert [s.text for s in visitor_sentences(transcript)] == ["Our reps waste hours on bad leads."]


def test_a_long_answer_to_a_contact_question_is_still_read():
    transcript = Transcript(
        lang="en",
        offer="",
        messages=[
            {"role": "assistant", "text": "Your e-mail?"},
            {"role": "visitor", "text": "I'd rather not say, we just need a quote before Friday."},
        ],
    )

    assert len(visitor_sentences(transcript)) == 1
