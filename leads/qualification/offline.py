"""The offline engine: French and English rules, no network, nothing loaded at run time.

It reads the visitor's sentences (each with the form's question before it), and concludes as a
sales person would: first whether this is a prospect at all, then budget, authority, need and
timing, each with the sentences it came from. The parsing lives in small modules beside this one.
"""

from datetime import date

from leads.qualification import roles
from leads.qualification.amounts import default_currency
from leads.qualification.base import (
    Budget,
    Finding,
    Qualification,
    Transcript,
    qualification_status,
)
from leads.qualification.brief import brief_build
from leads.qualification.budget import CONFIRMED, NONE, UNKNOWN, budget_from_sentence
from leads.qualification.signals import (
    CURIOUS,
    JOB_SEEKER,
    SPAM,
    STUDENT,
    VENDOR,
    disqualification,
    need_sentences,
    offer_cannot_help,
)
from leads.qualification.text import Sentence, fold, visitor_sentences
from leads.qualification.timing import When, find_timing, today_from_words

REASON_WORDS = {
    "fr": {
        SPAM: "Spam : message promotionnel, liens ou texte sans sens.",
        STUDENT: "Étudiant : projet d'école ou recherche de stage.",
        JOB_SEEKER: "Candidat : cherche un emploi.",
        VENDOR: "Fournisseur : cherche à vendre ses services.",
        CURIOUS: "Curieux : aucun projet, simple veille.",
    },
    "en": {
        SPAM: "Spam: promotion, links or gibberish.",
        STUDENT: "Student: school project or internship search.",
        JOB_SEEKER: "Job seeker: looking for a job.",
        VENDOR: "Vendor: trying to sell to us.",
        CURIOUS: "Curious: no project, just looking.",
    },
}


def _evidence(sentences: list[Sentence]) -> list[str]:
    seen: list[str] = []
    for sentence in sentences:
        if sentence.text not in seen:
            seen.append(sentence.text)
    return seen


