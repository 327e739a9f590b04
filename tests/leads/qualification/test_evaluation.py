"""Reading labelled conversations (FORMAT.md) and scoring an engine on them. No database."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from leads.qualification.evaluation import (
    EXPECTED_KEYS,
    DatasetError,
    dataset_errors,
    dataset_read,
    evaluate,
)
from tests.leads.qualification.evaluation_fixtures import (
    DEV_SET,
    TINY_ANSWERS,
    TINY_SET,
    FakeEngine,
    conversation,
    prediction,
    with_budget,
    with_expected,
    write_jsonl,
)

SHARED_VALIDATOR = Path(settings.BASE_DIR).parent / "shared" / "qualification" / "validate.py"


def without(key: str) -> dict:
    row = conversation("c3")
    del row[key]
    return row


# Each breaks line 3 of a file whose first two lines are valid, so the line number is checked.
MALFORMED_LINES = {
    "bad JSON": ('{"id": "c3", "lang": "en",', "line 3: invalid JSON: "),
    "not an object": ("[1, 2, 3]", "line 3: line is not a JSON object"),
    "blank line": ("   ", "line 3: blank line"),
    "missing key": (without("offer"), "line 3 (c3): top level: missing keys ['offer']"),
    "unexpected key": (
        conversation("c3", date="2025-01-01"),
        "line 3 (c3): top level: unexpected keys ['date']",
    ),
    "duplicate id": (conversation("c1"), "line 3 (c1): id: duplicate of line 1"),
    "unknown language": (conversation("c3", lang="de"), "lang: 'de' not in ['en', 'fr']"),
    "unknown label": (
        with_expected("c3", authority="ceo"),
        "line 3 (c3): expected.authority: 'ceo' not in ['decision_maker', 'influencer', "
        "'no_authority', 'unknown']",
    ),
    "unknown disqualification reason": (
        with_expected("c3", disqualified="competitor", status="disqualified"),
        "expected.disqualified: 'competitor' not null or one of",
    ),
    "unknown timing bucket": (
        with_expected("c3", timing={"bucket": "soon"}),
        "expected.timing.bucket: 'soon' not in",
    ),
    "status inconsistent with the rule": (
        with_expected("c3", status="sql"),
        "line 3 (c3): expected.status: 'sql' but the FORMAT.md rule gives 'mql'",
    ),
    "bad currency": (
        with_budget("c3", status="confirmed", amount=15000, currency="euros"),
        "line 3 (c3): expected.budget.currency: 'euros' must be null or an ISO 4217 code",
    ),
    "amount without currency": (
        with_budget("c3", status="confirmed", amount=15000),
        "line 3 (c3): expected.budget: amount given without a currency",
    ),
    "boolean amount": (
        with_budget("c3", amount=True, currency="EUR"),
        "expected.budget.amount: True must be a positive number or null",
    ),
    "unknown period": (
        with_budget("c3", period="week"),
        "expected.budget.period: 'week' not null or one of ['month', 'once', 'year']",
    ),
    "company size as text": (
        conversation("c3", contact={"company_size": "30"}),
        "contact.company_size: '30' must be a positive integer head count",
    ),
    "email without @": (
        conversation("c3", contact={"email": "ada.example.com"}),
        "contact.email: 'ada.example.com' has no @",
    ),
    "conversation date not a date": (
        conversation("c3", conversation_date="2025-02-30"),
        "line 3 (c3): conversation_date: '2025-02-30' must be a date as YYYY-MM-DD",
    ),
    "evidence not said by the visitor": (
        with_expected("c3", evidence={"need": ["What brings you here?"]}),
        "line 3 (c3): expected.evidence.need: 'What brings you here?' is not in any visitor "
        "message",
    ),
    "evidence for an unknown field": (
        with_expected("c3", evidence={"stakes": ["bad leads"]}),
        "line 3 (c3): expected.evidence: unexpected keys ['stakes']",
    ),
    "empty evidence": (
        with_expected("c3", evidence={"need": []}),
        "line 3 (c3): expected.evidence.need: must be a non-empty list of quotes",
    ),
    "no visitor message": (
        conversation("c3", messages=[{"role": "assistant", "text": "Hello?"}]),
        "line 3 (c3): messages: no visitor message",
    ),
    "unknown role": (
        conversation("c3", messages=[{"role": "user", "text": "Hi"}]),
        "messages[0].role: 'user' not in ['assistant', 'visitor']",
    ),
}


@pytest.fixture(params=sorted(MALFORMED_LINES))
def malformed_file(request, tmp_path):
    line, message = MALFORMED_LINES[request.param]
    path = write_jsonl(tmp_path / "broken.jsonl", [conversation("c1"), conversation("c2"), line])
    return path, message


def test_the_development_set_is_valid():
    rows = dataset_read(DEV_SET)

    assert len(rows) == 60
    assert len({row.id for row in rows}) == 60
    first = rows[0]
    assert first.id == "dev-fr-001"
    assert first.transcript.lang == "fr"
    assert first.transcript.visitor_lines[0].startswith("je fais de la veille")
    assert first.expected["disqualified"] == "curious"


def test_a_conversation_date_is_the_day_relative_times_are_read_from(tmp_path):
    path = write_jsonl(
        tmp_path / "dated.jsonl", [conversation("c1", conversation_date="2025-12-03")]
    )

    [row] = dataset_read(path)

    assert row.transcript.today == date(2025, 12, 3)


def test_without_a_conversation_date_the_engine_chooses_the_day(tmp_path):
    [row] = dataset_read(write_jsonl(tmp_path / "undated.jsonl", [conversation("c1")]))

    assert row.transcript.today is None


def test_labelled_evidence_is_kept_with_the_labels(tmp_path):
    path = write_jsonl(
        tmp_path / "e.jsonl", [with_expected("c1", evidence={"need": ["bad leads"]})]
    )

    [row] = dataset_read(path)

    assert row.expected["evidence"] == {"need": ["bad leads"]}


def test_a_malformed_line_is_refused_with_its_number_and_problem(malformed_file):
    path, message = malformed_file

    with pytest.raises(DatasetError) as refused:
        dataset_read(path)

    header, *errors = str(refused.value).splitlines()
    assert header.startswith(f"{path}: ")
    assert any(message in error for error in errors)
    assert all(error.startswith("line 3") for error in errors)


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="file has no conversations"):
        dataset_read(write_jsonl(tmp_path / "empty.jsonl", []))


def test_every_bad_line_is_reported_not_only_the_first(tmp_path):
    path = write_jsonl(
        tmp_path / "two-bad.jsonl",
        [with_expected("c1", need="maybe"), conversation("c2"), "{oops"],
    )

    assert dataset_errors(path) == [
        "line 1 (c1): expected.need: 'maybe' not in ['identified', 'none', 'unknown']",
        "line 3: invalid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
    ]


def shared_validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, str(SHARED_VALIDATOR), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(
    not SHARED_VALIDATOR.exists(), reason=f"{SHARED_VALIDATOR} is absent (a clone without shared/)"
)
def test_the_shared_validator_finds_the_same_errors(malformed_file):
    path, _ = malformed_file

    shared = shared_validate(path)

    assert shared.returncode == 1
    *shared_errors, summary = shared.stdout.splitlines()
    assert summary == f"errors={len(shared_errors)}"
    assert dataset_errors(path) == shared_errors


@pytest.mark.skipif(
    not SHARED_VALIDATOR.exists(), reason=f"{SHARED_VALIDATOR} is absent (a clone without shared/)"
)
def test_the_shared_validator_accepts_the_development_set_too():
    shared = shared_validate(DEV_SET)

    assert shared.stdout.strip() == "ok n=60"
    assert dataset_errors(DEV_SET) == []


# --- Scoring --------------------------------------------------------------------------------


@pytest.fixture
def tiny_rows(tmp_path):
    return dataset_read(write_jsonl(tmp_path / "tiny.jsonl", TINY_SET))


def test_metrics_on_a_tiny_set_with_known_mistakes(tiny_rows):
    report = evaluate(FakeEngine(TINY_ANSWERS), tiny_rows)

    assert report.n == 5
    # BANT on the two genuine prospects (c1, c2) only; disqualified and status on all five.
    assert report.accuracy("budget") == 1.0
    assert report.accuracy("authority") == 0.5
    assert report.accuracy("need") == 1.0
    assert report.accuracy("timing") == 0.5
    assert report.accuracy("disqualified") == pytest.approx(0.4)
    assert report.field_accuracy == pytest.approx((1 + 0.5 + 1 + 0.5 + 0.4) / 5)
    assert report.status_accuracy == pytest.approx(0.6)  # c2 and c4
    # Predicted disqualified: c2 (wrongly), c3, c5; expected: c3, c4, c5.
    assert report.disqualify_precision == pytest.approx(2 / 3)
    assert report.disqualify_recall == pytest.approx(2 / 3)
    assert report.metrics_line() == (
        "field_accuracy=0.680 status_accuracy=0.600 disqualify_precision=0.667 "
        "disqualify_recall=0.667 evidence_precision=1.000 n=5"
    )


def test_wrong_ids_and_confusion_per_field(tiny_rows):
    report = evaluate(FakeEngine(TINY_ANSWERS), tiny_rows)

    assert report.wrong["timing"] == ["c1"]
    assert report.wrong["authority"] == ["c2"]
    assert report.wrong["disqualified"] == ["c2", "c3", "c4"]
    assert report.wrong["status"] == ["c2", "c4"]
    assert report.wrong["budget"] == []
    assert report.confusion["timing"] == {("now", "quarter"): 1, ("unknown", "unknown"): 1}
    assert report.confusion["disqualified"] == {
        (None, None): 1,
        (None, "spam"): 1,
        ("student", "vendor"): 1,
        ("spam", None): 1,
        ("vendor", "vendor"): 1,
    }


def test_precision_is_one_when_nobody_is_disqualified(tiny_rows):
    report = evaluate(FakeEngine(dict.fromkeys(TINY_ANSWERS, prediction())), tiny_rows)

    assert report.disqualify_precision == 1.0  # no genuine prospect turned away
    assert report.disqualify_recall == 0.0  # but all three missed


def test_recall_is_one_when_nobody_should_be_disqualified(tmp_path):
    rows = dataset_read(write_jsonl(tmp_path / "genuine.jsonl", [conversation("c1")]))

    report = evaluate(FakeEngine({"c1": prediction()}), rows)

    assert (report.disqualify_precision, report.disqualify_recall) == (1.0, 1.0)
    assert report.metrics_line() == (
        "field_accuracy=1.000 status_accuracy=1.000 disqualify_precision=1.000 "
        "disqualify_recall=1.000 evidence_precision=1.000 n=1"
    )


def test_disqualifying_every_genuine_prospect_has_no_precision(tmp_path):
    rows = dataset_read(write_jsonl(tmp_path / "genuine.jsonl", [conversation("c1")]))

    report = evaluate(FakeEngine({"c1": prediction(disqualified="spam")}), rows)

    assert report.disqualify_precision == 0.0
    assert report.disqualify_recall == 1.0


def test_bant_is_not_scored_on_a_disqualified_conversation(tmp_path):
    rows = dataset_read(
        write_jsonl(tmp_path / "dq.jsonl", [conversation("c1", disqualified="student")])
    )
    wrong_bant = prediction(
        disqualified="student", budget="none", authority="influencer", status="disqualified"
    )

    report = evaluate(FakeEngine({"c1": wrong_bant}), rows)

    assert report.scored["authority"] == 0
    assert report.wrong["authority"] == []
    assert report.accuracy("authority") == 1.0  # nothing scored, nothing wrong
    assert report.field_accuracy == 1.0


def quoting(qualification, **quotes):
    for field, sentences in quotes.items():
        if field == "disqualified":
            qualification.disqualification_evidence = sentences
        else:
            getattr(qualification, field).evidence = sentences
    return qualification


def said(id_, visitor_text, *, evidence, **labels):
    """A one-message conversation whose labels quote the visitor's words as evidence."""
    row = conversation(id_, messages=[{"role": "visitor", "text": visitor_text}], **labels)
    row["expected"]["evidence"] = evidence
    return row


