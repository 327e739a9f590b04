"""Who is not a prospect: spam, student, job seeker, vendor, curious (FORMAT.md)."""

import pytest

from leads.qualification.base import Transcript
from leads.qualification.offline import OfflineEngine

OFFER_FR = "Logiciel de paie et RH pour PME, 8 €/salarié/mois"
OFFER_EN = "HR software for growing companies: onboarding, time off, documents"


def reason(lang: str, *visitor: str, title: str = "", question: str = "Bonjour ?") -> str | None:
    messages = []
    for text in visitor:
        messages += [{"role": "assistant", "text": question}, {"role": "visitor", "text": text}]
    transcript = Transcript(
        lang=lang,
        offer=OFFER_FR if lang == "fr" else OFFER_EN,
        messages=messages,
        contact={"job_title": title} if title else {},
    )
    return OfflineEngine().qualify(transcript).disqualified


@pytest.mark.parametrize(
    ("lang", "visitor", "expected"),
    [
        ("fr", ["fghjfghj qsdqsd", "aaaaaaaaaaaaa"], "spam"),
        ("fr", ["GAGNEZ 5000€ PAR SEMAINE !!! cliquez ici ➡ bit.ly/gain"], "spam"),
        ("en", ["Best online casino free spins >>> w1n-casino.top <<<"], "spam"),
        ("en", ["We provide high DA backlinks, 1st page Google guaranteed. Reply YES"], "spam"),
        ("fr", ["je recherche un stage de fin d'études de 6 mois"], "student"),
        ("en", ["I'm a university student working on a group project, it's for class"], "student"),
        ("fr", ["est ce que vous recrutez ? je cherche un poste en CDI"], "job_seeker"),
        ("en", ["I was laid off last month. Any openings? Can I send my resume?"], "job_seeker"),
        (
            "fr",
            [
                "nous avons un projet de partenariat avec votre société, sous-traitez vos "
                "projets chez nous"
            ],
            "vendor",
        ),
        (
            "en",
            ["we'd like to become your outsourcing partner. Could I send our rate card?"],
            "vendor",
        ),
        ("fr", ["je regarde par curiosité, aucun projet"], "curious"),
        ("en", ["just browsing, no plans to buy anything"], "curious"),
    ],
)
def test_each_reason_is_recognised_in_both_languages(lang, visitor, expected):
    assert reason(lang, *visitor) == expected


@pytest.mark.parametrize(
    ("lang", "visitor", "title"),
    [
        (
            "fr",
            [
                "je suis stagiaire, ma responsable m'a demandé de comparer les outils de paie, "
                "on ressaisit tout à la main"
            ],
            "Stagiaire RH",
        ),
        pytest.param(
            "fr",
            ["je suis en alternance, mon manager m'a demandé de regarder vos tarifs"],
            "Alternant",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known miss of the learned reading (engine 2): 'en alternance' reads as "
                "a student even when buying for the manager; the corpus has too few apprentices "
                "who buy",
            ),
        ),
        ("en", ["we're hiring 15 people this quarter and onboarding is chaos"], "Head of People"),
        (
            "fr",
            ["Je fais un benchmark, le projet est dans la feuille de route dans 18 mois"],
            "PDG",
        ),
        ("en", ["our website is slow and we need a partner to run payroll"], "Founder"),
    ],
)
def test_prospects_who_sound_like_a_reason_are_not_disqualified(lang, visitor, title):
    assert reason(lang, *visitor, title=title) is None
