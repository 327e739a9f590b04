"""`manage.py evaluate_qualifier`: a confusion summary, then FORMAT.md's metrics line, last.
No test here uses the database, and pytest-django refuses any query they would make."""

import json
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from leads.management.commands import evaluate_qualifier
from tests.fakes.openai_server import Reply
from tests.leads.qualification.evaluation_fixtures import (
    DEV_SET,
    TINY_ANSWERS,
    TINY_SET,
    FakeEngine,
    with_expected,
    write_jsonl,
)

METRICS_LINE = re.compile(
    r"field_accuracy=(\d\.\d{3}) status_accuracy=(\d\.\d{3}) "
    r"disqualify_precision=(\d\.\d{3}) disqualify_recall=(\d\.\d{3}) "
    r"evidence_precision=(\d\.\d{3}) n=(\d+)"
)
# A database nothing listens on: the command must not need one.
NO_DATABASE = "postgres://nobody@127.0.0.1:9/nothing"


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": NO_DATABASE}
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(evaluate_qualifier, "engine_get", lambda name: FakeEngine(TINY_ANSWERS))


def test_prints_the_metrics_line_last(fake_engine, tmp_path):
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)
    out = StringIO()

    call_command("evaluate_qualifier", str(path), stdout=out)

    last_line = out.getvalue().splitlines()[-1]
    assert last_line == (
        "field_accuracy=0.680 status_accuracy=0.600 disqualify_precision=0.667 "
        "disqualify_recall=0.667 evidence_precision=1.000 n=5"
    )


def test_writes_each_prediction_as_a_json_line(fake_engine, tmp_path):
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)
    predictions = tmp_path / "predictions.jsonl"

    call_command(
        "evaluate_qualifier", str(path), "--predictions", str(predictions), stdout=StringIO()
    )

    lines = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["c1", "c2", "c3", "c4", "c5"]
    assert lines[1]["predicted"]["disqualified"] == "spam"
    assert lines[0]["predicted"]["timing"] == {"bucket": "quarter"}
    assert set(lines[0]["predicted"]["evidence"]) == {
        "disqualified",
        "budget",
        "authority",
        "need",
        "timing",
    }


def test_prints_each_fields_confusion_and_wrong_ids(fake_engine, tmp_path):
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)
    out = StringIO()

    call_command("evaluate_qualifier", str(path), stdout=out)

    output = out.getvalue()
    assert "timing: 0.500 (1/2 right)" in output  # the two genuine prospects only
    assert "  wrong (1): c1" in output
    assert "disqualified: 0.400 (2/5 right)" in output
    assert "  wrong (3): c2, c3, c4" in output
    disqualified_table = output.split("disqualified: ")[1].split("\n\n")[0].splitlines()
    assert disqualified_table[1:6] == [
        "  expected \\ predicted  null  spam  student  vendor",
        "  null                     1     1        .       .",
        "  spam                     1     .        .       .",
        "  student                  .     .        .       1",
        "  vendor                   .     .        .       1",
    ]


def test_refuses_a_malformed_file_naming_the_line(fake_engine, tmp_path):
    broken = with_expected("c3", status="sql")
    path = write_jsonl(tmp_path / "broken.jsonl", [*TINY_SET[:2], broken])

    with pytest.raises(CommandError) as refused:
        call_command("evaluate_qualifier", str(path), stdout=StringIO())

    assert "line 3 (c3): expected.status: 'sql' but the FORMAT.md rule gives 'mql'" in str(
        refused.value
    )


def test_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("evaluate_qualifier", str(tmp_path / "absent.jsonl"), stdout=StringIO())


def test_refuses_an_unknown_engine(tmp_path):
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)

    with pytest.raises(CommandError, match="invalid choice: 'magic'"):
        call_command("evaluate_qualifier", str(path), "--engine", "magic", stdout=StringIO())


def test_exits_non_zero_on_a_malformed_file_without_a_database(tmp_path):
    path = write_jsonl(tmp_path / "broken.jsonl", ["{not json", *TINY_SET])

    result = manage("evaluate_qualifier", str(path))

    assert result.returncode == 1
    assert "line 1: invalid JSON" in result.stderr
    assert result.stdout == ""


