"""Reading a visitor's answer to one step: a value to store, or a message saying what is wrong,
in the form's language. Pure functions of the step's frozen definition."""

import re
import unicodedata
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from forms_builder.models import COMPANY_SIZE_RANGES, StepKind

MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 4000

YES = {"yes", "y", "oui", "o", "true", "1", "yep", "sure", "ok", "d'accord"}
NO = {"no", "n", "non", "false", "0", "nope"}

MESSAGES = {
    "en": {
        "required": "This question needs an answer.",
        "too_long": "That is a bit long: please keep it under {limit} characters.",
        "email": "That does not look like an e-mail address (like name@company.com).",
        "phone": "That does not look like a phone number.",
        "url": "That does not look like a web address (like company.com).",
        "number": "Please answer with a number.",
        "min": "Please give a number of at least {limit}.",
        "max": "Please give a number of at most {limit}.",
        "choice": "Please pick one of: {options}.",
        "choice_unclear": "Sorry, I'm not sure which one you mean. Could you pick one of: "
        "{options}?",
        "yes_no": "Please answer yes or no.",
        "date": "Please give a date (like 2026-03-31).",
        "yes": "Yes",
        "no": "No",
    },
    "fr": {
        "required": "Cette question attend une réponse.",
        "too_long": "C'est un peu long : merci de rester sous {limit} caractères.",
        "email": "Cela ne ressemble pas à une adresse e-mail (comme nom@entreprise.fr).",
        "phone": "Cela ne ressemble pas à un numéro de téléphone.",
        "url": "Cela ne ressemble pas à une adresse web (comme entreprise.fr).",
        "number": "Merci de répondre par un nombre.",
        "min": "Merci d'indiquer un nombre d'au moins {limit}.",
        "max": "Merci d'indiquer un nombre d'au plus {limit}.",
        "choice": "Merci de choisir parmi : {options}.",
        "choice_unclear": "Désolé, je ne suis pas sûr de bien comprendre. Pouvez-vous choisir "
        "parmi : {options} ?",
        "yes_no": "Merci de répondre par oui ou par non.",
        "date": "Merci d'indiquer une date (comme 31/03/2026).",
        "yes": "Oui",
        "no": "Non",
    },
}


class AnswerInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def step_options(step: dict) -> list[str]:
    """The quick replies a step offers (empty for free text)."""
    if step["kind"] in (StepKind.SINGLE_CHOICE, StepKind.MULTIPLE_CHOICE):
        return list(step["options"])
    if step["kind"] == StepKind.COMPANY_SIZE:
        return list(COMPANY_SIZE_RANGES)
    return []


def answer_parse(step: dict, text: str, language: str):
    """The value to store for `text`, None for a skipped optional step, or AnswerInvalid."""
    words = MESSAGES.get(language, MESSAGES["en"])
    text = (text or "").strip()
    if not text:  # an optional step's "skip" sends nothing
        if step["required"]:
            raise AnswerInvalid(words["required"])
        return None
    limit = MAX_LONG_TEXT if step["kind"] == StepKind.LONG_TEXT else MAX_SHORT_TEXT
    if len(text) > limit:
        raise AnswerInvalid(words["too_long"].format(limit=limit))
    parser = _PARSERS.get(step["kind"], _text)
    return parser(step, text, words)


def answer_display(step: dict, value, language: str) -> str:
    """How a stored value reads back in a transcript or on a lead page."""
    words = MESSAGES.get(language, MESSAGES["en"])
    if value is None:
        return "—"
    if isinstance(value, bool):
        return words["yes"] if value else words["no"]
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _text(step, text, words):
    return text


def _email(step, text, words):
    try:
        EmailValidator()(text)
    except ValidationError:
        raise AnswerInvalid(words["email"]) from None
    return text.lower()


def _phone(step, text, words):
    digits = re.sub(r"\D", "", text)
    if not re.fullmatch(r"[+\d\s().\-/]+", text) or not 6 <= len(digits) <= 20:
        raise AnswerInvalid(words["phone"])
    return text


def _url(step, text, words):
    candidate = text if re.match(r"^https?://", text, re.IGNORECASE) else f"https://{text}"
    try:
        URLValidator(schemes=["http", "https"])(candidate)
    except ValidationError:
        raise AnswerInvalid(words["url"]) from None
    return candidate


