"""Input from strangers (a visitor's browser, an API client), read and checked in one place
before anything is stored: the one JSON reader of the public chat and the REST API, and the one
rule for text PostgreSQL cannot hold.

PostgreSQL refuses a NUL character in text and JSON, and psycopg cannot encode a lone surrogate
(JSON's "\\ud800" decodes to one) to UTF-8: either would fail the write with a 500. What to do
with such text depends on what it is:

- An id, an address, a UTM value, a hidden field, an API value or name is refused whole, with a
  400 `invalid_text` naming the field: changing it silently would store something other than what
  the sender meant, and a real browser or integration never sends these characters.
- A visitor's chat message is kept, without them (`words_clean`): a NUL is not a word, and
  refusing the message would lose the words around it (text pasted from a PDF can carry one). A
  lone surrogate becomes U+FFFD, the mark for "a character was here that could not be read";
  other control characters but tab and line breaks are dropped too (they show as nothing, or as
  garbage, in the inbox)."""

import json
import math
import re

from django.conf import settings

# No input of Parley nests more than three levels (custom_fields' values); a body deeper than
# this is refused before any code that walks it recursively could reach Python's limit.
JSON_MAX_DEPTH = 32

# No surrogate can be encoded to UTF-8. Reading JSON joins a valid pair ("\\ud83d\\ude00") into
# the one character it stands for: those left in a str are lone ones.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters but tab and line breaks (C0, and DEL): nothing a person types.
_NOT_WORDS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

TEXT_PROBLEM = "Contains a character that is not text (NUL or a lone surrogate)."
NAME_PROBLEM = "A name contains a character that is not text (NUL or a lone surrogate)."


class InvalidJson(ValueError):
    """The body is not a JSON document Parley reads (the message says why, for people)."""


class InvalidText(ValueError):
    """Some fields hold text that cannot be stored; `fields` maps each one's path to why."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("Some fields contain characters that are not text (NUL or a surrogate).")
        self.fields = fields


def json_read(raw: bytes, *, encoding: str = "utf-8"):
    """The JSON document in `raw`. Raises InvalidJson for anything else: bytes that are not
    `encoding`, broken JSON, NaN, Infinity or a number beyond them, or nesting deeper than
    JSON_MAX_DEPTH (json.loads gives up with RecursionError at about 1,000 levels, and what
    reads the document after it must not meet that limit either)."""
    try:
        document = json.loads(
            raw.decode(encoding), parse_constant=_no_constant, parse_float=_finite_float
        )
    except (UnicodeDecodeError, LookupError):
        raise InvalidJson(f"The request body is not {encoding} text.") from None
    except (ValueError, RecursionError):
        raise InvalidJson("The request body is not valid JSON.") from None
    if _nesting_depth(document) > JSON_MAX_DEPTH:
        raise InvalidJson(f"The request body nests more than {JSON_MAX_DEPTH} levels deep.")
    return document


def _no_constant(name: str):
    """NaN and Infinity are not JSON (Python reads them), and jsonb refuses them."""
    raise ValueError(f"{name} is not a JSON value.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise ValueError(f"{text} is out of range.")
    return value


def _nesting_depth(document) -> int:
    """How deep objects and arrays nest in `document` (walked without recursion)."""
    deepest = 0
    stack = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((item, depth + 1) for item in value)
    return deepest


def body_too_large_message() -> str:
    """What a 413 says: Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when it is read
    (RequestDataTooBig), and each way in answers that in its own JSON."""
    return f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def text_problems(value, path: str = "") -> dict[str, str]:
    """Each place in `value` (a parsed JSON document, or a string) holding text that cannot be
    stored, by its path (`utm.utm_source`, `custom_fields.note`; a name's problem under its
    object's path). Empty when all of it can be."""
    if isinstance(value, str):
        return {path or "value": TEXT_PROBLEM} if _UNSTORABLE.search(value) else {}
    problems: dict[str, str] = {}
    if isinstance(value, dict):
        for name, item in value.items():
            if _UNSTORABLE.search(name):
                problems[path or "value"] = NAME_PROBLEM
                continue
            problems.update(text_problems(item, f"{path}.{name}" if path else name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.update(text_problems(item, f"{path}.{index}" if path else str(index)))
    return problems


def text_check(value) -> None:
    """Raises InvalidText when `value` holds text that cannot be stored."""
    problems = text_problems(value)
    if problems:
        raise InvalidText(problems)


def words_clean(text: str) -> str:
    """A visitor's message as it is kept: their words, without what is not text."""
    return _SURROGATE.sub("\ufffd", _NOT_WORDS.sub("", text))
