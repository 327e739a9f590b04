"""Money as visitors write it, in French and English: amount, currency and period."""

import pytest

from leads.qualification.amounts import default_currency, find_amounts
from leads.qualification.text import fold


def amount_of(text: str, default: str | None = "EUR"):
    found = find_amounts(fold(text), default)
    assert found, f"no amount found in {text!r}"
    a = found[-1]
    return a.value, a.currency, a.period


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui 15k€ par an, validé", (15_000, "EUR", "year")),
        ("20 000 euros par an", (20_000, "EUR", "year")),
        ("environ 1,2 M€ par an de budget transport", (1_200_000, "EUR", "year")),
        ("1,5 M€", (1_500_000, "EUR", None)),
        ("on payait 450 euros par mois tout compris", (450, "EUR", "month")),
        ("j'ai prévu environ 200€/mois", (200, "EUR", "month")),
        ("25 000 € HT, voté au dernier CODIR", (25_000, "EUR", None)),
        ("l'enveloppe annuelle est de 5 000 euros", (5_000, "EUR", "year")),
        ("12 000 CHF par an", (12_000, "CHF", "year")),
    ],
)
def test_french_amounts_read_value_currency_and_period(text, expected):
    assert amount_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we can spend $3k/month on this", (3_000, "USD", "month")),
        ("Board approved £18k one-off", (18_000, "GBP", "once")),
        ("approx 35,000 USD for the project", (35_000, "USD", "once")),
        ("yes, $120k approved for the implementation (one-time)", (120_000, "USD", "once")),
        ("we pay about £2,400 a year now", (2_400, "GBP", "year")),
        ("directors have approved up to £150/month", (150, "GBP", "month")),
        ("we budgeted CA$300/month for it", (300, "CAD", "month")),
        ("about €30K for this programme", (30_000, "EUR", None)),
    ],
)
def test_english_amounts_read_value_currency_and_period(text, expected):
    assert amount_of(text) == expected


def test_a_suffixed_number_without_currency_takes_the_default_currency():
    assert amount_of("yeah around 50K for this year", default="USD") == (50_000, "USD", "year")


def test_a_range_keeps_its_upper_bound_as_the_ceiling():
    assert amount_of("je pensais à 5-8k€")[0] == 8_000


@pytest.mark.parametrize(
    "text",
    ["9 techniciens, 2 équipes", "about 1,200 orders a day", "en 2027", "10 min", "40 presses"],
)
def test_counts_years_and_durations_are_not_money(text):
    assert find_amounts(fold(text), "EUR") == []


@pytest.mark.parametrize(
    ("offer", "email", "lang", "expected"),
    [
        ("Cloud CMMS, from $500/month", "a@b.com", "en", "USD"),
        ("Audit SOC 2, fixed fee from £12,000", "a@b.com", "en", "GBP"),
        ("Payroll for small businesses", "a@shop.co.uk", "en", "GBP"),
        ("Logiciel de paie", "a@b.ch", "fr", "CHF"),
        ("Logiciel de paie", "a@b.fr", "fr", "EUR"),
    ],
)
def test_default_currency_comes_from_the_offer_then_the_email_then_the_language(
    offer, email, lang, expected
):
    assert default_currency(offer, email, lang) == expected