class OfflineEngine:
    name = "offline"
    version = "1"

    def qualify(self, transcript: Transcript) -> Qualification:
        sentences = visitor_sentences(transcript)
        contact = transcript.contact or {}
        title = fold(str(contact.get("job_title") or ""))
        today = transcript.today or self._today_from_transcript(sentences) or date.today()
        currency = default_currency(
            transcript.offer or "", str(contact.get("email") or ""), transcript.lang
        )

        q = Qualification(engine=self.name, engine_version=self.version)
        budget = self._budget(sentences, currency)
        timing, timing_evidence = self._timing(sentences, today)
        needs = need_sentences(sentences)

        raw_lines = transcript.visitor_lines
        reason, reason_evidence = disqualification(
            sentences,
            raw_lines,
            [fold(line) for line in raw_lines],
            title,
            has_buying_signal=budget.value == CONFIRMED or timing.value != "unknown",
        )
        if reason:
            q.disqualified = reason
            q.disqualification_reason = REASON_WORDS.get(transcript.lang, REASON_WORDS["en"])[
                reason
            ]
            q.disqualification_evidence = _evidence(reason_evidence)
            q.need = Finding(
                "unknown" if reason == SPAM else "none", 0.8, _evidence(reason_evidence)
            )
            if reason in (STUDENT, JOB_SEEKER):
                q.authority = Finding(roles.NO_AUTHORITY, 0.8, _evidence(reason_evidence))
            elif reason == CURIOUS:
                q.authority = self._authority(sentences, title)
            q.brief = brief_build(sentences, need=reason_evidence, timing=[], used_elsewhere=[])
            q.status = qualification_status(q)
            return q

        q.budget = budget
        q.timing = timing
        q.authority = self._authority(sentences, title)
        if offer_cannot_help([], sentences, transcript.messages):
            q.need = Finding("none", 0.7, _evidence(needs[:1]))
        elif needs:
            q.need = Finding("identified", min(0.9, 0.5 + 0.15 * len(needs)), _evidence(needs[:2]))
        q.brief = brief_build(
            sentences,
            need=needs,
            timing=timing_evidence,
            used_elsewhere=[s for s in sentences if s.text in q.budget.evidence],
        )
        q.status = qualification_status(q)
        return q

    @staticmethod
    def _today_from_transcript(sentences: list[Sentence]) -> date | None:
        year = date.today().year
        for sentence in sentences:
            found = today_from_words(sentence.folded, year)
            if found:
                return found
        return None

    @staticmethod
    def _budget(sentences: list[Sentence], currency: str) -> Budget:
        readings = []
        for sentence in sentences:
            reading = budget_from_sentence(
                sentence.folded,
                answers_budget_question=sentence.answers("budget"),
                default_currency=currency,
            )
            if reading:
                readings.append((sentence, reading))
        decisive = [(s, r) for s, r in readings if r.status in (CONFIRMED, NONE)]
        if not decisive:
            vague = [s for s, r in readings if r.status == UNKNOWN]
            return Budget(UNKNOWN, 0.4 if vague else 0.0, _evidence(vague[:1]))
        last_sentence, last = decisive[-1]
        if last.status == NONE:
            return Budget(NONE, 0.8, _evidence([last_sentence]))
        confirmed = [(s, r) for s, r in decisive if r.status == CONFIRMED]
        with_amount = [(s, r) for s, r in confirmed if r.amount]
        if with_amount:
            # An amount said to be approved beats one only mentioned; then the latest.
            sentence, reading = max(with_amount, key=lambda sr: (sr[1].approved, sr[0].position))
            amount = reading.amount
            period = amount.period if amount.period in ("once", "month", "year") else "once"
            value = int(amount.value) if amount.value == int(amount.value) else amount.value
            return Budget(
                CONFIRMED,
                0.9 if reading.approved else 0.75,
                _evidence([sentence]),
                amount=value,
                currency=amount.currency,
                period=period,
            )
        return Budget(CONFIRMED, 0.7, _evidence([confirmed[-1][0]]))

    @staticmethod
    def _timing(sentences: list[Sentence], today: date) -> tuple[Finding, list[Sentence]]:
        found: list[tuple[Sentence, When]] = []
        for sentence in sentences:
            for when in find_timing(sentence.folded, today):
                found.append((sentence, when))
        # The answer to "when?" says when they decide; dates elsewhere may be about the problem
        # ("our bureau drops us at the end of next month").
        answered = [(s, w) for s, w in found if s.answers("timing")]
        candidates = answered or found
        if not candidates:
            return Finding("unknown", 0.0, []), []
        # The furthest commitment: "launch this quarter, workshops asap" is this quarter.
        best = max(w.rank for _, w in candidates)
        evidence = [s for s, w in candidates if w.rank == best]
        bucket = candidates[[w.rank for _, w in candidates].index(best)][1].bucket
        return Finding(bucket, 0.8 if answered else 0.6, _evidence(evidence[:2])), evidence[:1]

    @staticmethod
    def _authority(sentences: list[Sentence], title: str) -> Finding:
        from_title = roles.authority_from_title(title)
        readings: dict[str, list[Sentence]] = {}
        for sentence in sentences:
            value = roles.authority_from_sentence(
                sentence.folded,
                answers_who_decides=sentence.answers("authority") and sentence.first_in_answer,
            )
            if value:
                readings.setdefault(value, []).append(sentence)
        if roles.NO_AUTHORITY in readings:
            return Finding(roles.NO_AUTHORITY, 0.8, _evidence(readings[roles.NO_AUTHORITY][:2]))
        if from_title == roles.NO_AUTHORITY:
            return Finding(roles.NO_AUTHORITY, 0.7, [])
        for value in (roles.DECISION_MAKER, roles.INFLUENCER):
            if value in readings:
                return Finding(value, 0.85, _evidence(readings[value][:2]))
        if from_title != roles.UNKNOWN:
            return Finding(from_title, 0.6, [])
        return Finding(roles.UNKNOWN, 0.0, [])