EVIDENCED = [
    said(
        "e1",
        "We lose hours on bad leads. I sign.",
        need="identified",
        evidence={"need": ["We lose hours on bad leads"], "authority": ["I sign"]},
    ),
    said(
        "e2",
        "hi are you hiring? my CV is ready",
        disqualified="job_seeker",
        evidence={"disqualified": ["are you hiring"]},
    ),
]


def test_evidence_precision_counts_quotes_inside_or_around_a_labelled_span(tmp_path):
    rows = dataset_read(write_jsonl(tmp_path / "evidence.jsonl", EVIDENCED))
    answers = {
        # Need right: one quote around the span (supported), one elsewhere (not supported).
        "e1": quoting(
            prediction(need="identified"),
            need=["We lose hours on bad leads.", "my CV is ready"],
            # Authority right (unknown, as labelled): its quote is checked too.
            authority=["I sign."],
        ),
        # Disqualified right; the quote lies inside the labelled span.
        "e2": quoting(
            prediction(disqualified="job_seeker", status="disqualified"),
            disqualified=["hiring"],
        ),
    }

    report = evaluate(FakeEngine(answers), rows)

    assert (report.evidence_quotes, report.evidence_supported) == (4, 3)
    assert report.evidence_precision == pytest.approx(0.75)
    assert "evidence_precision=0.750" in report.metrics_line()


