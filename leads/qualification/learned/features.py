"""What the learned models read: the visitor's sentences, each tagged with the topic of the
question it answers, so that a bare "yes" after "are you the one who decides?" reads differently
from a "yes" after "is it urgent?".

Documents are folded (lowercase, no accents): "etudiant" and "étudiant" are one feature.
"""

from leads.qualification.base import Transcript
from leads.qualification.text import TOPIC_PATTERNS, Sentence, fold

# The tag a sentence carries when it answers a question on that topic: a word of its own, which
# no visitor types, so word n-grams pair it with the answer ("qauthority yes").
TOPIC_TAGS = {topic: f"q{topic}" for topic in TOPIC_PATTERNS}
TITLE_TAG = "jobtitle"


def sentence_document(sentence: Sentence) -> str:
    tags = [tag for topic, tag in TOPIC_TAGS.items() if sentence.answers(topic)]
    if sentence.first_in_answer:
        return " ".join([*tags, sentence.folded])
    return sentence.folded


def conversation_document(
    transcript: Transcript, sentences: list[Sentence], signals: list[str]
) -> str:
    """The whole conversation as one document: the rules' signals (offline.RuleReading), the
    job title the form collected, then every visitor sentence in order."""
    title = fold(str((transcript.contact or {}).get("job_title") or ""))
    parts = [" ".join(signals)]
    if title:
        parts.append(f"{TITLE_TAG} {title}")
    parts += [sentence_document(sentence) for sentence in sentences]
    return "\n".join(parts)