def test_exits_non_zero_on_an_unknown_engine(tmp_path):
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)

    result = manage("evaluate_qualifier", str(path), "--engine", "magic")

    assert result.returncode != 0
    assert "argument --engine: invalid choice: 'magic'" in result.stderr


def test_offline_engine_on_the_development_set_without_a_database():
    result = manage("evaluate_qualifier", str(DEV_SET), "--engine", "offline")

    assert result.returncode == 0, result.stderr
    metrics = METRICS_LINE.fullmatch(result.stdout.splitlines()[-1])
    assert metrics is not None, result.stdout
    *rates, n = metrics.groups()
    assert int(n) == 60
    assert all(0.0 <= float(rate) <= 1.0 for rate in rates)


# --- --engine openai, against the local fake OpenAI server (conftest.py) ----------------------

# What the fake model answers for every conversation: nothing known, no disqualification.
NOTHING_KNOWN = {
    "disqualified": None,
    "disqualification_reason": "",
    "budget": {
        "status": "unknown",
        "amount": None,
        "currency": None,
        "period": None,
        "evidence": [],
        "confidence": 0.0,
    },
    **{
        box: {"value": "unknown", "evidence": [], "confidence": 0.0}
        for box in ("authority", "need", "timing")
    },
    "brief": {"problem": "", "impact": "", "stakes": "", "timeline": ""},
}


def test_scores_the_openai_engine(openai_fake, tmp_path):
    # Given a model that answers "nothing known" for every conversation
    openai_fake.replies = [Reply(content=NOTHING_KNOWN)]
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)
    out = StringIO()

    # When the command scores it
    call_command("evaluate_qualifier", str(path), "--engine", "openai", stdout=out)

    # Then each conversation was asked once, and its answers are what is scored: c1 (sql) is
    # wrong on every box (BANT: 1 of the 2 genuine prospects right), c3 to c5 are
    # disqualifications it missed.
    lines = out.getvalue().splitlines()
    assert len(openai_fake.requests) == len(TINY_SET)
    assert lines[0].startswith("openai engine on ")
    assert "fell back" not in out.getvalue()
    assert lines[-1] == (
        "field_accuracy=0.480 status_accuracy=0.200 disqualify_precision=1.000 "
        "disqualify_recall=0.000 evidence_precision=1.000 n=5"
    )


def test_the_openai_engine_reads_relative_times_from_the_conversations_date(openai_fake, tmp_path):
    # Given a labelled conversation held on 3 December 2025
    openai_fake.replies = [Reply(content=NOTHING_KNOWN)]
    dated = {**TINY_SET[0], "conversation_date": "2025-12-03"}
    path = write_jsonl(tmp_path / "dated.jsonl", [dated])

    # When the command scores the OpenAI engine on it
    call_command("evaluate_qualifier", str(path), "--engine", "openai", stdout=StringIO())

    # Then the model is told that day, not the day the command runs
    [request] = openai_fake.requests
    prompt = " ".join(str(m["content"]) for m in request.body["messages"])
    assert "Today's date: 2025-12-03" in prompt


def test_says_how_many_conversations_fell_back_to_offline(openai_fake, tmp_path):
    openai_fake.replies = [Reply(status=500)]
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)
    out = StringIO()

    call_command("evaluate_qualifier", str(path), "--engine", "openai", stdout=out)

    lines = out.getvalue().splitlines()
    assert (
        "fell back to the offline engine: 5 of 5 (server error 500: 5); "
        "the scores include its answers"
    ) in lines
    assert METRICS_LINE.fullmatch(lines[-1])


def test_refuses_the_openai_engine_without_a_key(settings, tmp_path):
    settings.OPENAI_API_KEY = ""
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY_SET)

    with pytest.raises(CommandError, match="needs OPENAI_API_KEY"):
        call_command("evaluate_qualifier", str(path), "--engine", "openai", stdout=StringIO())
