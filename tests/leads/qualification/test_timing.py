"""Dates and durations, relative to the conversation's day, into now / quarter / year / later."""

from datetime import date

import pytest

from leads.qualification.text import fold
from leads.qualification.timing import bucket_for_days, find_timing, today_from_words

TODAY = date(2026, 11, 24)


def latest_bucket(text: str, today: date = TODAY) -> str | None:
    found = find_timing(fold(text), today)
    return max(found, key=lambda w: w.rank).bucket if found else None


@pytest.mark.parametrize(
    ("text", "bucket"),
    [
        ("on a besoin de qqn rapidement", "now"),
        ("le plus vite possible, l'assureur nous laisse 15 jours", "now"),
        ("je voudrais signer dans les 3 semaines", "now"),
        ("3-4 semaines max", "now"),
        ("idéalement on démarre le mois prochain", "now"),
        ("d'ici la fin du trimestre idéalement", "quarter"),
        ("l'audit doit être réalisé d'ici deux mois", "quarter"),
        ("on veut lancer le projet ce trimestre, démarrage des ateliers asap", "quarter"),
        ("d'ici la fin de l'année je crois", "year"),
        ("je pense dans 6 mois, après la clôture", "year"),
        ("plutôt l'année prochaine, vers le printemps", "year"),
        ("Dans 18 mois.", "later"),
        ("à horizon trois ans", "later"),
        ("pas avant un an et demi", "later"),
    ],
)
def test_french_time_expressions_fall_in_their_bucket(text, bucket):
    assert latest_bucket(text) == bucket


@pytest.mark.parametrize(
    ("text", "bucket"),
    [
        ("we need a replacement asap", "now"),
        ("this month if possible", "now"),
        ("within the next 2-3 weeks really", "now"),
        ("I want to fix this in the next couple of weeks", "now"),
        ("before the end of the quarter", "quarter"),
        ("next 6-8 weeks", "quarter"),
        ("our next board meeting, which is in 6 weeks", "quarter"),
        ("in about 7 months", "year"),
        ("next spring", "year"),
        ("sometime next year is fine", "year"),
        ("realistically we decide on this in two years", "later"),
        ("it's on our roadmap for two years from now", "later"),
    ],
)
def test_english_time_expressions_fall_in_their_bucket(text, bucket):
    assert latest_bucket(text) == bucket


@pytest.mark.parametrize(
    ("text", "today", "bucket"),
    [
        ("en septembre", date(2026, 6, 28), "quarter"),
        ("en septembre", date(2026, 11, 24), "year"),
        ("avant l'été", date(2026, 4, 15), "quarter"),
        ("avant l'été", date(2026, 11, 24), "year"),
        ("by Christmas", date(2026, 11, 24), "now"),
        ("next spring", date(2027, 1, 10), "quarter"),
    ],
)
def test_months_and_seasons_count_from_the_conversation_day(text, today, bucket):
    assert latest_bucket(text, today) == bucket


@pytest.mark.parametrize(
    "text",
    [
        "il y a 3 semaines",
        "on a pris HubSpot il y a 6 mois",
        "on a perdu 2 gros devis le mois dernier",
        "Line 2 was down for 2 days last month",
        "not sure yet tbh. depends on how Q4 goes",
        "ce n'est pas urgent",
        "no rush though",
    ],
)
def test_past_events_conditions_and_denied_urgency_give_no_timing(text):
    assert latest_bucket(text) is None


def test_the_visitor_can_tell_the_date_when_the_transcript_has_none():
    assert today_from_words(fold("on est fin juin donc il faut choisir"), 2026) == date(2026, 6, 28)
    assert today_from_words(fold("we're in March already"), 2026) == date(2026, 3, 15)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "now"),
        (30, "now"),
        (60, "quarter"),
        (90, "quarter"),
        (180, "year"),
        (365, "year"),
        (540, "later"),
    ],
)
def test_days_map_to_format_buckets(days, bucket):
    assert bucket_for_days(days) == bucket


@pytest.mark.parametrize(
    "unit",
    [
        "jour",
        "jours",
        "day",
        "days",
        "semaine",
        "semaines",
        "sem",
        "week",
        "weeks",
        "wk",
        "wks",
        "mois",
        "month",
        "months",
        "trimestre",
        "trimestres",
        "quarter",
        "quarters",
        "an",
        "ans",
        "annee",
        "annees",
        "year",
        "years",
        "yr",
        "yrs",
    ],
)
def test_every_unit_of_a_duration_is_read(unit):
    # A unit the pattern matches but the table lacks once stopped the engine (KeyError on "yrs").
    found = find_timing(f"within 2 {unit}", date(2026, 1, 15))

    assert found, unit
