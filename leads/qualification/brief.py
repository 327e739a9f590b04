"""The brief a sales person reads before calling: problem, impact, stakes, timeline, each one of
the visitor's own sentences, so it is in their language and never invents anything."""

import re

from leads.qualification.text import Sentence

MAX_LINE = 180

# What would change if it were solved, or what happens if it is not.
_STAKES = re.compile(
    r"\bpourr(?:ait|ions|a|ons)|permettr|\bdoubler|\btripler|\bsinon\b|\bsans recruter|"
    r"\bafin de|\bpour (?:pouvoir|renouveler|lancer|tenir|garder)|\bexige|\bobligatoire|\brisque|"
    r"\benjeu|\bobjectif|\bgagner|\beviter|\bcould\b|\bwould (?:let|allow|help|mean|save)|"
    r"\botherwise|\bso (?:that|we can)|\brequires?\b|\bbefore (?:they'?ll|we can|our)|\bwants? "
    r"(?:a|proper|an)\b|\brisk|\bat stake|\bgoal|\bsuccess|\bsave\b|\bgrow|\bdouble|\bcan'?t "
    r"afford to|\bmust\b|\bdeadline"
)
_FIGURE = re.compile(r"\d|\bx\d")
# Transcripts hold the answers to the form's other steps too: a bare "30", a phone number, a
# plan named "Growth". An impact or stakes line is a statement of at least this many words.
MIN_STATEMENT_WORDS = 3
_WORD = re.compile(r"[a-z]{2,}")


def _statement(sentence: Sentence) -> bool:
    return len(_WORD.findall(sentence.folded)) >= MIN_STATEMENT_WORDS


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_LINE:
        return text
    cut = text[: MAX_LINE - 1].rsplit(" ", 1)[0]
    return f"{cut}…"


def brief_build(
    sentences: list[Sentence],
    *,
    need: list[Sentence],
    timing: list[Sentence],
    used_elsewhere: list[Sentence],
) -> dict:
    """Two to four lines, keyed problem / impact / stakes / timeline, skipping what was not said."""
    taken: set[int] = set()
    brief: dict[str, str] = {}

    def take(key: str, candidates: list[Sentence]) -> None:
        for sentence in candidates:
            if sentence.position not in taken:
                taken.add(sentence.position)
                brief[key] = _short(sentence.text)
                return

    statements = [s for s in sentences if not s.text.rstrip().endswith("?")]
    take("problem", need or [s for s in statements if len(s.folded.split()) >= 4])
    elsewhere = {s.position for s in used_elsewhere + timing}
    # Impact: figures about the problem (volumes, losses), not the budget or the date.
    take(
        "impact",
        [
            s
            for s in statements
            if _FIGURE.search(s.folded) and _statement(s) and s.position not in elsewhere
        ],
    )
    take(
        "stakes",
        [
            s
            for s in statements
            if _STAKES.search(s.folded) and _statement(s) and s.position not in elsewhere
        ],
    )
    take("timeline", timing)
    if len(brief) < 2:
        take("impact", [s for s in need if s.position not in elsewhere])
    return {key: brief[key] for key in ("problem", "impact", "stakes", "timeline") if key in brief}
