"""Discovery follow-ups: the one question a seasoned sales person would still ask before letting
the visitor go, chosen from what an engine concluded so far.

A pure function of a Qualification and its Transcript;
`leads.services.conversations.conversation_turn` asks the question once the form's own steps
are done, and stores the answer under the step key `followup:<topic>`.
"""

from collections.abc import Collection
from dataclasses import dataclass

from leads.qualification.base import Qualification, Transcript
from leads.qualification.text import TOPIC_PATTERNS, fold, visitor_sentences

PROBLEM = "problem"
IMPACT = "impact"
URGENCY = "urgency"
AUTHORITY = "authority"
BUDGET = "budget"
# In the order they are asked: why they came before what it is worth, then whether now, with
# what money and who decides (the seed's "vraie qualification" dialogue, then BANT; the money
# before who decides, as for the seed's Lead B, whose budget is approved but said only when
# asked).
TOPICS = (PROBLEM, IMPACT, URGENCY, BUDGET, AUTHORITY)

# Each question past the form's own costs the visitor time and some of them leave: three is what
# the seed's sales person needs (problem, impact, urgency) and keeps a conversation under three
# minutes, the goal of issue 5.
MAX_FOLLOWUPS = 3

STEP_KEY_PREFIX = "followup:"

# Two phrasings each; a conversation always gets the same one (see followup_choose's `seed`).
# The wording matters to the engine, which reads an answer in the light of its question
# (leads/qualification/text.py, TOPIC_PATTERNS): the budget question must not say "projet" or
# "project", or a bare "non" would read as "no project" and disqualify the visitor as curious.
QUESTIONS = {
    PROBLEM: {
        "fr": (
            "Qu'est-ce qui ne va pas exactement ?",
            "Concrètement, qu'est-ce qui coince aujourd'hui ?",
        ),
        "en": ("What exactly is wrong today?", "Concretely, what is not working today?"),
    },
    IMPACT: {
        "fr": (
            "Si c'était résolu, ça changerait quoi ?",
            "Et une fois réglé, qu'est-ce que ça vous apporterait ?",
        ),
        "en": (
            "If it were solved, what would change?",
            "And once it is fixed, what difference would it make for you?",
        ),
    },
    URGENCY: {
        "fr": (
            "C'est urgent ou vous avez le temps ?",
            "Vous avez une échéance en tête, ou rien ne presse ?",
        ),
        "en": ("Is it urgent, or do you have time?", "Is there a deadline, or is there no rush?"),
    },
    AUTHORITY: {
        "fr": ("Qui d'autre participe à la décision ?", "Qui prend la décision, au final ?"),
        "en": ("Who else takes part in the decision?", "Who makes the final call on this?"),
    },
    BUDGET: {
        "fr": (
            "Un budget est-il déjà prévu pour cela ?",
            "Avez-vous déjà une enveloppe budgétaire en tête ?",
        ),
        "en": ("Is there a budget set aside for this?", "Do you already have a budget in mind?"),
    },
}

# The form's own questions the engine recognises (TOPIC_PATTERNS), by follow-up topic: a form
# that already asked when or how much is not asked again, whatever the visitor answered.
_FORM_TOPICS = {URGENCY: "timing", AUTHORITY: "authority", BUDGET: "budget"}


@dataclass(frozen=True)
class Followup:
    topic: str
    question: str

    @property
    def step_key(self) -> str:
        return followup_step_key(self.topic)


def followup_step_key(topic: str) -> str:
    return f"{STEP_KEY_PREFIX}{topic}"


def followup_topic(step_key: str) -> str | None:
    """The topic of a follow-up's step key, or None for one of the form's own steps."""
    if step_key.startswith(STEP_KEY_PREFIX):
        return step_key.removeprefix(STEP_KEY_PREFIX)
    return None


def _problem_unclear(q: Qualification) -> bool:
    # A one-line headline ("our qualification takes too long") names the area, not what goes
    # wrong: a second sentence about it, or a figure, does.
    evidence = q.need.evidence
    if q.need.value != "identified":
        return True
    return len(evidence) < 2 and not any(c.isdigit() for line in evidence for c in line)


