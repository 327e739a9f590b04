"""Train the offline engine's learned readings from labelled conversations (FORMAT.md).

    python manage.py train_qualifier [FILE.jsonl ...]

Without files, trains on the training corpus: tests/data/qualification/dev.jsonl, extra.jsonl
and every train*.jsonl (never on test.jsonl, the frozen test set). Writes
leads/qualification/learned/qualifier.npz; the same files give the same model. Needs no database.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leads.qualification.evaluation import DatasetError, dataset_read
from leads.qualification.learned.model import MODEL_PATH, models_save
from leads.qualification.learned.training import models_train

CORPUS = Path(settings.BASE_DIR) / "tests" / "data" / "qualification"
TRAINING_FILES = ("dev.jsonl", "extra.jsonl", "train*.jsonl")
FROZEN_TEST_SET = "test.jsonl"


class Command(BaseCommand):
    help = "Train the offline engine's learned readings; writes " + MODEL_PATH.name
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="FILE.jsonl")
        parser.add_argument(
            "--output", default=str(MODEL_PATH), help=f"where to write (default {MODEL_PATH})"
        )

    def handle(self, *args, paths, output, **options):
        if not paths:
            paths = [
                str(path) for pattern in TRAINING_FILES for path in sorted(CORPUS.glob(pattern))
            ]
        if any(Path(path).name == FROZEN_TEST_SET for path in paths):
            raise CommandError(f"{FROZEN_TEST_SET} is the frozen test set: never trained on.")
        rows = []
        try:
            for path in paths:
                rows += dataset_read(path)
        except (OSError, DatasetError) as e:
            raise CommandError(str(e)) from e
        models = models_train(rows)
        models_save(models, Path(output))
        size = Path(output).stat().st_size
        self.stdout.write(
            f"trained on {models.trained_on} conversations from {len(paths)} file(s); "
            f"wrote {output} ({size / 1e6:.1f} MB)"
        )
