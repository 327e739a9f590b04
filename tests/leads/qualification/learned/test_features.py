"""The learned readings' features: the same tf-idf weights as scikit-learn's TfidfVectorizer,
computed per line, and the topic a sentence answers as a word of its own."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from leads.qualification.base import Transcript
from leads.qualification.learned.features import (
    CHAR_ANALYSER,
    WORD_ANALYSER,
    sentence_line,
)
from leads.qualification.learned.training import featurizer_fit
from leads.qualification.text import visitor_sentences

LINES = [
    "on perd des heures sur excel",
    "we lose hours on excel every week",
    "qauthority yes it's me",
    "budget 15k€ approuvé",
]


@pytest.mark.parametrize(("params", "block"), [(WORD_ANALYSER, 0), (CHAR_ANALYSER, 1)])
def test_each_block_weighs_ngrams_as_tfidfvectorizer_does(params, block):
    featurizer = featurizer_fit([[line] for line in LINES])
    reference = TfidfVectorizer(
        **params, sublinear_tf=True, vocabulary=featurizer.vocabularies[block]
    )
    reference.idf_ = featurizer.idfs[block]

    ours = featurizer.matrix(featurizer.vectors([featurizer.line_counts(x) for x in LINES]))

    start = featurizer.offsets[block]
    width = len(featurizer.vocabularies[block])
    expected = reference.transform(LINES).toarray()
    np.testing.assert_allclose(ours.toarray()[:, start : start + width], expected, rtol=1e-6)


def test_a_line_of_unknown_words_has_no_features():
    featurizer = featurizer_fit([[line] for line in LINES])

    [row] = featurizer.vectors([featurizer.line_counts("zzz qqq")])

    assert len(row.columns) <= 2  # at most a character n-gram or two shared by chance
    assert np.isfinite(row.weights).all()


def test_an_answer_to_the_who_decides_question_carries_its_topic():
    transcript = Transcript(
        lang="en",
        offer="x",
        messages=[
            {"role": "assistant", "text": "Are you the one who decides?"},
            {"role": "visitor", "text": "Yes. We need it soon."},
        ],
    )
    first, second = visitor_sentences(transcript)

    assert sentence_line(first) == "qauthority yes."
    # Only the first sentence of an answer answers the question.
    assert sentence_line(second) == "we need it soon."
