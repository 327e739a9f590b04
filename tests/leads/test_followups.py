"""Choosing the discovery follow-up: the one missing piece a sales person would ask for, in the
form's language, at most three, never twice, and nothing once the lead is settled."""

from datetime import date

import pytest

from leads.models import Conversation, Message
from leads.qualification.base import Budget, Finding, Qualification, Transcript
from leads.qualification.followups import (
    MAX_FOLLOWUPS,
    QUESTIONS,
    TOPICS,
    followup_choose,
    followup_step_key,
    followup_topic,
)
from leads.qualification.offline import OfflineEngine

PROBLEM_LINES = ["Our reps waste hours on bad leads.", "They call 50 leads to close 2."]


def conclusion(**boxes) -> Qualification:
    """What an engine concluded: the problem told in two sentences and its stakes, nothing else
    known, unless `boxes` says otherwise."""
    q = Qualification(
        engine="test",
        engine_version="1",
        need=Finding("identified", 0.8, PROBLEM_LINES),
        brief={"problem": PROBLEM_LINES[0], "stakes": "We could double sales."},
    )
    for name, value in boxes.items():
        setattr(q, name, value)
    return q


def opening(lang: str = "en", *turns: str) -> Transcript:
    first = {"en": "What brings you here today?", "fr": "Qu'est-ce qui vous amène ?"}[lang]
    texts = [first, "Our reps waste hours on bad leads.", *turns]
    messages = [
        {"role": "assistant" if i % 2 == 0 else "visitor", "text": text}
        for i, text in enumerate(texts)
    ]
    return Transcript(lang=lang, offer="", messages=messages, today=date(2026, 11, 24))


# For each topic, a conclusion where it is the first piece missing, and what was asked before.
FIRST_GAP = {
    "problem": (conclusion(need=Finding("identified", 0.65, PROBLEM_LINES[:1])), []),
    "impact": (conclusion(brief={"problem": PROBLEM_LINES[0]}), []),
    "urgency": (conclusion(), []),
    "budget": (conclusion(timing=Finding("year", 0.8)), []),
    "authority": (conclusion(timing=Finding("year", 0.8)), ["budget"]),
}

SAID = [
    ("problem", "fr", "Qu'est-ce qui ne va pas exactement ?"),
    ("problem", "en", "What exactly is wrong today?"),
    ("impact", "fr", "Si c'était résolu, ça changerait quoi ?"),
    ("impact", "en", "If it were solved, what would change?"),
    ("urgency", "fr", "C'est urgent ou vous avez le temps ?"),
    ("urgency", "en", "Is it urgent, or do you have time?"),
    ("authority", "fr", "Qui d'autre participe à la décision ?"),
    ("authority", "en", "Who else takes part in the decision?"),
    ("budget", "fr", "Un budget est-il déjà prévu pour cela ?"),
    ("budget", "en", "Is there a budget set aside for this?"),
]


@pytest.mark.parametrize(("topic", "lang", "question"), SAID)
def test_each_missing_piece_gets_its_question_in_the_forms_language(topic, lang, question):
    q, asked = FIRST_GAP[topic]

    followup = followup_choose(q, transcript=opening(lang), asked=asked, seed=0)

    assert (followup.topic, followup.question) == (topic, question)
    assert followup.step_key == f"followup:{topic}"


def test_the_need_itself_unknown_is_asked_first():
    q = conclusion(need=Finding(), brief={})
    assert followup_choose(q, transcript=opening(), asked=[]).topic == "problem"


def test_a_problem_given_with_a_figure_is_clear_enough():
    q = conclusion(need=Finding("identified", 0.65, ["We lose 3 deals a month to slow replies."]))
    assert followup_choose(q, transcript=opening(), asked=[]).topic == "urgency"


def test_the_seed_picks_one_of_two_phrasings_always_the_same_for_one_seed():
    q = conclusion()
    phrasings = [
        followup_choose(q, transcript=opening("fr"), asked=[], seed=seed).question
        for seed in (0, 1, 2, 3)
    ]
    assert phrasings == [*QUESTIONS["urgency"]["fr"], *QUESTIONS["urgency"]["fr"]]


def test_a_language_without_questions_falls_back_to_english():
    transcript = opening()
    transcript.lang = "de"
    followup = followup_choose(conclusion(), transcript=transcript, asked=[])
    assert followup.question == "Is it urgent, or do you have time?"


@pytest.mark.parametrize("reason", ["spam", "student", "job_seeker", "vendor", "curious"])
def test_nothing_is_asked_once_the_visitor_is_disqualified(reason):
    q = conclusion(disqualified=reason, status="disqualified", need=Finding("none", 0.8))
    assert followup_choose(q, transcript=opening(), asked=[]) is None


def test_nothing_is_asked_of_an_sql():
    q = conclusion(timing=Finding("quarter", 0.8), budget=Budget("confirmed", 0.9), status="sql")
    assert followup_choose(q, transcript=opening(), asked=[]) is None


@pytest.mark.parametrize(
    "known",
    [{"budget": Budget("none", 0.8)}, {"authority": Finding("influencer", 0.85)}],
)
def test_nothing_is_asked_once_need_timing_and_budget_or_authority_are_known(known):
    # An MQL, but a sales person knows enough to call: later, not the decision maker...
    q = conclusion(timing=Finding("later", 0.8), **known)
    assert followup_choose(q, transcript=opening(), asked=[]) is None


