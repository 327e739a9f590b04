"""When a visitor intends to decide or buy, from their words and the conversation's date.

Works on folded text (see `text.fold`). Each expression becomes a `When`: either a number of days
from today ("dans 18 mois", "in about 10 weeks", "en septembre", "next spring") or a bucket the
phrase names outright ("asap", "d'ici la fin du trimestre", "this year"). Past expressions
("il y a 3 semaines", "last month") and conditions ("depends on how Q4 goes") say nothing about
when they will buy and are skipped.

dateparser was measured and left out: it misses "ce trimestre" and "next spring", reads
"en septembre" in November as last September, and costs up to 90 ms on a sentence.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

BUCKET_ORDER = ("now", "quarter", "year", "later")

# FORMAT.md: now within 30 days, quarter within ~90, year within ~12 months, later beyond.
NOW_MAX_DAYS = 31
QUARTER_MAX_DAYS = 92
YEAR_MAX_DAYS = 366


def bucket_for_days(days: int) -> str:
    if days <= NOW_MAX_DAYS:
        return "now"
    if days <= QUARTER_MAX_DAYS:
        return "quarter"
    if days <= YEAR_MAX_DAYS:
        return "year"
    return "later"


@dataclass(frozen=True)
class When:
    bucket: str
    phrase: str
    days: int | None = None  # from the reference date, when the phrase gives a date or duration
    span: tuple[int, int] = (0, 0)  # where the phrase sits in the folded sentence

    @property
    def rank(self) -> int:
        return BUCKET_ORDER.index(self.bucket)


_WORD_NUMBERS = {
    "un": 1,
    "une": 1,
    "one": 1,
    "a": 1,
    "an": 1,
    "deux": 2,
    "two": 2,
    "couple of": 2,
    "couple": 2,
    "trois": 3,
    "three": 3,
    "quatre": 4,
    "four": 4,
    "cinq": 5,
    "five": 5,
    "six": 6,
    "sept": 7,
    "seven": 7,
    "huit": 8,
    "eight": 8,
    "neuf": 9,
    "nine": 9,
    "dix": 10,
    "ten": 10,
    "onze": 11,
    "eleven": 11,
    "douze": 12,
    "twelve": 12,
    "quinze": 15,
    "fifteen": 15,
    "dix-huit": 18,
    "eighteen": 18,
    "vingt-quatre": 24,
    "quelques": 3,
    "few": 3,
    "a few": 3,
    "plusieurs": 4,
    "several": 4,
}
_UNIT_DAYS = {
    "jour": 1,
    "jours": 1,
    "day": 1,
    "days": 1,
    "semaine": 7,
    "semaines": 7,
    "sem": 7,
    "week": 7,
    "weeks": 7,
    "wk": 7,
    "wks": 7,
    "mois": 30,
    "month": 30,
    "months": 30,
    "mo": 30,
    "trimestre": 91,
    "trimestres": 91,
    "quarter": 91,
    "quarters": 91,
    "an": 365,
    "ans": 365,
    "annee": 365,
    "annees": 365,
    "year": 365,
    "years": 365,
    "yr": 365,
    "yrs": 365,
}
_QUANTITY = (
    r"\d+(?:[.,]5)?(?:\s?(?:-|a|to|ou|or)\s?\d+)?|dix-huit|vingt-quatre|couple of|a few|"
    r"un|une|one|an?|deux|two|couple|trois|three|quatre|four|cinq|five|six|sept|seven|huit|"
    r"eight|neuf|nine|dix|ten|onze|eleven|douze|twelve|quinze|fifteen|eighteen|quelques|few|"
    r"plusieurs|several"
)
_UNIT = (
    r"jours?|days?|semaines?|sem|weeks?|wks?|mois|months?|trimestres?|quarters?|ans|an|"
    r"annees?|years?|yrs?"
)
# A duration says "from now" only with a marker: "dans 3 mois", "within 6 weeks",
# "3-4 semaines max".
_DURATION = re.compile(
    rf"(?P<marker>\bdans (?:les |environ |un peu plus de |moins de )?|\bpas avant |\bnot before |"
    rf"\bnot for (?:another )?|\bhorizon (?:a |de )?|\b(?:plan|feuille de route|roadmap) a |"
    rf"\bd'ici (?:a )?(?:environ )?|"
    rf"\bsous |\ben moins de |\bwithin (?:the next |about |around )?|\bin (?:the next |about |"
    rf"around |roughly |approximately |under |less than )?|\bover the next |\bnext |"
    rf"\bles (?:deux |trois )?prochain(?:e)?s |\bcoming |\bau cours des (?:prochain(?:e)?s )?)"
    rf"(?P<qty>{_QUANTITY})?\s?(?P<unit>{_UNIT})\b(?P<half> et demi| and a half)?"
    rf"(?P<after>\s?(?:max|maximum|au plus|tops))?"
    rf"|(?P<qty2>{_QUANTITY})\s?(?P<unit2>{_UNIT})\b(?P<half2> et demi| and a half)?"
    rf"\s?(?P<ahead>max|maximum|au plus tard|tops|at (?:the )?most|from now|d'ici|out\b)"
    rf"|(?P<qty3>\d+)[- ](?P<unit3>months?|years?|weeks?)[- ](?:plan|roadmap|horizon)"
)
_PAST = re.compile(
    r"(?:\bil y a|\bdepuis|\bca fait|\bcela fait|\bfor the (?:last|past)|\bsince|"
    r"\bthe (?:last|past))\s(?:\S+\s){0,2}$"
)
# "pendant 3 mois", "for 6 weeks" is how long, not when.
_SPAN = re.compile(r"(?:\bpendant|\bduring|\bfor|\bsur|\bover)\s(?:\S+\s){0,1}$")
# "vite", "rapidement", "quickly" are about timing only after a want or a must.
_SPEED = re.compile(
    r"(?:besoin|faut|faudrait|veut|voudrait|voudrions|souhait|doit|dois|devons|demarrer|commencer|"
    r"signer|lancer|regle|operationnel|need|want|must|have to|start|get it|fix|move)"
    r"[^.;]{0,40}\b(?:rapidement|vite|quickly|fast|soon)\b"
)
_AGO = re.compile(r"^\s?(?:ago|plus tot|auparavant|dernier|derniere|derniers)\b")

# Phrases that name a bucket outright. Checked in order; a sentence may hold several.
_NAMED = [
    (
        "now",
        r"\basap\b|as soon as (?:possible|we can)|au plus (?:vite|tot)|des que possible|"
        r"le plus (?:vite|rapidement) possible|urgent|urgence|"
        r"tout de suite|immediatement|sans tarder|au plus pressant|cette semaine|"
        r"la semaine prochaine|ce mois(?:-ci)?\b|le mois prochain|"
        r"(?:d'ici |avant )?(?:la )?fin (?:du|de ce) mois\b|dans les (?:prochains|"
        r"jours qui viennent)|\bdemain\b|right away|immediately|\burgently|"
        r"this week|next week|this month|next month|within (?:the|a) month|"
        r"(?:by )?(?:the )?end of (?:the|this) month|can'?t wait|cannot wait|"
        r"\btomorrow\b|\bd'urgence\b|"
        r"des maintenant|le plus tot possible|sous huitaine|sous quinzaine",
    ),
    (
        "quarter",
        r"ce trimestre|(?:d'ici |avant )?(?:la )?fin (?:du|de ce) trimestre|"
        r"le trimestre prochain|au prochain trimestre|this quarter|next quarter|"
        r"(?:by |before )?(?:the )?end of (?:the |this )?quarter|\beoq\b|"
        r"(?:the )?end of next month|(?:la )?fin du mois prochain|"
        r"dans les prochaines semaines|dans les semaines qui viennent|"
        r"in the coming weeks",
    ),
    (
        "year",
        r"cette annee|\bcet an\b|l'an prochain|l'annee prochaine|l'exercice prochain|"
        r"(?:d'ici |avant )?(?:la )?fin (?:de l'annee|d'annee)|"
        r"this year|next year|(?:by |before )?(?:the )?end of (?:the |this )?year|"
        r"next (?:fiscal|financial) year|new fiscal year|prochain exercice|"
        r"dans l'annee|within (?:the|a) year|in the next year|courant \d{4}|"
        r"\bnext budget\b|budget de l'an prochain",
    ),
    (
        "later",
        r"dans (?:deux|trois|plusieurs|2|3) ans|in (?:two|three|several|2|3) years|"
        r"pas avant (?:deux|2) ans|not for (?:a couple of|two|2) years|long terme|"
        r"long[- ]term|un jour peut-etre|someday|some day|one day|horizon \d{4}",
    ),
]
_NAMED_RE = [(bucket, re.compile(pattern)) for bucket, pattern in _NAMED]

# "pas urgent", "no rush": whatever urgency word follows is denied.
_NOT_URGENT = re.compile(
    r"pas (?:d')?urgen|pas (?:tres |si )?press|rien ne presse|pas (?:pour )?tout de suite|"
    r"pas maintenant|pas dans l'immediat|no rush|not urgent|no hurry|not in a hurry|"
    r"not (?:right )?now|not soon|not anytime soon|not a priority|pas une priorite|"
    r"not immediately|pas pour (?:cette annee|ce trimestre)|not this (?:year|quarter)"
)

# "it depends on how Q4 goes": what follows is a condition, not a date.
_CONDITION = re.compile(r"\b(?:depend(?:s|ra|ent)? (?:on|de|du|des)|ca depend|selon|en fonction d)")

MONTHS = {
    "janvier": 1,
    "january": 1,
    "jan": 1,
    "fevrier": 2,
    "february": 2,
    "feb": 2,
    "mars": 3,
    "march": 3,
    "avril": 4,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "may": 5,
    "juin": 6,
    "june": 6,
    "juillet": 7,
    "july": 7,
    "aout": 8,
    "august": 8,
    "aug": 8,
    "septembre": 9,
    "september": 9,
    "sep": 9,
    "octobre": 10,
    "october": 10,
    "oct": 10,
    "novembre": 11,
    "november": 11,
    "nov": 11,
    "decembre": 12,
    "december": 12,
    "dec": 12,
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# English "may" and "march" are also verbs: a month needs a preposition or a day next to it.
_MONTH = re.compile(
    rf"(?P<prep>\ben |\bd'ici |\bavant |\bdes |\bdebut |\bmi-|\bmi |\bfin |\bcourant |\bpour |"
    rf"\ba partir de |\bin |\bby |\bbefore |\buntil |\bfrom |\bearly |\bmid-|\bmid |\blate |"
    rf"\bend of |\bstart of |\bbeginning of |\bthis |\bnext |\bfor |\bau mois de |\ble \d{{1,2}} |"
    rf"\b\d{{1,2}}(?:st|nd|rd|th|er)? )(?P<month>{_MONTH_NAMES})\b(?P<next> prochain)?"
)
_SEASONS = {
    "printemps": (3, 20),
    "spring": (3, 20),
    "ete": (6, 21),
    "summer": (6, 21),
    "automne": (9, 22),
    "autumn": (9, 22),
    "fall": (9, 22),
    "hiver": (12, 21),
    "winter": (12, 21),
    "rentree": (9, 1),
    "noel": (12, 25),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "fetes": (12, 20),
    "holidays": (12, 20),
    "paques": (4, 5),
    "easter": (4, 5),
}
_SEASON = re.compile(
    r"(?P<prep>\bau |\ben |\bcet |\bce |\bd'ici |\bd'ici l'|\bavant l'|\bavant le |\bapres l'|"
    r"\bpour l'|\bpour le |\bpour la |\ba la |\bd'ici la |\bavant la |\bdes la |\bvers le |"
    r"\bl'|\ble |\bla |\bthis |\bnext |\bin the |\bby |\bavant |\bpour |\bfor |\bbefore |"
    r"\bbefore |\bover the |\bearly |\blate |\bby the )"
    r"(?P<season>printemps|ete|automne|hiver|rentree|spring|summer|autumn|fall|winter|noel|"
    r"christmas|xmas|paques|easter)\b"
    r"(?P<next> prochain)?"
)
# "Q3", "au T2" (a French "T2" alone is also a two-room flat).
_QUARTER_NAME = re.compile(
    r"(?:\bq|(?:\bau|\ben|\bd'ici|\bavant|\bpour|\bfin|\bdebut|\bdes) t)(?P<q>[1-4])\b"
    r"(?: (?P<year>20\d\d))?"
)
_YEAR_NUMBER = re.compile(
    r"\b(?:en|d'ici|avant|in|by|before|for|pour|courant|fin|end of) "
    r"(?P<year>20\d\d)\b"
)
_NEW_YEAR = re.compile(
    r"in the new year|debut (?:d'annee|de l'annee) prochaine|"
    r"early next year|en debut d'annee|at the start of next year|"
    r"au debut de l'annee prochaine|debut \d{4}"
)

# "on est fin juin", "we're in june": the visitor tells the date, which helps when the
# transcript has none.
_TODAY_IS = re.compile(
    rf"(?:on est|nous sommes|on arrive|we'?re|we are|it'?s) (?:deja |already |now )?"
    rf"(?:a la |en |in |at the )?(?P<when>fin |debut |mi-|end of |early |mid-|late |"
    rf"beginning of )?(?:(?:de |du mois de |of )?)(?P<month>{_MONTH_NAMES})\b"
)


def today_from_words(folded: str, year: int) -> date | None:
    m = _TODAY_IS.search(folded)
    if not m:
        return None
    month = MONTHS[m.group("month")]
    when = (m.group("when") or "").strip()
    day = (
        28
        if when in ("fin", "end of", "late")
        else 1
        if when in ("debut", "early", "beginning of")
        else 15
    )
    return date(year, month, day)


def _quantity(text: str | None) -> float:
    if not text:
        return 1
    text = text.strip()
    numbers = re.findall(r"\d+(?:[.,]5)?", text)
    if numbers:
        # "6-8 weeks", "3 ou 4 mois": the later bound is when it must be done by.
        return max(float(n.replace(",", ".")) for n in numbers)
    return _WORD_NUMBERS.get(text, 1)


def _next_date(today: date, month: int, day: int, *, skip_current_year: bool = False) -> date:
    candidate = date(today.year, month, min(day, 28))
    if candidate < today - timedelta(days=15) or skip_current_year:
        candidate = date(today.year + 1, month, min(day, 28))
    return candidate


def _is_past(folded: str, start: int, end: int) -> bool:
    before = folded[max(0, start - 25) : start]
    return bool(_PAST.search(before) or _AGO.match(folded[end : end + 12]))


def find_timing(folded: str, today: date) -> list[When]:
    """Every forward-looking time expression in a folded sentence."""
    found: list[When] = []
    # Conditions ("depends on how Q4 goes") and denied urgency ("pas urgent") are removed first.
    condition = _CONDITION.search(folded)
    text = folded[: condition.start()] if condition else folded
    text = _TODAY_IS.sub(" ", text)  # "on est fin juin" is today, not a deadline
    denied = _NOT_URGENT.search(text)
    if not denied:
        speed = _SPEED.search(text)
        if speed:
            found.append(When("now", speed.group(0), span=speed.span()))

    for bucket, pattern in _NAMED_RE:
        for m in pattern.finditer(text):
            if bucket == "now" and denied:
                continue
            if _is_past(text, m.start(), m.end()):
                continue
            found.append(When(bucket, m.group(0), span=m.span()))

    for m in _DURATION.finditer(text):
        qty = m.group("qty") or m.group("qty2") or m.group("qty3")
        unit = m.group("unit") or m.group("unit2") or m.group("unit3")
        if m.group("marker") and m.group("marker").strip() in ("next", "coming") and not qty:
            continue  # "next month", "next year" are named phrases above
        half = 0.5 if (m.group("half") or m.group("half2")) else 0
        days = int((_quantity(qty) + half) * _UNIT_DAYS[unit])
        if _is_past(text, m.start(), m.end()):
            continue
        if not (m.group("marker") or m.group("ahead") or m.group("qty3")) and _SPAN.search(
            text[max(0, m.start() - 20) : m.start()]
        ):
            continue
        found.append(When(bucket_for_days(days), m.group(0).strip(), days, span=m.span()))

    for m in _MONTH.finditer(text):
        month = MONTHS[m.group("month")]
        prep = m.group("prep").strip()
        if _is_past(text, m.start(), m.end()) or prep in ("from",):
            continue
        day = 28 if prep in ("fin", "late", "end of") else 15 if prep.startswith("mi") else 1
        if re.match(r"(?:le )?\d", prep):
            day = int(re.search(r"\d+", prep).group(0))
        target = _next_date(
            today, month, day, skip_current_year=bool(m.group("next")) and month <= today.month
        )
        days = max(0, (target - today).days)
        found.append(When(bucket_for_days(days), m.group(0).strip(), days, span=m.span()))

    for m in _SEASON.finditer(text):
        month, day = _SEASONS[m.group("season")]
        prep = m.group("prep").strip()
        # "l'été" alone is a date only with "prochain"; "le printemps dernier" is past.
        if (
            prep in ("l'", "le", "la")
            and not m.group("next")
            and not re.search(r"prochain|next", text[m.end() : m.end() + 12])
        ):
            continue
        target = _next_date(today, month, day)
        if m.group("next") or prep == "next":
            # "next spring" said in spring is next year's.
            season_start = date(today.year, month, day)
            if season_start <= today < season_start + timedelta(days=92):
                target = date(today.year + 1, month, day)
        days = max(0, (target - today).days)
        found.append(When(bucket_for_days(days), m.group(0).strip(), days, span=m.span()))

    for m in _QUARTER_NAME.finditer(text):
        quarter = int(m.group("q"))
        year = int(m.group("year")) if m.group("year") else today.year
        start = date(year, 3 * quarter - 2, 1)
        if start < date(today.year, 3 * ((today.month - 1) // 3) + 1, 1):
            start = date(year + 1, 3 * quarter - 2, 1)
        days = max(0, (start - today).days)
        found.append(When(bucket_for_days(days), m.group(0).strip(), days, span=m.span()))

    for m in _YEAR_NUMBER.finditer(text):
        year = int(m.group("year"))
        if year < today.year:
            continue
        bucket = "year" if year <= today.year + 1 else "later"
        found.append(When(bucket, m.group(0).strip(), span=m.span()))

    for m in _NEW_YEAR.finditer(text):
        # Said in January, "the new year" is already here.
        target = date(today.year + 1, 1, 15) if today.month > 1 else today
        days = (target - today).days
        found.append(When(bucket_for_days(days), m.group(0).strip(), days, span=m.span()))

    # "the end of next month" also holds "next month": keep the longest phrase.
    return [
        w
        for w in found
        if not any(
            o is not w
            and o.span[0] <= w.span[0]
            and w.span[1] <= o.span[1]
            and (o.span[1] - o.span[0]) > (w.span[1] - w.span[0])
            for o in found
        )
    ]


def denies_urgency(folded: str) -> bool:
    return bool(_NOT_URGENT.search(folded))