def test_quotes_on_a_wrong_field_do_not_count_toward_evidence_precision(tmp_path):
    rows = dataset_read(write_jsonl(tmp_path / "evidence.jsonl", EVIDENCED[:1]))
    wrong_need = quoting(prediction(need="none"), need=["I sign."])

    report = evaluate(FakeEngine({"e1": wrong_need}), rows)

    assert report.evidence_quotes == 0
    assert report.evidence_precision == 1.0


def test_each_prediction_is_kept_in_the_expected_shape_with_its_quotes(tiny_rows):
    predictions = []
    answers = dict(TINY_ANSWERS)
    answers["c5"] = quoting(
        prediction(disqualified="vendor", status="disqualified"), disqualified=["we sell SEO"]
    )

    evaluate(FakeEngine(answers), tiny_rows, predictions=predictions)

    assert [p.id for p in predictions] == ["c1", "c2", "c3", "c4", "c5"]
    line = json.loads(predictions[-1].as_json_line())
    assert line["id"] == "c5"
    assert line["predicted"]["disqualified"] == "vendor"
    assert line["predicted"]["evidence"]["disqualified"] == ["we sell SEO"]
    assert set(line["predicted"]) == {*EXPECTED_KEYS, "evidence"}


def test_an_engine_failure_names_the_conversation(tiny_rows):
    class BrokenEngine(FakeEngine):
        name = "broken"

        def qualify(self, transcript):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError) as failed:
        evaluate(BrokenEngine({}), tiny_rows)

    assert "while the broken engine qualified conversation 'c1'" in failed.value.__notes__


def test_nothing_to_evaluate_is_an_error():
    with pytest.raises(ValueError, match="No labelled conversations"):
        evaluate(FakeEngine({}), [])


def test_calibration_counts_how_often_bant_findings_at_each_confidence_are_right(tmp_path):
    rows = dataset_read(write_jsonl(tmp_path / "c.jsonl", [conversation("c1", need="identified")]))
    answer = prediction(need="identified", authority="influencer")
    answer.need.confidence = 0.95  # right
    answer.authority.confidence = 0.75  # wrong: the label is unknown

    report = evaluate(FakeEngine({"c1": answer}), rows)

    assert report.calibration["90 % +"] == [1, 1]
    assert report.calibration["70-89 %"] == [1, 0]
    assert report.calibration["under 50 %"] == [2, 2]  # budget and timing: unknown, at 0.0
