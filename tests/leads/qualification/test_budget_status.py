"""Budget confirmed / none / unknown, negations and vague answers included."""

import pytest

from leads.qualification.budget import budget_from_sentence
from leads.qualification.text import fold


def status(sentence: str, answers: bool = True) -> str | None:
    reading = budget_from_sentence(
        fold(sentence), answers_budget_question=answers, default_currency="EUR"
    )
    return reading.status if reading else None


@pytest.mark.parametrize(
    "sentence",
    [
        "Oui, budget validé par la direction : 6 000 euros par an",
        "40k€ validés en codir pour l'intégration",
        "Board approved £18k one-off",
        "we can spend $3k/month on this",
        "Budget is confirmed, approx 35,000 USD for the project",
        "oui",
    ],
)
def test_an_approved_or_stated_budget_is_confirmed(sentence):
    assert status(sentence) == "confirmed"


@pytest.mark.parametrize(
    "sentence",
    [
        "pas de budget",
        "mais pas encore de budget, il faut que je voie avec notre expert-comptable",
        "pas cette année, tout est gelé",
        "Aucune enveloppe pour le moment.",
        "no budget",
        "honestly no budget set aside, we're bootstrapped",
        "we don't have budget until next year unfortunately",
        "Nothing allocated yet.",
    ],
)
def test_no_budget_said_outright_is_none(sentence):
    assert status(sentence) == "none"


@pytest.mark.parametrize(
    "sentence",
    [
        "je pensais à 5-8k€ mais rien n'est validé",
        "pas vraiment, ça dépendra des devis",
        "aucune idée, c'est eux qui voient ça",
        "no idea about budget sorry",
        "Budget will be defined after the RFI",
        "haven't thought about it yet, what does it usually cost?",
        "Not approved yet, she wants to see options first.",
    ],
)
def test_vague_or_pending_budgets_stay_unknown(sentence):
    assert status(sentence) == "unknown"


def test_an_amount_outside_the_budget_topic_is_part_of_the_problem():
    assert status("on a failli faire un virement de 12 000 €", answers=False) is None
