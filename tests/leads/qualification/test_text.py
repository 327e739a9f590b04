import pytest

from leads.qualification.text import fold


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
