"""Fitting the learned readings from labelled conversations (FORMAT.md).

One vocabulary (word 1-2-grams and character 2-5-grams of the tagged, folded lines, features.py)
is shared by one logistic regression per head and one per evidence field. Reproducible: the same
files give the same models (rows in id order, deterministic solver).
`manage.py train_qualifier` is the command.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from leads.qualification.evaluation import LabelledConversation, evidence_supported
from leads.qualification.learned.features import (
    CHAR_ANALYSER,
    WORD_ANALYSER,
    Featurizer,
    conversation_lines,
    sentence_line,
)
from leads.qualification.learned.model import (
    EVIDENCE_FIELDS,
    NOT_DISQUALIFIED,
    LinearModel,
    Models,
)
from leads.qualification.offline import OfflineEngine

# What each head learns from a labelled conversation, and whether from buyers only: BANT is
# labelled for what was said even by a disqualified visitor, but a model of a buyer's authority
# learns from buyers (FORMAT.md scores BANT on genuine prospects only, for the same reason).
HEAD_LABELS = {
    "disqualified": (lambda e: e["disqualified"] or NOT_DISQUALIFIED, False),
    "authority": (lambda e: e["authority"], True),
    "need": (lambda e: e["need"], True),
    "budget": (lambda e: e["budget"]["status"], True),
    "timing": (lambda e: e["timing"]["bucket"], True),
}
# Enough n-grams to hold the corpus's wordings, few enough for a model of a few MB.
MAX_WORD_FEATURES = 20_000
MAX_CHAR_FEATURES = 30_000
# The model must read wordings it has not seen, not remember the ones it has: a few hundred
# conversations, tens of thousands of n-grams. Chosen out of fold on train.jsonl (each fold
# read by models trained without it, 874 conversations in all): C=1 field 0.850 status 0.822,
# C=4 0.862 / 0.856, C=10 0.861 / 0.851, C=25 0.865 / 0.861; 4 for the smaller weights at
# nearly the same figures.
REGULARISATION_C = 4.0

RULES = OfflineEngine(learned=False)


def _lines(row: LabelledConversation) -> tuple[list[str], list[str]]:
    """A labelled conversation's sentence lines and its other lines, as production reads them."""
    ruled = RULES.rules_read(row.transcript)
    return (
        [sentence_line(s) for s in ruled.sentences],
        conversation_lines(row.transcript, ruled.signal_tokens()),
    )


def featurizer_fit(documents: list[list[str]]) -> Featurizer:
    """The vocabulary and idf weights of each analyser, over documents given as lines."""
    vocabularies, idfs = [], []
    for params, max_features, min_df in (
        (WORD_ANALYSER, MAX_WORD_FEATURES, 1),
        (CHAR_ANALYSER, MAX_CHAR_FEATURES, 2),
    ):
        analyse = TfidfVectorizer(**params).build_analyzer()
        vectorizer = TfidfVectorizer(
            analyzer=lambda lines, analyse=analyse: [g for line in lines for g in analyse(line)],
            sublinear_tf=True,
            max_features=max_features,
            min_df=min_df,
        )
        vectorizer.fit(documents)
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        vocabularies.append(vocabulary)
        idfs.append(vectorizer.idf_.astype(np.float64))
    return Featurizer(tuple(vocabularies), tuple(idfs))


CLASS_WEIGHT = "balanced"


def _regression(features, labels) -> LinearModel:
    estimator = LogisticRegression(
        C=REGULARISATION_C, class_weight=CLASS_WEIGHT, max_iter=5000, random_state=0
    )
    estimator.fit(features, labels)
    return LinearModel.from_estimator(estimator)


def models_train(rows: list[LabelledConversation]) -> Models:
    rows = sorted(rows, key=lambda row: row.id)
    lines = [_lines(row) for row in rows]
    featurizer = featurizer_fit([sentences + others for sentences, others in lines])
    features = featurizer.matrix(
        featurizer.vectors(
            [featurizer.joined([featurizer.line_counts(line) for line in s + o]) for s, o in lines]
        )
    )
    heads = {}
    for head, (label_of, buyers_only) in HEAD_LABELS.items():
        keep = [
            i for i, row in enumerate(rows) if not buyers_only or not row.expected["disqualified"]
        ]
        heads[head] = _regression(features[keep], [label_of(rows[i].expected) for i in keep])
    evidence = {}
    for field in EVIDENCE_FIELDS:
        sentence_lines, labels = [], []
        for row in rows:
            spans = row.expected.get("evidence", {}).get(field)
            if not spans:
                continue
            for sentence in RULES.rules_read(row.transcript).sentences:
                sentence_lines.append(sentence_line(sentence))
                # A sentence is what the label rests on when it holds a labelled span or lies
                # inside one (FORMAT.md's evidence_precision).
                labels.append(str(evidence_supported(sentence.text, spans)))
        if len(set(labels)) == 2:
            rows_of = featurizer.matrix(
                featurizer.vectors([featurizer.line_counts(line) for line in sentence_lines])
            )
            evidence[field] = _regression(rows_of, labels)
    return Models(featurizer=featurizer, heads=heads, evidence=evidence, trained_on=len(rows))
