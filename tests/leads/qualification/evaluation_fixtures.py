"""Labelled conversations (FORMAT.md) and a fake engine with known answers, for the evaluator's
tests."""

import json
from pathlib import Path

from django.conf import settings

from leads.qualification.base import Budget, Finding, Qualification
from leads.qualification.evaluation import format_status

DEV_SET = Path(settings.BASE_DIR) / "tests" / "data" / "qualification" / "dev.jsonl"


def conversation(
    id_,
    *,
    disqualified=None,
    budget="unknown",
    authority="unknown",
    need="unknown",
    timing="unknown",
    status=None,
    **overrides,
) -> dict:
    """A valid FORMAT.md line; the offer names the conversation so a fake engine can find it."""
    expected = {
        "disqualified": disqualified,
        "budget": {"status": budget, "amount": None, "currency": None, "period": None},
        "authority": authority,
        "need": need,
        "timing": {"bucket": timing},
    }
    if budget == "confirmed":
        expected["budget"].update(amount=15000, currency="EUR", period="year")
    expected["status"] = status or format_status(expected)
    row = {
        "id": id_,
        "lang": "en",
        "offer": f"Offer seen by {id_}",
        "contact": {"email": "ada@example.com", "job_title": "CEO", "company_size": 30},
        "messages": [
            {"role": "assistant", "text": "What brings you here?"},
            {"role": "visitor", "text": "We lose hours on bad leads."},
        ],
        "expected": expected,
    }
    row.update(overrides)
    return row


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def with_expected(id_, **changes) -> dict:
    row = conversation(id_)
    row["expected"].update(changes)
    return row


def with_budget(id_, **changes) -> dict:
    row = conversation(id_)
    row["expected"]["budget"].update(changes)
    return row


def prediction(
    *,
    disqualified=None,
    budget="unknown",
    authority="unknown",
    need="unknown",
    timing="unknown",
    status="mql",
) -> Qualification:
    return Qualification(
        engine="fake",
        engine_version="1",
        disqualified=disqualified,
        budget=Budget(value=budget),
        authority=Finding(value=authority),
        need=Finding(value=need),
        timing=Finding(value=timing),
        status=status,
    )


class FakeEngine:
    """Answers what it is told for each conversation, found by the offer it was shown."""

    name = "fake"
    version = "1"

    def __init__(self, answers: dict[str, Qualification]):
        self.answers = answers

    def qualify(self, transcript):
        return self.answers[transcript.offer.removeprefix("Offer seen by ")]


SQL = {"budget": "confirmed", "authority": "decision_maker", "need": "identified"}

# Five conversations with known mistakes:
# c1 timing wrong (still sql); c2 wrongly disqualified as spam, authority wrong;
# c3 disqualified for the wrong reason; c4 spam missed; c5 right.
TINY_SET = [
    conversation("c1", **SQL, timing="now"),
    conversation("c2"),
    conversation("c3", disqualified="student"),
    conversation("c4", disqualified="spam"),
    conversation("c5", disqualified="vendor"),
]
TINY_ANSWERS = {
    "c1": prediction(**SQL, timing="quarter", status="sql"),
    "c2": prediction(disqualified="spam", authority="influencer", status="disqualified"),
    "c3": prediction(disqualified="vendor", status="disqualified"),
    "c4": prediction(),
    "c5": prediction(disqualified="vendor", status="disqualified"),
}
