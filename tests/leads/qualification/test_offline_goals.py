"""The offline engine meets issue 5's goals on the development set and on our own labelled
conversations (tests/data/qualification/extra.jsonl, FORMAT.md format).

A regression here means a rule change helped one case and broke others: look at the per-field
mismatches printed on failure.
"""

import json
from pathlib import Path

import pytest

from leads.qualification.base import Transcript
from leads.qualification.offline import OfflineEngine

DATA = Path(__file__).resolve().parents[2] / "data" / "qualification"
FIELDS = ("budget", "authority", "need", "timing", "disqualified")


def _field(labels: dict, field: str):
    if field == "budget":
        return labels["budget"]["status"]
    if field == "timing":
        return labels["timing"]["bucket"]
    return labels[field]


def metrics(path: Path) -> tuple[dict, list[str]]:
    engine = OfflineEngine()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    right = dict.fromkeys(FIELDS, 0)
    status_right = tp = fp = fn = 0
    misses = []
    for row in rows:
        transcript = Transcript(
            lang=row["lang"], offer=row["offer"], messages=row["messages"], contact=row["contact"]
        )
        got, want = engine.qualify(transcript).as_labels(), row["expected"]
        for field in FIELDS:
            if _field(got, field) == _field(want, field):
                right[field] += 1
            else:
                misses.append(f"{row['id']} {field}: {_field(got, field)} != {_field(want, field)}")
        status_right += got["status"] == want["status"]
        predicted, labelled = got["disqualified"] is not None, want["disqualified"] is not None
        tp += predicted and labelled
        fp += predicted and not labelled
        fn += labelled and not predicted
    n = len(rows)
    return {
        "field_accuracy": sum(right.values()) / (len(FIELDS) * n),
        "status_accuracy": status_right / n,
        "disqualify_precision": tp / (tp + fp) if tp + fp else 1.0,
        "disqualify_recall": tp / (tp + fn) if tp + fn else 1.0,
        "n": n,
    }, misses


@pytest.mark.parametrize("name", ["dev.jsonl", "extra.jsonl"])
def test_offline_engine_meets_the_goals(name):
    result, misses = metrics(DATA / name)

    assert result["n"] >= 30
    assert result["field_accuracy"] >= 0.90, misses
    assert result["status_accuracy"] >= 0.90, misses
    assert result["disqualify_precision"] >= 0.97, misses
    assert result["disqualify_recall"] >= 0.90, misses
