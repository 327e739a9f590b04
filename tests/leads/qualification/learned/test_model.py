"""The trained models: their probabilities are scikit-learn's, their file holds arrays only, and
the committed file is what the committed corpus trains."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from leads.qualification.learned.features import SparseRow
from leads.qualification.learned.model import (
    HEADS,
    MODEL_PATH,
    LinearModel,
    ModelFileError,
    models_load,
    models_save,
)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_probabilities_are_scikit_learns(n_classes):
    rng = np.random.default_rng(0)
    features = rng.random((40, 6))
    labels = [str(i % n_classes) for i in range(40)]
    estimator = LogisticRegression().fit(features, labels)
    model = LinearModel.from_estimator(estimator)
    rows = [SparseRow(np.arange(6), row) for row in features[:5]]

    np.testing.assert_allclose(
        model.probabilities(rows), estimator.predict_proba(features[:5]), rtol=1e-5
    )
    assert model.classes == [str(i) for i in range(n_classes)]


def test_the_committed_file_loads_with_every_head():
    models = models_load()

    assert set(models.heads) == set(HEADS)
    assert "none" in models.heads["disqualified"].classes
    assert models.trained_on > 300
    assert MODEL_PATH.stat().st_size < 5_000_000  # "a few MB at most"


def test_a_saved_model_reads_back_the_same(tmp_path):
    models = models_load()
    path = tmp_path / "copy.npz"

    models_save(models, path)
    copy = models_load(path)

    assert copy.featurizer.vocabularies == models.featurizer.vocabularies
    for head in HEADS:
        np.testing.assert_array_equal(copy.heads[head].coef, models.heads[head].coef)


def test_a_file_holding_python_objects_is_refused(tmp_path):
    # np.load(allow_pickle=False): an object array would run code when unpickled.
    path = tmp_path / "pickled.npz"
    np.savez(path, word_vocabulary=np.array([{"a": 1}], dtype=object))

    with pytest.raises(ValueError, match="allow_pickle"):
        models_load(path)


def test_a_missing_file_says_how_to_make_it(tmp_path):
    with pytest.raises(ModelFileError, match="train_qualifier"):
        models_load(tmp_path / "absent.npz")
