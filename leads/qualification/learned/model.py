"""The trained models, loaded once per process, and what they read in one conversation.

The file is written by `manage.py train_qualifier` with skops (no pickle: loading it runs no
code) and versioned with the engine: its digest is part of the offline engine's version, so a
lead says which model qualified it.
"""

import functools
import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from skops import io as skops_io

from leads.qualification.base import Transcript
from leads.qualification.learned.features import conversation_document, sentence_document
from leads.qualification.text import Sentence

MODEL_PATH = Path(__file__).with_name("qualifier.skops")
# What the file may hold: scikit-learn's vectorizers and linear models, numpy and scipy arrays.
# Anything else in it is refused rather than loaded.
TRUSTED_MODULE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


NOT_DISQUALIFIED = "none"  # the disqualification head's label for a genuine prospect


@dataclass
class TrainedModels:
    vectorizer: object  # scikit-learn FeatureUnion of TfidfVectorizers
    heads: dict  # head name -> LogisticRegression
    # field -> LogisticRegression: is this sentence what the field's label rests on?
    evidence: dict
    trained_on: int  # conversations


class ModelFileError(RuntimeError):
    """The model file is missing or holds something other than the trained models."""


def models_save(models: TrainedModels, path: Path = MODEL_PATH) -> None:
    skops_io.dump(
        {
            "vectorizer": models.vectorizer,
            "heads": models.heads,
            "evidence": models.evidence,
            "trained_on": models.trained_on,
        },
        path,
        compression=zipfile.ZIP_DEFLATED,
        compresslevel=9,
    )


@functools.cache
def models_load(path: Path = MODEL_PATH) -> "LoadedModels":
    if not path.exists():
        raise ModelFileError(f"{path} is missing: run `manage.py train_qualifier`")
    untrusted = skops_io.get_untrusted_types(file=path)
    refused = [name for name in untrusted if not name.startswith(TRUSTED_MODULE_PREFIXES)]
    if refused:
        raise ModelFileError(f"{path} holds types that are not a model's: {refused}")
    stored = skops_io.load(path, trusted=untrusted)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    return LoadedModels(
        vectorizer=stored["vectorizer"],
        heads=stored["heads"],
        evidence=stored["evidence"],
        digest=digest,
    )


@dataclass
class LoadedModels:
    vectorizer: object
    heads: dict
    evidence: dict
    digest: str  # the file's, for the engine's version

    def read(
        self, transcript: Transcript, sentences: list[Sentence], signals: list[str]
    ) -> "LearnedReading":
        document = conversation_document(transcript, sentences, signals)
        features = self.vectorizer.transform([document])
        probabilities = {
            head: dict(zip(model.classes_, model.predict_proba(features)[0], strict=True))
            for head, model in self.heads.items()
        }
        return LearnedReading(self, sentences, probabilities)


@dataclass
class LearnedReading:
    """What the models make of one conversation: per head, each label's probability; and, on
    demand, the visitor's sentences that say it most."""

    models: LoadedModels
    sentences: list[Sentence]
    probabilities: dict[str, dict[str, float]]
    _sentence_features: object = field(default=None, repr=False)

    def best(self, head: str) -> tuple[str, float]:
        label, probability = max(self.probabilities[head].items(), key=lambda item: item[1])
        return str(label), float(probability)

    def probability(self, head: str, label: str) -> float:
        return float(self.probabilities[head].get(label, 0.0))

    def _sentences_features(self):
        if self._sentence_features is None:
            self._sentence_features = self.models.vectorizer.transform(
                [sentence_document(sentence) for sentence in self.sentences]
            )
        return self._sentence_features

    def evidence(self, head: str, label: str, *, at_most: int = 1) -> list[Sentence]:
        """The sentences the label rests on: those the field's evidence model rates highest
        (or, without one, that the head reads as `label` most strongly when read alone)."""
        if not self.sentences:
            return []
        if head in self.models.evidence:
            scores = self.evidence_scores(head)
        else:
            model = self.models.heads[head]
            column = list(model.classes_).index(label)
            scores = model.predict_proba(self._sentences_features())[:, column]
        order = np.argsort(-scores, kind="stable")[:at_most]
        return [self.sentences[i] for i in sorted(order)]

    def evidence_scores(self, head: str) -> np.ndarray:
        """Per visitor sentence, how likely the field's label rests on it (all 1.0 without an
        evidence model for the field: nothing to doubt a quote with)."""
        if head not in self.models.evidence or not self.sentences:
            return np.ones(len(self.sentences))
        model = self.models.evidence[head]
        column = list(model.classes_).index(True)
        return model.predict_proba(self._sentences_features())[:, column]
