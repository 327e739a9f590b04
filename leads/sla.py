"""The speed-to-lead timer: how long a lead has waited for its first call, against the service
level of its band (leads/prioritization.py). The inbox and the lead page show it the same way."""

from datetime import datetime, timedelta
from typing import NamedTuple

from django.utils import timezone

from leads.models import Band, Lead


class TimerState:
    MET = "met"  # contacted within the delay
    LATE = "late"  # contacted, after the delay
    WAITING = "waiting"  # not contacted, still within the delay
    OVERDUE = "overdue"  # not contacted, past the delay
    NONE = "none"  # not contacted, no service level (automated, or nurture without a delay)


# A named tuple rather than a frozen dataclass: the inbox makes fifty a page, and a tuple is
# made in half the time.
class LeadTimer(NamedTuple):
    state: str
    text: str  # e.g. "due in 37 min", "overdue by 2 h 05", "called after 12 min"
    waited: timedelta  # since the lead entered its band, until its first contact or now
    due_at: datetime | None

    @property
    def overdue(self) -> bool:
        return self.state == TimerState.OVERDUE


def duration_words(duration: timedelta) -> str:
    """A wait as sales say it: "45 s", "12 min", "2 h 05", "3 d 4 h"."""
    seconds = max(int(duration.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def lead_timer(lead: Lead, *, now: datetime | None = None) -> LeadTimer:
    """The lead's speed-to-lead timer at `now`, from its own columns (no query): a Lead's, or
    any row's with them (the inbox's, leads/inbox.py)."""
    now = now or timezone.now()
    due = lead.sla_due_at
    contacted = lead.first_contacted_at
    # A lead reached before it entered its band (it moved after the call) counts from the call.
    waited = (contacted or now) - lead.band_since
    if contacted is not None:
        words = f"called after {duration_words(waited)}"
        if due is None:
            return LeadTimer(TimerState.MET, words, waited, due)
        state = TimerState.MET if contacted <= due else TimerState.LATE
        return LeadTimer(state, words, waited, due)
    if due is None:
        words = "no call planned" if lead.band == Band.AUTOMATED else "no deadline"
        return LeadTimer(
            TimerState.NONE, f"{words} · waiting {duration_words(waited)}", waited, due
        )
    if now <= due:
        return LeadTimer(TimerState.WAITING, f"due in {duration_words(due - now)}", waited, due)
    return LeadTimer(TimerState.OVERDUE, f"overdue by {duration_words(now - due)}", waited, due)
