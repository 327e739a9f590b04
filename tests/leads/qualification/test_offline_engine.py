"""The offline engine end to end: the seed's two leads, evidence in the visitor's words, a brief
in the conversation's language, and the engine's registration."""

from datetime import date

from leads.qualification.base import Qualification, Transcript
from leads.qualification.engines import engine_get
from leads.qualification.offline import OfflineEngine

OFFER = (
    "Formulaire conversationnel IA qui qualifie les leads entrants avant de les transmettre aux "
    "commerciaux, à partir de 99 €/mois"
)


def chat(*turns: str) -> list[dict]:
    return [
        {"role": "assistant" if i % 2 == 0 else "visitor", "text": text}
        for i, text in enumerate(turns)
    ]


def lead_a() -> Transcript:
    """Score 85/100: CEO of a 200-person company, benchmarking for a project in 18 months."""
    return Transcript(
        lang="fr",
        offer=OFFER,
        contact={"job_title": "CEO", "company": "Grand Groupe", "company_size": 200},
        today=date(2026, 11, 24),
        messages=chat(
            "Bonjour ! Qu'est-ce qui vous amène ?",
            "Je fais un benchmark des solutions de qualification de leads.",
            "Qu'est-ce qui motive cette recherche ?",
            "Nos commerciaux passent trop de temps sur des demandes qui n'aboutissent pas.",
            "Quand envisagez-vous de mettre en place une solution ?",
            "Dans 18 mois. Le projet est dans la feuille de route mais rien n'est lancé.",
        ),
    )


def lead_b() -> Transcript:
    """Score 45/100: manager in a 30-person company, urgent need, budget validated."""
    return Transcript(
        lang="fr",
        offer=OFFER,
        contact={"job_title": "Manager", "company": "PME Services", "company_size": 30},
        today=date(2026, 11, 24),
        messages=chat(
            "Bonjour ! Qu'est-ce qui vous amène ?",
            "Notre process de qualification prend trop de temps",
            "Qu'est-ce qui ne va pas exactement ?",
            "Mes commerciaux appellent 50 leads pour closer 2",
            "Si c'était résolu, ça changerait quoi ?",
            "On pourrait doubler les ventes sans recruter",
            "Avez-vous un budget ?",
            "Oui, le budget est validé : 6 000 euros par an.",
            "C'est urgent ou vous avez le temps ?",
            "On doit décider avant la fin du trimestre",
        ),
    )


def test_lead_a_benchmarking_for_a_project_in_18_months_is_an_mql_with_timing_later():
    q = OfflineEngine().qualify(lead_a())

    assert q.disqualified is None
    assert q.authority.value == "decision_maker"
    assert q.need.value == "identified"
    assert q.timing.value == "later"
    assert q.status == "mql"


def test_lead_b_with_an_urgent_need_and_a_validated_budget_is_an_sql():
    q = OfflineEngine().qualify(lead_b())

    assert q.budget.value == "confirmed"
    assert (q.budget.amount, q.budget.currency, q.budget.period) == (6000, "EUR", "year")
    assert q.need.value == "identified"
    assert q.timing.value == "quarter"
    assert q.status == "sql"


def test_evidence_quotes_the_visitors_own_sentences():
    transcript = lead_b()
    q = OfflineEngine().qualify(transcript)
    said = " ".join(transcript.visitor_lines)

    for finding in (q.budget, q.need, q.timing):
        assert finding.evidence
        assert all(quote in said for quote in finding.evidence)
    assert q.timing.evidence == ["On doit décider avant la fin du trimestre"]


def test_the_brief_gives_problem_impact_stakes_and_timeline_in_the_visitors_words():
    q = OfflineEngine().qualify(lead_b())

    assert q.brief == {
        "problem": "Notre process de qualification prend trop de temps",
        "impact": "Mes commerciaux appellent 50 leads pour closer 2",
        "stakes": "On pourrait doubler les ventes sans recruter",
        "timeline": "On doit décider avant la fin du trimestre",
    }


def test_an_english_brief_stays_in_english_with_two_to_four_lines():
    transcript = Transcript(
        lang="en",
        offer="HR software for growing companies: onboarding, time off, documents",
        messages=chat(
            "Hi! What brings you here?",
            "we need hr software for ~60 ppl, onboarding is chaos right now",
            "What's your timeline?",
            "this quarter hopefully, we're hiring 15 ppl in the next 3 months",
        ),
    )
    brief = OfflineEngine().qualify(transcript).brief

    assert 2 <= len(brief) <= 4
    assert brief["problem"] == "we need hr software for ~60 ppl, onboarding is chaos right now"


def test_negations_turn_urgency_budget_and_authority_around():
    transcript = Transcript(
        lang="en",
        offer="HR software for growing companies: onboarding, time off, documents",
        contact={"job_title": "Office Manager"},
        messages=chat(
            "Hi! What brings you here?",
            "time off requests are tracked on paper and we keep making mistakes",
            "Is it urgent?",
            "not urgent at all",
            "Budget?",
            "no budget for now",
            "Are you the decision maker?",
            "I'm not the decision maker",
        ),
    )
    q = OfflineEngine().qualify(transcript)

    assert q.timing.value == "unknown"
    assert q.budget.value == "none"
    # Not the decision maker; whether they still have a say, the sentence does not tell (the
    # corpus's labellers read it as no say, the rules as a say).
    assert q.authority.value in ("influencer", "no_authority")
    assert q.status == "mql"


def test_a_disqualified_conversation_gives_its_reason_in_the_conversations_language():
    transcript = Transcript(
        lang="fr",
        offer=OFFER,
        messages=chat("Bonjour !", "je cherche un stage de fin d'études en marketing"),
    )
    q = OfflineEngine().qualify(transcript)

    assert q.disqualified == "student"
    assert q.status == "disqualified"
    assert q.disqualification_reason.startswith("Étudiant")


def test_the_engine_is_registered_as_offline_with_a_version():
    engine = engine_get("offline")
    q = engine.qualify(lead_a())

    assert isinstance(q, Qualification)
    assert (engine.name, engine.version) == ("offline", "2")
    assert (q.engine, q.engine_version) == ("offline", "2")


def test_answers_to_the_forms_other_steps_are_not_the_briefs_impact_or_stakes():
    # A conversation's transcript holds the answers to its contact and choice steps too: a head
    # count and a phone number have figures, a plan named "Growth" sounds like stakes.
    transcript = lead_b()
    transcript.messages[2:2] = chat("Combien de personnes y travaillent ?", "30")
    transcript.messages[4:4] = chat("Votre téléphone ?", "06 12 34 56 78")
    transcript.messages[6:6] = chat("Quelle offre vous intéresse ?", "Growth")

    brief = OfflineEngine().qualify(transcript).brief

    assert brief["impact"] == "Mes commerciaux appellent 50 leads pour closer 2"
    assert brief["stakes"] == "On pourrait doubler les ventes sans recruter"
