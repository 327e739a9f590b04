"""Money in a sentence: "15k€", "20 000 euros par an", "$3k/month", "around 50K", "1,5 M€".

Works on folded text (see `text.fold`). A number counts as money only with a currency or a
thousands/millions suffix: "9 techniciens" and "1,200 orders" are not amounts. A suffixed number
without a currency ("around 50K") takes the caller's default currency.

price-parser was measured and left out: it reads "15k€" as 15 and knows no periods.
"""

import re
from dataclasses import dataclass

# Symbols and words, before or after the number. Longest first so "ca$" wins over "$".
_CURRENCY_WORDS = [
    (r"dollars? canadiens?|canadian dollars?|ca\$|c\$|cad", "CAD"),
    (r"francs? suisses?|swiss francs?|chf", "CHF"),
    (r"livres? sterling|livres?|pounds?(?: sterling)?|£|gbp", "GBP"),
    (r"us\$|usd|dollars?|bucks|\$", "USD"),
    (r"euros?|eur|€|k€", "EUR"),
]
_CURRENCY_RE = "|".join(f"(?:{words})" for words, _ in _CURRENCY_WORDS)


def currency_code(token: str) -> str | None:
    token = token.strip()
    for words, code in _CURRENCY_WORDS:
        if re.fullmatch(words, token):
            return code
    return None


# 20 000 / 35,000 / 1.200.000 (thousands groups of exactly three digits), or 1,5 / 1.5 / 450.
_NUMBER = r"\d{1,3}(?:[ ,.]\d{3})+(?![\d])|\d+(?:[.,]\d{1,2})?"
# k / K / M / millions / mille / thousand. A lone "m" is "minutes" or "metres" unless money follows.
_MULTIPLIER = (
    r"k(?![a-z])|m(?=\s?(?:€|\$|£|eur|usd|gbp|chf|cad))|mio\b|millions?\b|mille\b|"
    r"thousand\b|mn\b|bn\b|milliards?\b"
)

_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY_RE})?\s?"
    rf"(?:(?P<low>{_NUMBER})\s?(?P<lowmult>{_MULTIPLIER})?\s?(?:-|a|to|à)\s?)?"
    rf"(?P<number>{_NUMBER})\s?(?P<mult>{_MULTIPLIER})?\s?"
    rf"(?P<post>{_CURRENCY_RE})?(?![a-z])",
)

_MULTIPLIERS = {
    "k": 1_000,
    "mille": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mio": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "bn": 1_000_000_000,
    "milliard": 1_000_000_000,
    "milliards": 1_000_000_000,
}

# What follows an amount within a few words says how often it is paid.
_PERIODS = [
    (
        r"/\s?(?:mois|month|mo|mth)\b|par mois|\bmensuel|(?:a|per|each|every) month|\bmonthly|"
        r"\bpm\b|/\s?m\b|\bp/m\b|tous les mois",
        "month",
    ),
    (
        r"/\s?(?:an|annee|year|yr|y)\b|par an\b|par annee|\bannuel|(?:a|per|each|every) year|"
        r"\bper annum|\bannually|\byearly|\bpa\b|\bp/a\b|for (?:this|the) (?:fiscal )?year|"
        r"pour (?:cette|l') ?annee|sur l'annee|tous les ans",
        "year",
    ),
    (
        r"one[- ]?off|one[- ]?time|une fois|ponctuel|forfait|pour le projet|for the project|"
        r"for the implementation|pour l'integration|pour la mise en place|au total|in total|"
        r"\bonce\b",
        "once",
    ),
    (
        r"/\s?(?:jour|day|j|h|hour|heure|semaine|week|sem)\b|par (?:jour|heure|semaine)|"
        r"(?:a|per) (?:day|hour|week)|(?:hourly|daily|weekly)\b",
        "other",
    ),
]


@dataclass(frozen=True)
class Amount:
    value: float
    currency: str | None
    period: str | None  # "once", "month", "year", "other" (per day, hour...) or None
    start: int
    end: int


def _number(text: str) -> float:
    # A separator followed by exactly three digits groups thousands; otherwise it is a decimal.
    if re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+", text):
        return float(re.sub(r"[ ,.]", "", text))
    return float(text.replace(",", "."))


def _multiplier(token: str | None) -> int:
    if not token:
        return 1
    return _MULTIPLIERS.get(token.strip().lower(), 1)


_PERIOD_BEFORE = [
    (r"\bmensuel(?:le)?s?\b|\bmonthly\b|\bpar mois\b|\bper month\b", "month"),
    (r"\bannuel(?:le)?s?\b|\bannual\b|\byearly\b|\bpar an\b|\bper year\b", "year"),
]


def period_before(text: str, start: int) -> str | None:
    """A period said just before the amount: "l'enveloppe annuelle est de 5 000 euros"."""
    window = re.split(r"[;:.!?()]", text[max(0, start - 30) : start])[-1]
    for pattern, period in _PERIOD_BEFORE:
        if re.search(pattern, window):
            return period
    return None


def period_after(text: str, end: int) -> str | None:
    """The period stated right after an amount, up to the next clause break."""
    window = text[end : end + 40]
    window = re.split(r"[,;:.!?()]|\bmais\b|\bbut\b|\bet\b|\band\b", window, maxsplit=1)[0]
    # "(one-time)" sits inside parentheses: look at it too.
    paren = re.match(r"\s*\(([^)]{0,30})\)", text[end : end + 40])
    if paren:
        window = f"{window} {paren.group(1)}"
    for pattern, period in _PERIODS:
        if re.search(pattern, window):
            return period
    return None


def find_amounts(folded: str, default_currency: str | None = None) -> list[Amount]:
    """Every amount of money in a folded sentence, in order."""
    amounts = []
    for m in _AMOUNT.finditer(folded):
        pre, post, mult = m.group("pre"), m.group("post"), m.group("mult")
        if post == "k€":
            mult, post = "k", "€"
        if not (pre or post or mult):
            continue
        # A year ("en 2027") or a percentage is not money.
        tail = folded[m.end() : m.end() + 2]
        if tail.startswith("%") or (not (pre or post) and mult is None):
            continue
        value = _number(m.group("number")) * _multiplier(mult)
        if m.group("low"):
            # "5-8k€": the upper bound is the budget ceiling; the lower one shares its suffix.
            low = _number(m.group("low")) * _multiplier(m.group("lowmult") or mult)
            value = max(value, low)
        if value <= 0:
            continue
        currency = currency_code(pre or post or "") or default_currency
        amounts.append(
            Amount(
                value=value,
                currency=currency,
                period=period_after(folded, m.end()) or period_before(folded, m.start()),
                start=m.start(),
                end=m.end(),
            )
        )
    return amounts


def default_currency(offer: str, email: str = "", lang: str = "en") -> str:
    """The currency a bare "50K" is in: the offer's, else the visitor's country, else the
    language's usual one."""
    from leads.qualification.text import fold

    for amount in find_amounts(fold(offer)):
        if amount.currency:
            return amount.currency
    domain = email.rsplit("@", 1)[-1].lower()
    for suffix, code in ((".uk", "GBP"), (".ch", "CHF"), (".ca", "CAD")):
        if domain.endswith(suffix):
            return code
    return "EUR" if lang == "fr" else "USD"