def _number(step, text, words):
    # "1 500,50" (French) and "1,500.50" (English) both read as 1500.50.
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise AnswerInvalid(words["number"]) from None
    if not value.is_finite():
        raise AnswerInvalid(words["number"])
    if step.get("min_value") is not None and value < Decimal(step["min_value"]):
        raise AnswerInvalid(words["min"].format(limit=step["min_value"]))
    if step.get("max_value") is not None and value > Decimal(step["max_value"]):
        raise AnswerInvalid(words["max"].format(limit=step["max_value"]))
    # Whole numbers read back without decimals ("30", not "30.00" nor "3E+1").
    return str(value.quantize(Decimal(1))) if value == value.to_integral() else str(value)


def _match_option(options, text):
    lowered = text.casefold()
    return next((option for option in options if option.casefold() == lowered), None)


# Words that say nothing of which option is meant ("this", "le", "we"): an option is meant when
# its other words are all in the answer.
_FILLER_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "i",
        "in",
        "is",
        "it",
        "its",
        "just",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "we",
        "with",
        "c",
        "ce",
        "ces",
        "cette",
        "d",
        "de",
        "des",
        "du",
        "en",
        "est",
        "et",
        "il",
        "je",
        "l",
        "la",
        "le",
        "les",
        "ma",
        "mes",
        "mon",
        "nous",
        "ou",
        "par",
        "pour",
        "sa",
        "se",
        "ses",
        "son",
        "un",
        "une",
        "",
    }
)
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(plain)


def _said(option_word: str, answer_words: set[str]) -> bool:
    # "quarter" is said in "quarters", "urgent" in "urgently"; short words must match whole.
    if option_word in answer_words:
        return True
    return len(option_word) >= 4 and any(w.startswith(option_word) for w in answer_words)


def _meant_option(options: list[str], text: str) -> str | None:
    """The one option a free-text answer clearly means: its number ("2"), or the only option
    whose words (fillers aside) the answer all says. None when none or several are meant."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return options[int(stripped) - 1]
    answer_words = set(_words(text))
    meant = []
    for option in options:
        content = [w for w in _words(option) if w not in _FILLER_WORDS]
        if content and all(_said(word, answer_words) for word in content):
            meant.append(option)
    return meant[0] if len(meant) == 1 else None


def _single_choice(step, text, words):
    options = step_options(step)
    option = _match_option(options, text) or _meant_option(options, text)
    if option is None:
        raise AnswerInvalid(words["choice_unclear"].format(options=", ".join(options)))
    return option


def _multiple_choice(step, text, words):
    chosen = []
    for part in re.split(r"\s*[,;\n]\s*", text):
        if not part:
            continue
        option = _match_option(step_options(step), part)
        if option is None:
            raise AnswerInvalid(words["choice"].format(options=", ".join(step_options(step))))
        if option not in chosen:
            chosen.append(option)
    if not chosen:
        raise AnswerInvalid(words["required"])
    return chosen


def _yes_no(step, text, words):
    lowered = text.casefold().strip(" .!")
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise AnswerInvalid(words["yes_no"])


def _company_size(step, text, words):
    option = _match_option(COMPANY_SIZE_RANGES, text.replace(" ", ""))
    if option is not None:
        return option
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    if digits.isdigit():
        headcount = int(digits)
        for size in COMPANY_SIZE_RANGES:
            low, _, high = size.rstrip("+").partition("-")
            if int(low) <= headcount and (not high or headcount <= int(high)):
                return size
        return COMPANY_SIZE_RANGES[0]  # 0 people: a sole founder
    raise AnswerInvalid(words["choice"].format(options=", ".join(COMPANY_SIZE_RANGES)))


def _date(step, text, words):
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise AnswerInvalid(words["date"])


_PARSERS = {
    StepKind.EMAIL: _email,
    StepKind.PHONE: _phone,
    StepKind.URL: _url,
    StepKind.NUMBER: _number,
    StepKind.SINGLE_CHOICE: _single_choice,
    StepKind.MULTIPLE_CHOICE: _multiple_choice,
    StepKind.YES_NO: _yes_no,
    StepKind.COMPANY_SIZE: _company_size,
    StepKind.DATE: _date,
}