def test_at_most_three_followups():
    q = conclusion(need=Finding(), brief={})
    asked = ["problem", "impact", "urgency"]
    assert len(asked) == MAX_FOLLOWUPS
    assert followup_choose(q, transcript=opening(), asked=asked) is None


def test_a_topic_is_never_asked_twice():
    q = conclusion(need=Finding(), brief={})  # still unclear after asking
    chosen = []
    for _ in range(MAX_FOLLOWUPS):
        chosen.append(followup_choose(q, transcript=opening(), asked=chosen).topic)
    assert len(set(chosen)) == MAX_FOLLOWUPS


def test_with_nothing_known_the_questions_go_to_what_would_make_an_sql():
    # Need, timing, and the money or who decides: three unknowns for three questions, so the
    # impact question, which cannot change the status, waits.
    q = conclusion(need=Finding(), brief={})
    chosen = []
    for _ in range(MAX_FOLLOWUPS):
        chosen.append(followup_choose(q, transcript=opening(), asked=chosen).topic)
    assert chosen == ["problem", "urgency", "budget"]


def test_an_urgent_need_is_asked_about_the_money_before_a_third_question_about_impact():
    # The seed's Lead B: urgent, the problem clear, budget approved but said only when asked.
    q = conclusion(timing=Finding("now", 0.8), brief={"problem": PROBLEM_LINES[0]})

    first = followup_choose(q, transcript=opening(), asked=[])
    second = followup_choose(q, transcript=opening(), asked=[first.topic])

    assert [first.topic, second.topic] == ["impact", "budget"]


def test_an_urgent_need_with_an_influencer_is_still_asked_about_the_money():
    q = conclusion(timing=Finding("quarter", 0.8), authority=Finding("influencer", 0.8))

    assert followup_choose(q, transcript=opening(), asked=["urgency"]).topic == "budget"


def test_the_impact_question_may_quote_the_visitors_problem():
    q = conclusion(brief={"problem": PROBLEM_LINES[0]})

    quoted = followup_choose(q, transcript=opening(), asked=[], seed=1)

    assert quoted.topic == "impact"
    assert (
        quoted.question
        == "“Our reps waste hours on bad leads”: if it were solved, what would change?"
    )


def test_what_the_form_already_asked_is_not_asked_again():
    transcript = opening("en", "When would you like to start?", "No idea yet")
    followup = followup_choose(conclusion(), transcript=transcript, asked=[])
    assert followup.topic == "budget"  # not urgency, which the form asked


def test_step_keys_name_their_topic_and_fit_the_conversation():
    widest = max((followup_step_key(topic) for topic in TOPICS), key=len)
    assert len(widest) <= Conversation._meta.get_field("current_step_key").max_length
    assert len(widest) <= Message._meta.get_field("step_key").max_length
    assert [followup_topic(followup_step_key(topic)) for topic in TOPICS] == list(TOPICS)
    assert followup_topic("3243b6fa4302") is None


# --- With the offline engine reading the answers ----------------------------------------------


def ask_next(transcript: Transcript, asked: list[str]):
    return followup_choose(
        OfflineEngine().qualify(transcript), transcript=transcript, asked=asked, seed=0
    )


def test_the_seeds_dialogue_asks_problem_impact_then_urgency_and_stops_qualified():
    transcript = opening("fr")
    transcript.messages[1]["text"] = "Notre process de qualification prend trop de temps"
    transcript.contact = {"job_title": "Dirigeante", "company_size": 30}
    answers = [
        "Mes commerciaux appellent 50 leads pour closer 2",
        "On pourrait doubler les ventes sans recruter",
        "On doit décider avant la fin du trimestre",
    ]
    asked = []
    for answer in answers:
        followup = ask_next(transcript, asked)
        transcript.messages += [
            {"role": "assistant", "text": followup.question},
            {"role": "visitor", "text": answer},
        ]
        asked.append(followup.topic)

    assert asked == ["problem", "impact", "urgency"]
    assert OfflineEngine().qualify(transcript).status == "sql"
    assert ask_next(transcript, []) is None  # settled, whatever the count


@pytest.mark.parametrize("question", QUESTIONS["budget"]["fr"] + QUESTIONS["budget"]["en"])
@pytest.mark.parametrize("answer", ["Non", "No"])
def test_a_bare_no_to_the_budget_question_keeps_a_prospect(question, answer):
    # Said to "a budget for this project?", "non" would read as "no project": curious.
    transcript = opening("fr", question, answer)
    assert OfflineEngine().qualify(transcript).disqualified is None


@pytest.mark.parametrize("answer", ["Personne, c'est moi", "Personne d'autre", "Nobody else"])
def test_nobody_else_in_the_decision_makes_the_visitor_the_decision_maker(answer):
    transcript = opening("fr", QUESTIONS["authority"]["fr"][0], answer)
    assert OfflineEngine().qualify(transcript).authority.value == "decision_maker"


@pytest.mark.parametrize(
    ("lang", "answer"),
    [
        ("fr", "Les commerciaux rappellent des gens qui voulaient juste une brochure"),
        ("en", "Reps call people who only wanted a brochure"),
    ],
)
def test_the_answer_to_what_is_wrong_states_the_need(lang, answer):
    for question in QUESTIONS["problem"][lang]:
        transcript = opening(lang, question, answer)
        assert answer in OfflineEngine().qualify(transcript).need.evidence


def test_a_student_is_asked_nothing():
    transcript = opening(
        "fr", "Quel est votre poste ?", "Étudiante en master, c'est pour mon mémoire"
    )
    assert ask_next(transcript, []) is None
