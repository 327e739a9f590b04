"""The engine interface and what an engine concludes.

Every engine takes a Transcript and returns a Qualification. The labels follow
`shared/qualification/FORMAT.md`, so `Qualification.as_labels()` can be compared with a labelled
conversation's `expected` as is.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

DISQUALIFICATION_REASONS = ("spam", "student", "job_seeker", "vendor", "curious")
BUDGET_STATUSES = ("confirmed", "none", "unknown")
AUTHORITIES = ("decision_maker", "influencer", "no_authority", "unknown")
NEEDS = ("identified", "none", "unknown")
TIMING_BUCKETS = ("now", "quarter", "year", "later", "unknown")
STATUSES = ("disqualified", "sql", "mql")
CURRENCIES = ("EUR", "USD", "GBP", "CAD", "CHF")
PERIODS = ("once", "month", "year")


@dataclass
class Transcript:
    """A conversation as an engine reads it."""

    lang: str  # "fr" or "en"
    offer: str  # what the workspace sells
    messages: list[dict]  # [{"role": "assistant" | "visitor", "text": "..."}], oldest first
    contact: dict = field(default_factory=dict)  # email, job_title, company, company_size (int)
    today: date | None = None  # the conversation's date, for "next spring" and the like

    @property
    def visitor_lines(self) -> list[str]:
        return [m["text"] for m in self.messages if m["role"] == "visitor"]


@dataclass
class Finding:
    """One BANT box: its value, how sure the engine is (0 to 1) and the visitor's words."""

    value: str = "unknown"
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)


@dataclass
class Budget(Finding):
    amount: float | None = None
    currency: str | None = None
    period: str | None = None


@dataclass
class Qualification:
    engine: str
    engine_version: str
    disqualified: str | None = None  # one of DISQUALIFICATION_REASONS, or None
    disqualification_reason: str = ""  # in words, for the lead page
    # The visitor's sentences that show the disqualification (a job request, a sales pitch).
    disqualification_evidence: list[str] = field(default_factory=list)
    budget: Budget = field(default_factory=Budget)
    authority: Finding = field(default_factory=Finding)
    need: Finding = field(default_factory=Finding)
    timing: Finding = field(default_factory=Finding)
    brief: dict = field(default_factory=dict)  # problem, impact, stakes, timeline (in the lang)
    status: str = "mql"
    # When another engine failed and this one answered in its place: the failed engine's name and
    # why, in a few words ("timeout", "rate limited"), so the lead page can say "OpenAI
    # unavailable (timeout): offline engine used". Empty when the chosen engine answered.
    fallback_from: str = ""
    fallback_reason: str = ""

    def as_labels(self) -> dict:
        """The FORMAT.md `expected` object for this conclusion."""
        return {
            "disqualified": self.disqualified,
            "budget": {
                "status": self.budget.value,
                "amount": self.budget.amount,
                "currency": self.budget.currency,
                "period": self.budget.period,
            },
            "authority": self.authority.value,
            "need": self.need.value,
            "timing": {"bucket": self.timing.value},
            "status": self.status,
        }

    def evidence_by_field(self) -> dict[str, list[str]]:
        """The visitor's words quoted for each field FORMAT.md's `expected.evidence` labels."""
        return {
            "disqualified": list(self.disqualification_evidence),
            "budget": list(self.budget.evidence),
            "authority": list(self.authority.evidence),
            "need": list(self.need.evidence),
            "timing": list(self.timing.evidence),
        }


# How many of budget-confirmed and authority-decision-maker an SQL needs, on top of an identified
# need and a timing of now or quarter (FORMAT.md's rule: at least one). Workspaces may ask for 2.
DEFAULT_SQL_MIN_BUYING_SIGNALS = 1


def qualification_status(
    q: Qualification, *, sql_min_buying_signals: int = DEFAULT_SQL_MIN_BUYING_SIGNALS
) -> str:
    """disqualified / sql / mql from the boxes (FORMAT.md), in one place for every engine."""
    if q.disqualified:
        return "disqualified"
    signals = (q.budget.value == "confirmed") + (q.authority.value == "decision_maker")
    if (
        q.need.value == "identified"
        and q.timing.value in ("now", "quarter")
        and signals >= sql_min_buying_signals
    ):
        return "sql"
    return "mql"


class Engine(Protocol):
    name: str
    version: str

    def qualify(self, transcript: Transcript) -> Qualification: ...
