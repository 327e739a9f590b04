"""What a conversation may change on a lead it joined on an e-mail typed into a public form.

An e-mail proves nothing about who typed it: anyone who knows a prospect's address can start a
conversation with it. So the conversation that makes a lead establishes its contact and its
qualification, and a later conversation giving the same address is *unverified*:

- it joins the lead (one more conversation on its timeline) and fills the contact fields the
  lead has blank, but never overwrites one; the values it gave that differ are its claims,
  kept on the conversation and shown on the lead page for a person to judge;
- its qualification, read from what it said alone, replaces the lead's only when it ranks the
  lead higher in the call queue (an MQL becoming an SQL, a decision coming sooner); a claim
  never lowers a lead (an SQL turned into a "student", a project pushed to next year).

"Higher" is the call queue's own order (leads/prioritization.py) on the qualification, with the
lead's score on both sides: status, then urgency, then BANT completeness.

Pure functions over plain dicts of Lead field values, tested without a database; the services
in leads/services/leads.py apply them.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from leads.prioritization import lead_priority_compute
from leads.qualification.stored import status_from_fields


@dataclass(frozen=True)
class ContactMerge:
    filled: dict[str, str] = field(default_factory=dict)  # blank on the lead: set
    claimed: dict[str, str] = field(default_factory=dict)  # differs from the lead: kept aside


def _same(a: str, b: str) -> bool:
    """The same value written otherwise (case, spacing) is no claim."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def contact_merge(*, established: dict[str, str], given: dict[str, str]) -> ContactMerge:
    """What an unverified conversation's contact answers (`given`, lead field -> value) do to
    the lead's contact fields (`established`)."""
    merge = ContactMerge()
    for name, value in given.items():
        value = value.strip()
        current = (established.get(name) or "").strip()
        if not value or _same(current, value):
            continue
        if current:
            merge.claimed[name] = value
        else:
            merge.filled[name] = value
    return merge


def qualification_rank(fields: dict, *, score: int, sql_min_buying_signals: int) -> int:
    """Where these qualification fields would put a lead of this score in the call queue."""
    return lead_priority_compute(
        qualification_status=status_from_fields(
            fields, sql_min_buying_signals=sql_min_buying_signals
        ),
        disqualification=fields.get("disqualification") or "",
        timing=fields.get("timing") or "",
        budget_status=fields.get("budget_status") or "",
        authority=fields.get("authority") or "",
        need=fields.get("need") or "",
        score=score,
    )


def qualification_settle(
    *, established: dict | None, candidates: list[dict], score: int, sql_min_buying_signals: int
) -> dict:
    """The qualification the lead keeps: the established one, unless a claimed one (each of
    `candidates`, an unverified conversation's, oldest first) ranks the lead strictly higher,
    the highest of them then. With nothing established, the highest claim is all there is."""

    def rank(fields):
        return qualification_rank(
            fields, score=score, sql_min_buying_signals=sql_min_buying_signals
        )

    best = established
    for candidate in candidates:
        if best is None or rank(candidate) > rank(best):
            best = candidate
    return best


# Kept on the conversation as JSON (Conversation.claims["qualification"]): the one column
# that is no JSON value, the budget amount, as its string.
def claimed_qualification(fields: dict) -> dict:
    if fields.get("budget_amount") is None:
        return dict(fields)
    return {**fields, "budget_amount": str(fields["budget_amount"])}


def claimed_qualification_fields(claimed: dict) -> dict:
    """claimed_qualification back as Lead column values."""
    if claimed.get("budget_amount") is None:
        return dict(claimed)
    return {**claimed, "budget_amount": Decimal(claimed["budget_amount"])}
