"""Measure an engine on labelled conversations (`shared/qualification/FORMAT.md`).

`dataset_read` loads a JSONL file and checks every line with the rules of
`shared/qualification/validate.py`. The rules are restated here, since CI runs from a clone
without `shared/`, and the error messages are the same so the two can be compared.
`evaluate` runs an engine over the rows and scores it as FORMAT.md says.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from pathlib import Path
from statistics import mean
from typing import NamedTuple

from leads.qualification.base import (
    AUTHORITIES,
    BUDGET_STATUSES,
    DISQUALIFICATION_REASONS,
    NEEDS,
    PERIODS,
    STATUSES,
    TIMING_BUCKETS,
    Engine,
    Transcript,
)

# --- Reading and validating a file ----------------------------------------------------------

LANGS = ("fr", "en")
ROLES = ("assistant", "visitor")
TOP_KEYS = {"id", "lang", "offer", "contact", "messages", "expected"}
TOP_OPTIONAL = {"conversation_date"}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EVIDENCE_FIELDS = {"disqualified", "budget", "authority", "need", "timing"}
CONTACT_KEYS = {"email", "job_title", "company", "company_size"}
EXPECTED_KEYS = {"disqualified", "budget", "authority", "need", "timing", "status"}
BUDGET_KEYS = {"status", "amount", "currency", "period"}
# Any ISO 4217 code may appear in a label, not only the currencies engines recognise.
ISO_4217 = re.compile(r"^[A-Z]{3}$")
# Enough bad lines to see what is wrong with a file without flooding the terminal.
MAX_ERRORS_SHOWN = 20


class DatasetError(ValueError):
    """A file that breaks FORMAT.md. The message names each bad line and what is wrong with it."""


class LabelledConversation(NamedTuple):
    id: str
    transcript: Transcript  # its `today` is the line's conversation_date, when it has one
    expected: dict  # FORMAT.md's `expected`, as in the file (with `evidence` when labelled)


def dataset_read(path: str | Path) -> list[LabelledConversation]:
    """Every conversation in the file, or DatasetError if any line breaks FORMAT.md."""
    rows, errors = _dataset_parse(path)
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > len(shown):
            shown.append(f"... and {len(errors) - len(shown)} more")
        raise DatasetError(
            f"{path}: {len(errors)} error(s) against FORMAT.md:\n" + "\n".join(shown)
        )
    return rows


def dataset_errors(path: str | Path) -> list[str]:
    """What validate.py would print for the file, one `line N (id): problem` per error."""
    return _dataset_parse(path)[1]


def _dataset_parse(path: str | Path) -> tuple[list[LabelledConversation], list[str]]:
    rows, errors = [], []
    first_line_of_id = {}
    n_conversations = 0
    try:
        # Iterating the file splits on newlines only, as validate.py does; str.splitlines()
        # would also split on U+2028 and friends, which JSON strings may hold unescaped.
        with open(path, encoding="utf-8") as lines:
            for lineno, line in enumerate(lines, 1):
                label, line_errors, row = f"line {lineno}", [], None
                if not line.strip():
                    line_errors.append("blank line")
                else:
                    n_conversations += 1
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as e:
                        line_errors.append(f"invalid JSON: {e}")
                    else:
                        if isinstance(row, dict) and isinstance(row.get("id"), str):
                            label += f" ({row['id']})"
                            if row["id"] in first_line_of_id:
                                first = first_line_of_id[row["id"]]
                                line_errors.append(f"id: duplicate of line {first}")
                            else:
                                first_line_of_id[row["id"]] = lineno
                        line_errors += conversation_errors(row)
                errors += [f"{label}: {error}" for error in line_errors]
                if row is not None and not line_errors:
                    rows.append(_labelled_conversation(row))
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path}: not UTF-8 ({e})") from e
    if n_conversations == 0:
        errors.append("file has no conversations")
    return rows, errors


def _labelled_conversation(row: dict) -> LabelledConversation:
    day = row.get("conversation_date")
    transcript = Transcript(
        lang=row["lang"],
        offer=row["offer"],
        messages=row["messages"],
        contact=row["contact"],
        today=date.fromisoformat(day) if day else None,
    )
    return LabelledConversation(row["id"], transcript, row["expected"])


def conversation_errors(row) -> list[str]:
    """What is wrong with one parsed line (validate.py's `check_row`); empty when it is valid."""
    if not isinstance(row, dict):
        return ["line is not a JSON object"]
    errors = _key_errors(row, TOP_KEYS, "top level", optional=TOP_OPTIONAL)
    if "conversation_date" in row and not _is_date(row["conversation_date"]):
        errors.append(
            f"conversation_date: {row['conversation_date']!r} must be a date as YYYY-MM-DD"
        )
    if not _is_text(row.get("id")):
        errors.append("id: must be a non-empty string")
    if row.get("lang") not in LANGS:
        errors.append(f"lang: {row.get('lang')!r} not in {sorted(LANGS)}")
    if not _is_text(row.get("offer")):
        errors.append("offer: must be a non-empty string")
    errors += _contact_errors(row.get("contact"))
    errors += _messages_errors(row.get("messages"))
    errors += _expected_errors(row.get("expected"), row.get("messages"))
    return errors


def _is_date(value) -> bool:
    if not (isinstance(value, str) and DATE.match(value)):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _evidence_errors(evidence, messages) -> list[str]:
    if not isinstance(evidence, dict):
        return ["expected.evidence: must be an object"]
    errors = _key_errors(evidence, set(), "expected.evidence", optional=EVIDENCE_FIELDS)
    said = [
        m.get("text", "")
        for m in messages or []
        if isinstance(m, dict) and m.get("role") == "visitor"
    ]
    for field, quotes in evidence.items():
        if not isinstance(quotes, list) or not quotes:
            errors.append(f"expected.evidence.{field}: must be a non-empty list of quotes")
            continue
        for quote in quotes:
            if not _is_text(quote) or not any(quote in text for text in said):
                errors.append(f"expected.evidence.{field}: {quote!r} is not in any visitor message")
    return errors


def _contact_errors(contact) -> list[str]:
    if not isinstance(contact, dict):
        return ["contact: must be an object"]
    errors = _key_errors(contact, set(), "contact", optional=CONTACT_KEYS)
    for key in ("email", "job_title", "company"):
        if key in contact and not _is_text(contact[key]):
            errors.append(f"contact.{key}: must be a non-empty string when present")
    if _is_text(contact.get("email")) and "@" not in contact["email"]:
        errors.append(f"contact.email: {contact['email']!r} has no @")
    if "company_size" in contact:
        size = contact["company_size"]
        if not (isinstance(size, int) and not isinstance(size, bool) and size >= 1):
            errors.append(f"contact.company_size: {size!r} must be a positive integer head count")
    return errors


def _messages_errors(messages) -> list[str]:
    if not isinstance(messages, list) or not messages:
        return ["messages: must be a non-empty list"]
    errors = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            errors.append(f"{where}: must be an object")
            continue
        errors += _key_errors(message, {"role", "text"}, where)
        if message.get("role") not in ROLES:
            errors.append(f"{where}.role: {message.get('role')!r} not in {sorted(ROLES)}")
        if not _is_text(message.get("text")):
            errors.append(f"{where}.text: must be a non-empty string")
    if not any(isinstance(m, dict) and m.get("role") == "visitor" for m in messages):
        errors.append("messages: no visitor message")
    return errors


def _expected_errors(expected, messages) -> list[str]:
    if not isinstance(expected, dict):
        return ["expected: must be an object"]
    errors = _key_errors(expected, EXPECTED_KEYS, "expected", optional={"evidence"})
    if "evidence" in expected:
        errors += _evidence_errors(expected["evidence"], messages)
    if expected.get("disqualified") not in (None, *DISQUALIFICATION_REASONS):
        errors.append(
            f"expected.disqualified: {expected.get('disqualified')!r} not null or one of "
            f"{sorted(DISQUALIFICATION_REASONS)}"
        )
    budget = expected.get("budget")
    errors += _budget_errors(budget)
    for key, allowed in (("authority", AUTHORITIES), ("need", NEEDS)):
        if expected.get(key) not in allowed:
            errors.append(f"expected.{key}: {expected.get(key)!r} not in {sorted(allowed)}")
    timing = expected.get("timing")
    if not isinstance(timing, dict):
        errors.append("expected.timing: must be an object")
    else:
        errors += _key_errors(timing, {"bucket"}, "expected.timing")
        if timing.get("bucket") not in TIMING_BUCKETS:
            errors.append(
                f"expected.timing.bucket: {timing.get('bucket')!r} not in {sorted(TIMING_BUCKETS)}"
            )
    status = expected.get("status")
    if status not in STATUSES:
        errors.append(f"expected.status: {status!r} not in {sorted(STATUSES)}")
    elif isinstance(budget, dict) and isinstance(timing, dict):
        rule = format_status(expected)
        if status != rule:
            errors.append(f"expected.status: {status!r} but the FORMAT.md rule gives {rule!r}")
    return errors


def _budget_errors(budget) -> list[str]:
    if not isinstance(budget, dict):
        return ["expected.budget: must be an object"]
    errors = _key_errors(budget, BUDGET_KEYS, "expected.budget")
    if budget.get("status") not in BUDGET_STATUSES:
        errors.append(
            f"expected.budget.status: {budget.get('status')!r} not in {sorted(BUDGET_STATUSES)}"
        )
    amount, currency = budget.get("amount"), budget.get("currency")
    if amount is not None and not (_is_number(amount) and amount > 0):
        errors.append(f"expected.budget.amount: {amount!r} must be a positive number or null")
    if currency is not None and not (isinstance(currency, str) and ISO_4217.match(currency)):
        errors.append(f"expected.budget.currency: {currency!r} must be null or an ISO 4217 code")
    if budget.get("period") not in (None, *PERIODS):
        errors.append(
            f"expected.budget.period: {budget.get('period')!r} not null or one of {sorted(PERIODS)}"
        )
    # An amount is "in currency units": without a currency it means nothing.
    if amount is not None and currency is None:
        errors.append("expected.budget: amount given without a currency")
    return errors


def format_status(expected: dict) -> str:
    """The status FORMAT.md's rule gives a labelled conversation (workspaces may be stricter)."""
    if expected.get("disqualified") is not None:
        return "disqualified"
    budget = expected.get("budget") or {}
    timing = expected.get("timing") or {}
    if (
        expected.get("need") == "identified"
        and timing.get("bucket") in ("now", "quarter")
        and (budget.get("status") == "confirmed" or expected.get("authority") == "decision_maker")
    ):
        return "sql"
    return "mql"


def _key_errors(obj: dict, required: set, where: str, *, optional=frozenset()) -> list[str]:
    errors = []
    if missing := required - obj.keys():
        errors.append(f"{where}: missing keys {sorted(missing)}")
    if extra := obj.keys() - required - optional:
        errors.append(f"{where}: unexpected keys {sorted(extra)}")
    return errors


def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_number(value) -> bool:
    # JSON true/false load as bool, a subclass of int, and are not amounts.
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- Scoring an engine ----------------------------------------------------------------------

# field_accuracy is the mean over these (FORMAT.md); status is scored on its own.
FIELDS = ("budget", "authority", "need", "timing", "disqualified")
SCORED = (*FIELDS, "status")
# A disqualified visitor is never called, so their BANT is not scored (FORMAT.md): these four
# are scored on the genuine prospects only, disqualified and status on every conversation.
BANT = ("budget", "authority", "need", "timing")


def scored_value(labels: dict, field: str):
    """The part of a field FORMAT.md compares: budget on its status, timing on its bucket."""
    if field == "budget":
        return labels["budget"]["status"]
    if field == "timing":
        return labels["timing"]["bucket"]
    return labels[field]


def evidence_supported(quote: str, spans: list[str]) -> bool:
    """A quoted sentence says what a label says when it contains a labelled span or lies
    inside one (FORMAT.md's evidence_precision)."""
    return any(span in quote or quote in span for span in spans)


@dataclass
class Report:
    n: int
    # Per scored field, how many conversations had each (expected, predicted) pair.
    confusion: dict[str, Counter]
    # Per scored field, the ids of the conversations the engine got wrong, in file order.
    wrong: dict[str, list[str]]
    # Per scored field, how many conversations it was scored on (BANT: the genuine prospects).
    scored: dict[str, int] = dataclass_field(default_factory=dict)
    # Why the engine handed conversations to another one (OpenAI down: the offline engine
    # answered), with how many: those scores are not the engine's own.
    fallbacks: Counter = dataclass_field(default_factory=Counter)
    # Quotes on fields the engine got right where the line labels evidence: how many in all,
    # and how many of them contain or lie inside a labelled span.
    evidence_quotes: int = 0
    evidence_supported: int = 0
    # Per confidence band of the engine's BANT findings on genuine prospects: how many there
    # were and how many were right, so that "90 %" can be read as how often it is right.
    calibration: dict[str, list[int]] = dataclass_field(default_factory=dict)

    def accuracy(self, field: str) -> float:
        """1.0 when the field was scored on no conversation: there was nothing to get wrong."""
        scored = self.scored.get(field, self.n)
        return (scored - len(self.wrong[field])) / scored if scored else 1.0

    @property
    def field_accuracy(self) -> float:
        return mean(self.accuracy(field) for field in FIELDS)

    @property
    def status_accuracy(self) -> float:
        return self.accuracy("status")

    @property
    def evidence_precision(self) -> float:
        """1.0 when no quote could be checked (no labelled evidence, or nothing quoted)."""
        if not self.evidence_quotes:
            return 1.0
        return self.evidence_supported / self.evidence_quotes

    def _disqualify_counts(self) -> tuple[int, int, int]:
        """True positives, false positives, false negatives of "disqualified for any reason"."""
        tp = fp = fn = 0
        for (expected, predicted), count in self.confusion["disqualified"].items():
            if expected is not None and predicted is not None:
                tp += count
            elif predicted is not None:
                fp += count
            elif expected is not None:
                fn += count
        return tp, fp, fn

    @property
    def disqualify_precision(self) -> float:
        """1.0 when the engine disqualified no one: it turned no genuine prospect away."""
        tp, fp, _ = self._disqualify_counts()
        return tp / (tp + fp) if tp + fp else 1.0

    @property
    def disqualify_recall(self) -> float:
        """1.0 when no conversation should be disqualified: there was nothing to miss."""
        tp, _, fn = self._disqualify_counts()
        return tp / (tp + fn) if tp + fn else 1.0

    def metrics_line(self) -> str:
        return (
            f"field_accuracy={self.field_accuracy:.3f} "
            f"status_accuracy={self.status_accuracy:.3f} "
            f"disqualify_precision={self.disqualify_precision:.3f} "
            f"disqualify_recall={self.disqualify_recall:.3f} "
            f"evidence_precision={self.evidence_precision:.3f} n={self.n}"
        )


class Prediction(NamedTuple):
    id: str
    labels: dict  # FORMAT.md's `expected` shape, with `evidence`: the engine's quotes per field

    def as_json_line(self) -> str:
        return json.dumps({"id": self.id, "predicted": self.labels}, ensure_ascii=False)


def evaluate(
    engine: Engine, rows: list[LabelledConversation], *, predictions: list | None = None
) -> Report:
    """Run the engine on every conversation and compare its labels with the expected ones.
    Each conversation's Prediction is appended to `predictions` when a list is given."""
    if not rows:
        raise ValueError("No labelled conversations to evaluate.")
    report = Report(
        n=len(rows),
        confusion={field: Counter() for field in SCORED},
        wrong={field: [] for field in SCORED},
        scored=dict.fromkeys(SCORED, 0),
    )
    for row in rows:
        try:
            qualification = engine.qualify(row.transcript)
        except Exception as e:
            e.add_note(f"while the {engine.name} engine qualified conversation {row.id!r}")
            raise
        if qualification.fallback_reason:
            report.fallbacks[qualification.fallback_reason] += 1
        predicted = qualification.as_labels()
        quoted = qualification.evidence_by_field()
        if predictions is not None:
            predictions.append(Prediction(row.id, {**predicted, "evidence": quoted}))
        _score(report, row, predicted, quoted)
        if row.expected["disqualified"] is None:
            for field in BANT:
                confidence = getattr(qualification, field).confidence
                right = scored_value(predicted, field) == scored_value(row.expected, field)
                counts = report.calibration.setdefault(confidence_band(confidence), [0, 0])
                counts[0] += 1
                counts[1] += right
    return report


# The bands a lead page's "Confidence N %" falls in.
CONFIDENCE_BANDS = ((0.5, "under 50 %"), (0.7, "50-69 %"), (0.9, "70-89 %"), (1.01, "90 % +"))


def confidence_band(confidence: float) -> str:
    return next(name for upper, name in CONFIDENCE_BANDS if confidence < upper)


def _score(report: Report, row: LabelledConversation, predicted: dict, quoted: dict) -> None:
    genuine = row.expected["disqualified"] is None
    labelled_evidence = row.expected.get("evidence", {})
    for field in SCORED:
        if field in BANT and not genuine:
            continue
        report.scored[field] += 1
        expected_value = scored_value(row.expected, field)
        predicted_value = scored_value(predicted, field)
        report.confusion[field][expected_value, predicted_value] += 1
        if predicted_value != expected_value:
            report.wrong[field].append(row.id)
        elif field in labelled_evidence:
            spans = labelled_evidence[field]
            for quote in quoted.get(field, []):
                report.evidence_quotes += 1
                report.evidence_supported += evidence_supported(quote, spans)
