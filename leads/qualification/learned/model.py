"""The trained models, loaded once per process, and what they read in one conversation.

The file (`qualifier.npz`) is written by `manage.py train_qualifier` and versioned with the
engine. It holds arrays only (vocabularies, idf weights, each model's coefficients) and is read
with numpy's `allow_pickle=False`: loading it runs no code.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from leads.qualification.base import Transcript
from leads.qualification.learned.features import Featurizer, SparseRow
from leads.qualification.text import Sentence

MODEL_PATH = Path(__file__).with_name("qualifier.npz")
NOT_DISQUALIFIED = "none"  # the disqualification head's label for a genuine prospect
# The conversation-level heads, and the fields whose quotes an evidence model checks.
HEADS = ("disqualified", "authority", "need", "budget", "timing")
EVIDENCE_FIELDS = ("disqualified", "budget", "authority", "need", "timing")


class ModelFileError(RuntimeError):
    """The model file is missing or not one train_qualifier wrote."""


@dataclass
class LinearModel:
    """A logistic regression's coefficients: softmax over classes, or a sigmoid for two."""

    classes: list[str]
    coef: np.ndarray  # features x classes (one column for two classes)
    intercept: np.ndarray

    @classmethod
    def from_estimator(cls, estimator) -> "LinearModel":
        return cls(
            classes=[str(c) for c in estimator.classes_],
            coef=np.ascontiguousarray(estimator.coef_.T, dtype=np.float32),
            intercept=estimator.intercept_.astype(np.float32),
        )

    def probabilities(self, rows: list[SparseRow]) -> np.ndarray:
        """rows x classes, as scikit-learn's predict_proba gives them."""
        scores = np.array(
            [row.weights @ self.coef[row.columns] for row in rows], dtype=np.float64
        ).reshape(len(rows), self.coef.shape[1])
        scores += self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class Models:
    featurizer: Featurizer
    heads: dict[str, LinearModel]
    # field -> is this sentence what the field's label rests on? (classes "False", "True")
    evidence: dict[str, LinearModel]
    trained_on: int
    digest: str = ""  # the file's, to tell one model from another

    def read(
        self, transcript: Transcript, sentences: list[Sentence], signals: list[str]
    ) -> "LearnedReading":
        conversation, per_sentence = self.featurizer.read(transcript, sentences, signals)
        probabilities = {
            head: dict(zip(model.classes, model.probabilities([conversation])[0], strict=True))
            for head, model in self.heads.items()
        }
        return LearnedReading(self, sentences, per_sentence, probabilities)


def models_save(models: Models, path: Path = MODEL_PATH) -> None:
    arrays = {
        "word_vocabulary": np.array(models.featurizer.vocabularies[0]),
        "char_vocabulary": np.array(models.featurizer.vocabularies[1]),
        "word_idf": models.featurizer.idfs[0],
        "char_idf": models.featurizer.idfs[1],
        "trained_on": np.array(models.trained_on),
    }
    for prefix, group in (("head", models.heads), ("evidence", models.evidence)):
        for name, model in group.items():
            arrays[f"{prefix}.{name}.classes"] = np.array(model.classes)
            arrays[f"{prefix}.{name}.coef"] = model.coef
            arrays[f"{prefix}.{name}.intercept"] = model.intercept
    with open(path, "wb") as out:
        np.savez_compressed(out, **arrays)


@functools.cache
def models_load(path: Path = MODEL_PATH) -> Models:
    if not path.exists():
        raise ModelFileError(f"{path} is missing: run `manage.py train_qualifier`")
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}

    def linear(prefix: str, name: str) -> LinearModel:
        return LinearModel(
            classes=[str(c) for c in arrays[f"{prefix}.{name}.classes"]],
            coef=arrays[f"{prefix}.{name}.coef"],
            intercept=arrays[f"{prefix}.{name}.intercept"],
        )

    featurizer = Featurizer(
        (arrays["word_vocabulary"].tolist(), arrays["char_vocabulary"].tolist()),
        (arrays["word_idf"], arrays["char_idf"]),
    )
    return Models(
        featurizer=featurizer,
        heads={name: linear("head", name) for name in HEADS},
        evidence={
            name: linear("evidence", name)
            for name in EVIDENCE_FIELDS
            if f"evidence.{name}.coef" in arrays
        },
        trained_on=int(arrays["trained_on"]),
        digest=hashlib.sha256(path.read_bytes()).hexdigest()[:12],
    )


@dataclass
class LearnedReading:
    """What the models make of one conversation: per head, each label's probability; and, on
    demand, the visitor's sentences the label rests on."""

    models: Models
    sentences: list[Sentence]
    sentence_rows: object = field(repr=False)
    probabilities: dict[str, dict[str, float]] = field(default_factory=dict)
    _evidence_scores: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def best(self, head: str) -> tuple[str, float]:
        label, probability = max(self.probabilities[head].items(), key=lambda item: item[1])
        return label, float(probability)

    def probability(self, head: str, label: str) -> float:
        return float(self.probabilities[head].get(label, 0.0))

    def evidence(self, head: str, label: str, *, at_most: int = 1) -> list[Sentence]:
        """The sentences the label rests on: those the field's evidence model rates highest
        (or, without one, that the head reads as `label` most strongly when read alone)."""
        if not self.sentences:
            return []
        if head in self.models.evidence:
            scores = self.evidence_scores(head)
        else:
            model = self.models.heads[head]
            scores = model.probabilities(self.sentence_rows)[:, model.classes.index(label)]
        order = np.argsort(-scores, kind="stable")[:at_most]
        return [self.sentences[i] for i in sorted(order)]

    def evidence_scores(self, head: str) -> np.ndarray:
        """Per visitor sentence, how likely the field's label rests on it (all 1.0 without an
        evidence model for the field: nothing to doubt a quote with)."""
        if head not in self.models.evidence or not self.sentences:
            return np.ones(len(self.sentences))
        if head not in self._evidence_scores:
            model = self.models.evidence[head]
            self._evidence_scores[head] = model.probabilities(self.sentence_rows)[:, 1]
        return self._evidence_scores[head]
