"""Turning a transcript into what the offline parsers read: the visitor's sentences, each with the
question the form had just asked, in a folded form (lowercase, no accents) that keeps regexes short.

Evidence quotes the original sentence; only matching uses the folded text.
"""

import re
import unicodedata
from dataclasses import dataclass

from leads.qualification.base import Transcript

# What the form's question was about, so that a bare "moi" or "yes" can be read as an answer.
TOPIC_PATTERNS = {
    "budget": re.compile(
        r"budget|enveloppe|investir|invest|afford|financ|montant|prix|price|pricing|cost|cout|"
        r"tarif|fees|honoraires|volume financier|spend|depense"
    ),
    "timing": re.compile(
        r"\bquand\b|\bwhen\b|timeline|timing|calendrier|delai|echeance|\bdate\b|\bsoon\b|"
        r"urgent|horizon|deadline|demarrer|\bstart|relancer|move forward|avancer"
    ),
    "authority": re.compile(
        r"\bqui (?:decide|prend|prendra|prendrait|valide|validera|signe|signera|porte|tranche|"
        r"choisi|arbitre|serait|sera|d'autre|est implique|participe|pilote)|\bwho\b[^?]*\b(?:decid|"
        r"sign|approv|involved|make|own|choos|call|final)|decision|\bdecid|decideur|sign[- ]?off|"
        r"c'est vous qui|are you the one|\bin charge\b"
    ),
    "project": re.compile(r"projet|project|besoin|\bneed|looking for|cherchez|recherchez"),
}


def fold(text: str) -> str:
    """Lowercase without accents, with typographic quotes and spaces made plain."""
    if text.isascii():  # most answers, in English and often in French: nothing to decompose
        return text.lower()
    text = (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u00a0", " ")
        .replace("\u202f", " ")
        .replace("\u2013", "-")
        .replace("\u2014", "-")
    )
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


# A sentence ends at . ! ? followed by a space, or at a line break: numbers ("1.5") and links
# ("bit.ly/x") stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)|\n+")


def split_sentences(text: str) -> list[str]:
    parts = []
    for chunk in _SENTENCE_END.split(text.strip()):
        chunk = chunk.strip()
        if chunk:
            parts.append(chunk)
    return parts


@dataclass(frozen=True)
class Sentence:
    text: str  # the visitor's words, as written
    folded: str
    message_index: int  # index of the visitor message in the transcript
    position: int  # order among all visitor sentences
    first_in_answer: bool  # first sentence of its message: where a bare "moi" or "yes" sits
    question: str  # the form's preceding question, folded ("" if none)

    def answers(self, topic: str) -> bool:
        return bool(self.question) and bool(TOPIC_PATTERNS[topic].search(self.question))


# Contact details are not evidence of anything: an address or a phone number, or a short answer
# to the form's question for one, is left out of what the engines read and quote (an e-mail is
# not "stakes").
_CONTACT_SHAPED = re.compile(r"^\S+@\S+\.\S+$|^\+?[\d\s().-]{7,}$")
_CONTACT_QUESTION = re.compile(
    r"e-?mail|courriel|\bmail\b|phone|telephone|portable|\bmobile\b|\bnom\b|\bname\b|prenom"
)
CONTACT_ANSWER_MAX_WORDS = 6


def contact_answer(text: str, question: str) -> bool:
    """Whether a visitor's message gives contact details rather than says anything."""
    folded = fold(text.strip())
    if _CONTACT_SHAPED.match(folded):
        return True
    return bool(_CONTACT_QUESTION.search(question)) and (
        len(folded.split()) <= CONTACT_ANSWER_MAX_WORDS
    )


def visitor_sentences(transcript: Transcript) -> list[Sentence]:
    sentences = []
    question = ""
    for index, message in enumerate(transcript.messages):
        text = message.get("text") or ""
        if message.get("role") != "visitor":
            question = fold(text)
            continue
        if contact_answer(text, question):
            continue
        for i, part in enumerate(split_sentences(text)):
            sentences.append(
                Sentence(
                    text=part,
                    folded=fold(part),
                    message_index=index,
                    position=len(sentences),
                    first_in_answer=i == 0,
                    question=question,
                )
            )
    return sentences


def assistant_lines(transcript: Transcript) -> list[str]:
    return [fold(m.get("text") or "") for m in transcript.messages if m.get("role") != "visitor"]
