"""What the learned models read, and how it becomes numbers.

A conversation is read line by line: the rules' signals (offline.RuleReading), the job title the
form collected, then every visitor sentence, tagged with the topic of the question it answers,
so that a bare "yes" after "are you the one who decides?" reads differently from a "yes" after
"is it urgent?". Lines are folded (lowercase, no accents): "etudiant" and "étudiant" are one
feature.

Each line is analysed once, by scikit-learn's own word (1-2) and character (2-5, within words)
analysers; a sentence's features feed the evidence models, and their sum, with the signals and
title, the conversation's. Weights are tf-idf (sublinear tf, L2 per analyser), computed here
rather than by TfidfVectorizer.transform, whose input checks cost more than the arithmetic on
one conversation (bench/qualify.py's goal is 200 conversations a second on one core).
"""

import functools
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from leads.qualification.base import Transcript
from leads.qualification.text import TOPIC_PATTERNS, Sentence, fold

# The tag a sentence carries when it answers a question on that topic: a word of its own, which
# no visitor types, so word n-grams pair it with the answer ("qauthority yes").
TOPIC_TAGS = {topic: f"q{topic}" for topic in TOPIC_PATTERNS}
TITLE_TAG = "jobtitle"

# Lines whose n-gram counts a process keeps: a few hundred conversations in flight, a few KB each.
LINES_REMEMBERED = 4096

WORD_ANALYSER = {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"(?u)\b\w+\b"}
CHAR_ANALYSER = {"analyzer": "char_wb", "ngram_range": (2, 5)}


def sentence_line(sentence: Sentence) -> str:
    tags = [tag for topic, tag in TOPIC_TAGS.items() if sentence.answers(topic)]
    if sentence.first_in_answer:
        return " ".join([*tags, sentence.folded])
    return sentence.folded


def conversation_lines(transcript: Transcript, signals: list[str]) -> list[str]:
    """The lines a conversation's features add to its sentences': the signals and the title."""
    title = fold(str((transcript.contact or {}).get("job_title") or ""))
    return [" ".join(signals), f"{TITLE_TAG} {title}"] if title else [" ".join(signals)]


class SparseRow(NamedTuple):
    """One row of features: the columns that are not zero, and their weights."""

    columns: np.ndarray
    weights: np.ndarray


class Featurizer:
    """Lines to tf-idf rows over a fitted vocabulary: word n-grams, then character n-grams."""

    def __init__(self, vocabularies: tuple[list[str], list[str]], idfs: tuple[np.ndarray, ...]):
        self.analysers = [
            TfidfVectorizer(**WORD_ANALYSER).build_analyzer(),
            TfidfVectorizer(**CHAR_ANALYSER).build_analyzer(),
        ]
        self.vocabularies = vocabularies
        self.columns = [{ngram: i for i, ngram in enumerate(words)} for words in vocabularies]
        self.idfs = idfs
        self.offsets = (0, len(vocabularies[0]))
        self.width = len(vocabularies[0]) + len(vocabularies[1])
        # Each turn of a conversation reads its earlier sentences again (the follow-ups are
        # chosen from the whole transcript): their n-grams are counted once per process.
        self.line_counts = functools.lru_cache(maxsize=LINES_REMEMBERED)(self._line_counts)

    def _line_counts(self, line: str) -> tuple[np.ndarray, ...]:
        """Per analyser, the columns of the line's known n-grams, once per occurrence."""
        return tuple(
            np.array([i for i in map(columns.get, analyse(line)) if i is not None], dtype=np.int64)
            for analyse, columns in zip(self.analysers, self.columns, strict=True)
        )

    def vectors(self, counted: list[tuple[np.ndarray, ...]]) -> list[SparseRow]:
        """One tf-idf row per entry (its n-grams' columns, per analyser)."""
        rows = []
        for occurrences in counted:
            columns, weights = [], []
            for part, offset, idf in zip(occurrences, self.offsets, self.idfs, strict=True):
                if not len(part):
                    continue
                found, counts = np.unique(part, return_counts=True)
                weight = (1.0 + np.log(counts)) * idf[found]
                columns.append(found + offset)
                weights.append(weight / np.sqrt(weight @ weight))
            if columns:
                rows.append(SparseRow(np.concatenate(columns), np.concatenate(weights)))
            else:
                rows.append(SparseRow(np.zeros(0, dtype=np.int64), np.zeros(0)))
        return rows

    def matrix(self, rows: list[SparseRow]) -> csr_matrix:
        """The rows as one sparse matrix, for scikit-learn's training."""
        indptr = np.cumsum([0, *(len(row.columns) for row in rows)])
        return csr_matrix(
            (
                np.concatenate([row.weights for row in rows]),
                np.concatenate([row.columns for row in rows]),
                indptr,
            ),
            shape=(len(rows), self.width),
        )

    def joined(self, counted: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        """The n-grams of several lines as those of one document."""
        return tuple(np.concatenate(parts) for parts in zip(*counted, strict=True))

    def read(
        self, transcript: Transcript, sentences: list[Sentence], signals: list[str]
    ) -> tuple[SparseRow, list[SparseRow]]:
        """The conversation's row, and one row per sentence."""
        per_sentence = [self.line_counts(sentence_line(s)) for s in sentences]
        others = [self.line_counts(line) for line in conversation_lines(transcript, signals)]
        [conversation] = self.vectors([self.joined(per_sentence + others)])
        return conversation, self.vectors(per_sentence)
