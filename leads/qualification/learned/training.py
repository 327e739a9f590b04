"""Fitting the learned readings from labelled conversations (FORMAT.md).

One vectorizer (word 1-2-grams and character 2-5-grams of the tagged, folded text) is shared by
one logistic regression per head. Reproducible: the same files give the same model, byte for
byte (rows in id order, deterministic solver). `manage.py train_qualifier` is the command.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from leads.qualification.evaluation import LabelledConversation, evidence_supported
from leads.qualification.learned.features import conversation_document, sentence_document
from leads.qualification.learned.model import NOT_DISQUALIFIED, TrainedModels
from leads.qualification.offline import OfflineEngine

# What each head learns from a labelled conversation, and on which conversations: BANT is
# labelled for what was said even on a disqualified visitor, but a model of a buyer's authority
# learns from buyers (FORMAT.md scores BANT on genuine prospects only, for the same reason).
HEADS = {
    "disqualified": (lambda e: e["disqualified"] or NOT_DISQUALIFIED, False),
    "authority": (lambda e: e["authority"], True),
    "need": (lambda e: e["need"], True),
    "budget": (lambda e: e["budget"]["status"], True),
    "timing": (lambda e: e["timing"]["bucket"], True),
}
# Enough n-grams to hold the corpus's wordings, few enough for a model of a few MB.
MAX_WORD_FEATURES = 20_000
MAX_CHAR_FEATURES = 30_000
# Stronger regularisation than scikit-learn's default: a few hundred conversations, many
# n-grams; the model must read wordings it has not seen, not remember the ones it has.
REGULARISATION_C = 4.0


def vectorizer_new() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    token_pattern=r"(?u)\b\w+\b",
                    sublinear_tf=True,
                    max_features=MAX_WORD_FEATURES,
                    dtype=np.float32,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=MAX_CHAR_FEATURES,
                    dtype=np.float32,
                ),
            ),
        ]
    )


RULES = OfflineEngine(learned=False)


def training_document(row: LabelledConversation) -> str:
    """What the models read of a labelled conversation: what they will read in production."""
    ruled = RULES.rules_read(row.transcript)
    return conversation_document(row.transcript, ruled.sentences, ruled.signal_tokens())


def models_train(rows: list[LabelledConversation]) -> TrainedModels:
    rows = sorted(rows, key=lambda row: row.id)
    documents = [training_document(row) for row in rows]
    vectorizer = vectorizer_new()
    features = vectorizer.fit_transform(documents)
    for _, part in vectorizer.transformer_list:
        # numpy integers would be stored one file each: plain ints load in a fraction of it.
        part.vocabulary_ = {ngram: int(column) for ngram, column in part.vocabulary_.items()}
    heads = {}
    for head, (label_of, genuine_only) in HEADS.items():
        keep = [
            i
            for i, row in enumerate(rows)
            if not genuine_only or row.expected["disqualified"] is None
        ]
        labels = [label_of(rows[i].expected) for i in keep]
        model = LogisticRegression(
            C=REGULARISATION_C, class_weight="balanced", max_iter=5000, random_state=0
        )
        model.fit(features[keep], labels)
        # Half the size on disk, the same answers to the third decimal.
        model.coef_ = model.coef_.astype(np.float32)
        model.intercept_ = model.intercept_.astype(np.float32)
        heads[head] = model
    return TrainedModels(
        vectorizer=vectorizer,
        heads=heads,
        evidence=evidence_models_train(rows, vectorizer),
        trained_on=len(rows),
    )


EVIDENCE_FIELDS = ("disqualified", "budget", "authority", "need", "timing")


def evidence_models_train(rows: list[LabelledConversation], vectorizer) -> dict:
    """Per field, a model of "this sentence, read alone, is what the label rests on", learned
    from the conversations whose evidence is labelled: a sentence is a positive when it holds a
    labelled span or lies inside one (FORMAT.md's evidence_precision)."""
    models = {}
    for field in EVIDENCE_FIELDS:
        documents, labels = [], []
        for row in rows:
            spans = row.expected.get("evidence", {}).get(field)
            if not spans:
                continue
            for sentence in RULES.rules_read(row.transcript).sentences:
                documents.append(sentence_document(sentence))
                labels.append(evidence_supported(sentence.text, spans))
        if len(set(labels)) < 2:
            continue  # nothing labelled for this field: quotes fall back to the head's reading
        model = LogisticRegression(
            C=REGULARISATION_C, class_weight="balanced", max_iter=5000, random_state=0
        )
        model.fit(vectorizer.transform(documents), labels)
        model.coef_ = model.coef_.astype(np.float32)
        model.intercept_ = model.intercept_.astype(np.float32)
        models[field] = model
    return models