_GAPS = {
    PROBLEM: _problem_unclear,
    # The brief's "stakes" line: what solving it would change, or what not solving it costs.
    IMPACT: lambda q: "stakes" not in q.brief,
    URGENCY: lambda q: q.timing.value == "unknown",
    AUTHORITY: lambda q: q.authority.value == "unknown",
    BUDGET: lambda q: q.budget.value == "unknown",
}


# What an SQL still lacks, in the order it is asked for when the slots left are only enough for
# it: the need, then whether now, then the money or who decides (either one makes an urgent
# need an SQL; budget first, as the seed's Lead B, whose budget is approved but said only when
# asked).
_STATUS_ORDER = (PROBLEM, URGENCY, BUDGET, AUTHORITY)


def _status_gaps(q: Qualification) -> list[tuple[str, ...]]:
    """The pieces an answer could still turn into an SQL, each a group of topics any one of
    which would do."""
    gaps: list[tuple[str, ...]] = []
    if q.need.value != "identified":
        gaps.append((PROBLEM,))
    if q.timing.value == "unknown":
        gaps.append((URGENCY,))
    if (
        q.timing.value in ("now", "quarter", "unknown")
        and q.budget.value != "confirmed"
        and q.authority.value != "decision_maker"
    ):
        buying = tuple(topic for topic in (BUDGET, AUTHORITY) if _GAPS[topic](q))
        if buying:
            gaps.append(buying)
    return gaps


# Quoting the visitor's words in a question shows they were heard; a quote is short, and holds
# no word that would make the answer read as the answer to another topic's question (text.py).
MAX_QUOTE = 60


def _quotable(line: str) -> bool:
    folded = fold(line)
    return len(line) <= MAX_QUOTE and not any(p.search(folded) for p in TOPIC_PATTERNS.values())


ACKNOWLEDGED = {
    "fr": "« {quote} » : si c'était résolu, ça changerait quoi ?",
    "en": "“{quote}”: if it were solved, what would change?",
}


def _question(topic: str, q: Qualification, lang: str, seed: int) -> str:
    phrasings = QUESTIONS[topic].get(lang, QUESTIONS[topic]["en"])
    if topic == IMPACT and seed % 2 and lang in ACKNOWLEDGED:
        quotes = [line.rstrip(" .!") for line in q.need.evidence if _quotable(line)]
        if quotes:
            return ACKNOWLEDGED[lang].format(quote=quotes[0])
    return phrasings[seed % len(phrasings)]


def followup_settled(q: Qualification) -> bool:
    """Nothing left worth asking: the visitor is not a prospect, or a sales person has enough
    to call (an SQL, or the need and the timing known with the budget or who decides, and no
    answer left that could make it an SQL: an urgent need is still asked about the money)."""
    if q.disqualified or q.status == "sql":
        return True
    return (
        q.need.value == "identified"
        and q.timing.value != "unknown"
        and (q.budget.value != "unknown" or q.authority.value != "unknown")
        and not _status_gaps(q)
    )


def followup_choose(
    q: Qualification, *, transcript: Transcript, asked: Collection[str], seed: int = 0
) -> Followup | None:
    """The next discovery question, or None when the conversation should end.

    `q` is what the engine concluded from `transcript`; `asked` the follow-up topics already
    asked in this conversation; `seed` picks the phrasing (the conversation's id: the same
    conversation always reads the same words, two visitors not necessarily).
    """
    if len(asked) >= MAX_FOLLOWUPS or followup_settled(q):
        return None
    covered = set(asked)
    for sentence in visitor_sentences(transcript):
        covered |= {topic for topic, name in _FORM_TOPICS.items() if sentence.answers(name)}
    open_gaps = [topic for topic in TOPICS if topic not in covered and _GAPS[topic](q)]
    # When the questions left are only enough for what would make the lead an SQL, those come
    # first: an urgent need with unknown budget and authority is asked about the money before
    # a question about impact.
    needed = [g for g in _status_gaps(q) if any(topic in open_gaps for topic in g)]
    if MAX_FOLLOWUPS - len(asked) <= len(needed):
        wanted = {topic for group in needed for topic in group}
        open_gaps = [topic for topic in _STATUS_ORDER if topic in wanted and topic in open_gaps]
    if not open_gaps:
        return None
    topic = open_gaps[0]
    return Followup(topic=topic, question=_question(topic, q, transcript.lang, seed))
