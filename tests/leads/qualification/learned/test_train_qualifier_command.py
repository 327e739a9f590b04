"""`manage.py train_qualifier`: trains from the labelled corpus, never from the frozen test set,
and the committed model is what the committed corpus gives."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from leads.qualification.evaluation import dataset_read
from leads.qualification.learned.model import HEADS, models_load
from leads.qualification.offline import OfflineEngine
from tests.leads.qualification.evaluation_fixtures import DEV_SET


def test_refuses_to_train_on_the_frozen_test_set(tmp_path):
    with pytest.raises(CommandError, match="frozen test set"):
        call_command(
            "train_qualifier",
            str(DEV_SET.with_name("test.jsonl")),
            "--output",
            str(tmp_path / "m.npz"),
        )


def test_the_committed_model_is_what_the_committed_corpus_trains(tmp_path):
    # Given the corpus as committed, when the command trains on it from scratch
    out = tmp_path / "retrained.npz"
    call_command("train_qualifier", "--output", str(out), stdout=StringIO())

    # Then it reads conversations as the committed model does: a corpus change without a
    # retrained model (or the reverse) fails here.
    committed, retrained = models_load(), models_load(out)
    assert retrained.trained_on == committed.trained_on
    rules = OfflineEngine(learned=False)
    for row in dataset_read(DEV_SET)[:20]:
        ruled = rules.rules_read(row.transcript)
        signals = ruled.signal_tokens()
        a = committed.read(row.transcript, ruled.sentences, signals).probabilities
        b = retrained.read(row.transcript, ruled.sentences, signals).probabilities
        for head in HEADS:
            np.testing.assert_allclose(
                [a[head][label] for label in sorted(a[head])],
                [b[head][label] for label in sorted(b[head])],
                atol=1e-5,
            )
