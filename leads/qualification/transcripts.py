"""A lead as an engine reads it: one Transcript from all of the lead's conversations.

Reads `lead.conversations.all()` and each conversation's `messages.all()` and `form_version`:
callers prefetch them (see LEAD_TRANSCRIPT_PREFETCH), so building a transcript runs no query.
"""

from django.db.models import Prefetch
from django.utils import timezone

from leads.models import Conversation, Message
from leads.qualification.base import Transcript

# A company-size step stores a range (forms_builder.models.COMPANY_SIZE_RANGES); engines and
# FORMAT.md read a head count. Each range becomes a typical size inside it (roughly its geometric
# middle, since sizes spread on a log scale), and "1000+" its lower bound: "at least 1000".
COMPANY_SIZE_HEADCOUNTS = {
    "1-10": 5,
    "11-50": 30,
    "51-200": 100,
    "201-1000": 450,
    "1000+": 1000,
}


def company_size_headcount(size: str) -> int | None:
    """A head count for what a lead's company size holds: a range or a plain number."""
    size = (size or "").replace(" ", "")
    if size in COMPANY_SIZE_HEADCOUNTS:
        return COMPANY_SIZE_HEADCOUNTS[size]
    if size.isdigit() and int(size) >= 1:
        return int(size)
    return None


def lead_transcript_prefetch() -> list:
    """What to prefetch on a Lead queryset before lead_transcript()."""
    return [
        Prefetch(
            "conversations",
            queryset=Conversation.objects.select_related("form_version").prefetch_related(
                Prefetch("messages", queryset=Message.objects.order_by("created_at", "pk"))
            ),
        )
    ]


def contact_build(*, email="", job_title="", company="", company_size="") -> dict:
    """FORMAT.md's `contact`: only what is known, the company size as a head count."""
    contact = {"email": email, "job_title": job_title.strip(), "company": company.strip()}
    contact = {key: value for key, value in contact.items() if value}
    headcount = company_size_headcount(company_size)
    if headcount is not None:
        contact["company_size"] = headcount
    return contact


def lead_contact(lead) -> dict:
    return contact_build(
        email=lead.email,
        job_title=lead.job_title,
        company=lead.company,
        company_size=lead.company_size,
    )


def conversation_transcript(*, conversation: Conversation, messages, today=None) -> Transcript:
    """This conversation alone as an engine reads it, from its `messages` ((role, text) pairs,
    oldest first): what the discovery follow-ups are chosen from while the visitor waits."""
    definition = conversation.form_version.definition
    mapped = {}
    for step in definition["steps"]:
        value = conversation.answers.get(step["key"])
        if step["lead_field"] and value not in (None, ""):
            mapped[step["lead_field"]] = str(value)
    return Transcript(
        lang=definition["language"],
        offer=(definition.get("offer_description") or "").strip(),
        messages=[{"role": role, "text": text} for role, text in messages if text.strip()],
        contact=contact_build(
            email=mapped.get("email", ""),
            job_title=mapped.get("job_title", ""),
            company=mapped.get("company", ""),
            company_size=mapped.get("company_size", ""),
        ),
        today=today or timezone.localdate(),
    )


def lead_transcript(lead, *, conversations=None) -> Transcript | None:
    """Every message of every conversation of the lead (or of `conversations`, some of them),
    oldest first, read against the latest conversation's form (its offer and language) and
    date, with the lead's contact. None when the visitor said nothing."""
    if conversations is None:
        conversations = lead.conversations.all()
    conversations = sorted(conversations, key=lambda c: (c.started_at, c.pk))
    messages = sorted(
        (m for c in conversations for m in c.messages.all() if m.text.strip()),
        key=lambda m: (m.created_at, m.pk),
    )
    if not any(m.role == "visitor" for m in messages):
        return None
    latest = conversations[-1]
    definition = latest.form_version.definition
    return Transcript(
        lang=definition.get("language", "en"),
        offer=(definition.get("offer_description") or "").strip(),
        messages=[{"role": m.role, "text": m.text} for m in messages],
        contact=lead_contact(lead),
        today=timezone.localdate(latest.started_at),
    )


def conversation_own_transcript(conversation: Conversation) -> Transcript | None:
    """The conversation alone with the contact it gave, as a qualification reads it, from its
    prefetched messages (lead_transcript_prefetch). None when the visitor said nothing."""
    messages = [(m.role, m.text) for m in conversation.messages.all()]
    if not any(role == "visitor" and text.strip() for role, text in messages):
        return None
    return conversation_transcript(
        conversation=conversation,
        messages=messages,
        today=timezone.localdate(conversation.started_at),
    )
