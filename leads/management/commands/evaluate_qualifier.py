"""Score a qualification engine on labelled conversations (`shared/qualification/FORMAT.md`).

    python manage.py evaluate_qualifier FILE.jsonl [--engine offline|openai]
        [--predictions OUT.jsonl]

Prints, per field, how often the engine is right, what it answered for each expected label and
which conversations it got wrong, and how many conversations fell back to the offline engine
(openai, when the API failed); the last line is FORMAT.md's metrics line:
`field_accuracy=… status_accuracy=… disqualify_precision=… disqualify_recall=…
evidence_precision=… n=…`. Budget, authority, need and timing are scored on the genuine prospects
only. `--predictions` writes each conversation's prediction (FORMAT.md's `expected` shape plus
the quoted evidence) as JSON Lines, so that anyone can score the engine independently.
"""

from django.core.management.base import BaseCommand, CommandError

from leads.qualification.base import (
    AUTHORITIES,
    BUDGET_STATUSES,
    DISQUALIFICATION_REASONS,
    NEEDS,
    STATUSES,
    TIMING_BUCKETS,
)
from leads.qualification.engines import ENGINE_NAMES, engine_get
from leads.qualification.evaluation import (
    CONFIDENCE_BANDS,
    SCORED,
    DatasetError,
    Report,
    dataset_read,
    evaluate,
)

# Rows and columns of each confusion table, in this order (labels that never occur are left out).
LABEL_ORDER = {
    "budget": BUDGET_STATUSES,
    "authority": AUTHORITIES,
    "need": NEEDS,
    "timing": TIMING_BUCKETS,
    "disqualified": (None, *DISQUALIFICATION_REASONS),
    "status": STATUSES,
}
# Enough ids to open the worst cases; the rest are counted.
MAX_WRONG_IDS_SHOWN = 12


class Command(BaseCommand):
    help = (
        "Score a qualification engine on a FORMAT.md JSONL file; the last line is the metrics "
        "line. Needs no database."
    )
    # It reads a file and runs an engine: no system checks, and nothing here queries the database.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE.jsonl", help="labelled conversations")
        parser.add_argument(
            "--engine",
            choices=ENGINE_NAMES,
            default="offline",
            help="offline (default) or openai (needs OPENAI_API_KEY)",
        )
        parser.add_argument(
            "--predictions",
            metavar="OUT.jsonl",
            help='write {"id", "predicted"} per conversation, one JSON object a line',
        )

    def handle(self, *args, path, engine, predictions, **options):
        try:
            rows = dataset_read(path)
        except (OSError, DatasetError) as e:
            raise CommandError(str(e)) from e
        try:
            chosen = engine_get(engine)
        except ValueError as e:  # an engine that cannot run here, e.g. openai without a key
            raise CommandError(str(e)) from e
        predicted = [] if predictions else None
        report = evaluate(chosen, rows, predictions=predicted)
        if predictions:
            with open(predictions, "w", encoding="utf-8") as out:
                out.writelines(prediction.as_json_line() + "\n" for prediction in predicted)
        self.stdout.write(f"{engine} engine on {path}: {report.n} conversations")
        for field in SCORED:
            self.stdout.write("\n" + confusion_summary(report, field))
        if report.calibration:
            self.stdout.write("\n" + calibration_summary(report))
        if report.fallbacks:
            self.stdout.write("\n" + fallback_summary(report))
        self.stdout.write("\n" + report.metrics_line())


def calibration_summary(report: Report) -> str:
    """How often BANT findings at each confidence are right (genuine prospects only)."""
    lines = ["confidence of BANT findings (genuine prospects): how often right"]
    for _, band in CONFIDENCE_BANDS:
        if band in report.calibration:
            n, right = report.calibration[band]
            lines.append(f"  {band:>10}: {right / n:.3f} ({right}/{n})")
    return "\n".join(lines)


def fallback_summary(report: Report) -> str:
    """How many conversations another engine answered, and why: the scores above include them."""
    total = sum(report.fallbacks.values())
    reasons = ", ".join(f"{reason}: {count}" for reason, count in report.fallbacks.most_common())
    return (
        f"fell back to the offline engine: {total} of {report.n} ({reasons}); "
        "the scores include its answers"
    )


def confusion_summary(report: Report, field: str) -> str:
    """The field's accuracy, its expected x predicted table and the ids it got wrong."""
    confusion = report.confusion[field]
    scored = report.scored[field]
    right = scored - len(report.wrong[field])
    occurring = {label for pair in confusion for label in pair}
    labels = [label for label in LABEL_ORDER[field] if label in occurring]
    labels += sorted((occurring - set(labels)), key=str)  # anything outside FORMAT.md's labels
    names = ["null" if label is None else str(label) for label in labels]

    first_width = max(len("expected \\ predicted"), *map(len, names))
    widths = [max(len(name), 3) for name in names]
    lines = [f"{field}: {report.accuracy(field):.3f} ({right}/{scored} right)"]
    header = "  " + "expected \\ predicted".ljust(first_width)
    lines.append(header + "".join(f"  {name:>{w}}" for name, w in zip(names, widths, strict=True)))
    for expected, name in zip(labels, names, strict=True):
        cells = [confusion[expected, predicted] or "." for predicted in labels]
        row = "".join(f"  {cell:>{w}}" for cell, w in zip(cells, widths, strict=True))
        lines.append("  " + name.ljust(first_width) + row)
    wrong = report.wrong[field]
    if wrong:
        shown = ", ".join(wrong[:MAX_WRONG_IDS_SHOWN])
        hidden = len(wrong) - MAX_WRONG_IDS_SHOWN
        more = f" (+{hidden} more)" if hidden > 0 else ""
        lines.append(f"  wrong ({len(wrong)}): {shown}{more}")
    return "\n".join(lines)
