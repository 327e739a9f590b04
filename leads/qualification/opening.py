"""The suggested first sentence of the call, in the form's language: the visitor's own words
about their problem, quoted, then how soon they want it solved, and a question that lets them
say where it stands. Nothing in it is made up: the quote is a sentence the engine found in the
transcript as evidence, and the timing is the lead's timing box.

  EN: Hi Marie, you mentioned that “our reps lose two hours a day on data entry” and you'd like
      it solved this quarter: is that still the priority?
  FR: Bonjour Marie, vous avez mentionné que « notre process prend trop de temps » et vous
      souhaitez le régler ce trimestre : est-ce toujours la priorité ?

A pure function of plain values (no database), tested on the seed's leads."""

import re

QUOTE_MAX = 140
NAME_MAX = 40
NBSP = "\u00a0"  # French puts one before « : ? » and inside the guillemets

# A quote starting with one of these reads as the middle of our sentence once lower-cased;
# any other first word (a product, a name, "I") keeps its capital.
_COMMON_OPENERS = frozenset(
    {
        *("our", "we", "my", "the", "it", "they", "there", "this", "that", "these", "a", "an"),
        *("us", "all", "most", "every", "some", "too"),
        *("notre", "nos", "nous", "mes", "mon", "ma", "on", "le", "la", "les", "il", "ils"),
        *("elle", "elles", "ce", "cette", "ces", "ça", "un", "une", "des", "je", "j'ai"),
        *("c'est", "trop", "tous", "toutes", "chaque"),
    }
)
APOSTROPHES = "'\u2019"  # typed or typographic
_FIRST_WORD = re.compile(rf"^([^\W\d_]+(?:[{APOSTROPHES}][^\W\d_]+)?)")
_NAME = re.compile(rf"^[^\W\d_][^\W\d_{APOSTROPHES}-]*(?:[-{APOSTROPHES}][^\W\d_]+)*$")

WORDS = {
    "en": {
        "hello": "Hi",
        "said": "you mentioned that “{quote}”",
        "timing": {
            "now": "and you'd like it solved within the month",
            "quarter": "and you'd like it solved this quarter",
            "year": "and you'd like it solved within the year",
            "later": "and that it is a project for later on",
        },
        "ask": ": is that still the priority?",
        "ask_later": ": where does it stand today?",
        "generic": "thanks for reaching out through our website: what would you like to solve "
        "first?",
    },
    "fr": {
        "hello": "Bonjour",
        "said": f"vous avez mentionné que «{NBSP}{{quote}}{NBSP}»",
        "timing": {
            "now": "et vous souhaitez le régler d'ici un mois",
            "quarter": "et vous souhaitez le régler ce trimestre",
            "year": "et vous souhaitez le régler dans l'année",
            "later": "et que c'est un projet pour plus tard",
        },
        "ask": f"{NBSP}: est-ce toujours la priorité{NBSP}?",
        "ask_later": f"{NBSP}: où en est-il aujourd'hui{NBSP}?",
        "generic": f"merci de nous avoir contactés via notre site{NBSP}: que souhaitez-vous "
        f"résoudre en priorité{NBSP}?",
    },
}


def _first_name(full_name: str) -> str:
    """The first word of the name when it reads as a name ("Marie" of "Marie Dupont"); an
    e-mail address or a sentence typed in the name field gives none."""
    words = full_name.split()
    if not words or len(words[0]) > NAME_MAX or not _NAME.match(words[0]):
        return ""
    return words[0]


def _quoted(sentence: str) -> str:
    text = " ".join(sentence.split()).rstrip(" .!;,…")
    if len(text) > QUOTE_MAX:
        text = text[: QUOTE_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;") + "…"
    first = _FIRST_WORD.match(text)
    opener = first.group(1).lower().replace("\u2019", "'") if first else ""
    if opener in _COMMON_OPENERS and first.group(1)[1:].islower():
        text = text[0].lower() + text[1:]
    return text


def _problem_quote(detail: dict) -> str:
    """The visitor's sentence about their problem: the brief's problem line when it is one of
    the need's evidence (the offline engine's brief quotes the visitor; another engine may
    paraphrase, and a paraphrase must not be put in the visitor's mouth), else the need's first
    evidence."""
    evidence = [quote for quote in (detail.get("need") or {}).get("evidence") or [] if quote]
    problem = (detail.get("brief") or {}).get("problem") or ""
    if problem in evidence:
        return problem
    return evidence[0] if evidence else ""


def opening_line(
    *,
    language: str,
    full_name: str = "",
    detail: dict | None = None,
    timing: str = "",
    disqualified: bool = False,
) -> str:
    """The suggested opening line, in `language` ("fr", else English). `detail` is the lead's
    qualification_detail (the engine's brief and evidence), `timing` its timing box as
    base.TIMING_BUCKETS names it (with an admin's correction). A disqualified lead gets none
    (""): it is not called. Without a sentence of the visitor to quote, a generic line that
    invents nothing."""
    if disqualified:
        return ""
    words = WORDS["fr" if language == "fr" else "en"]
    name = _first_name(full_name)
    hello = f"{words['hello']} {name}," if name else f"{words['hello']},"
    quote = _problem_quote(detail or {})
    if not quote:
        return f"{hello} {words['generic']}"
    said = words["said"].format(quote=_quoted(quote))
    when = words["timing"].get(timing, "")
    ask = words["ask_later"] if timing == "later" else words["ask"]
    return f"{hello} {said}{' ' + when if when else ''}{ask}"
