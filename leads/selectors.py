"""Reads about leads for the dashboard: the lead list (the base of the future call queue) and
one lead's page with its conversations, each in one round of queries whatever their number."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from forms_builder.answers import answer_display
from forms_builder.models import Form, FormStatus
from leads.models import Conversation, Lead, Message

# UTM parameters in the order marketers read them; any other captured key follows.
UTM_ORDER = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def lead_list(
    *, form_id: int | None = None, status: str | None = None, search: str = ""
) -> QuerySet[Lead]:
    """Leads, latest activity first, each annotated with what its row shows: `latest_status`
    and `utm_source` of its latest conversation, and `form_names` of every form it talked to.

    `form_id` keeps leads with a conversation of that form. `status` keeps leads whose latest
    conversation has it: a visitor who abandoned, came back and completed is not abandoned.
    `search` looks in the name, the e-mail and the company."""
    latest = Conversation.objects.filter(lead=OuterRef("pk")).order_by("-last_turn_at", "-pk")
    leads = Lead.objects.annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        utm_source=Subquery(
            latest.annotate(source=KeyTextTransform("utm_source", "utm")).values("source")[:1]
        ),
        form_names=ArraySubquery(
            Form.objects.filter(conversations__lead=OuterRef("pk"))
            .values("name")
            .distinct()
            .order_by("name")
        ),
    )
    if form_id is not None:
        leads = leads.filter(
            Exists(Conversation.objects.filter(lead=OuterRef("pk"), form_id=form_id))
        )
    if status:
        leads = leads.filter(latest_status=status)
    search = search.strip()
    if search:
        leads = leads.filter(
            Q(full_name__icontains=search)
            | Q(email__icontains=search)
            | Q(company__icontains=search)
        )
    # The id breaks ties so that pages never overlap; both columns are in one index.
    return leads.order_by("-last_activity_at", "-pk")


def lead_get(*, lead_id: int) -> Lead | None:
    """A lead with its conversations (newest first), their forms, versions and transcripts."""
    conversations = (
        Conversation.objects.select_related("form", "form_version")
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("pk")))
        .order_by("-started_at", "-pk")
    )
    return (
        Lead.objects.prefetch_related(Prefetch("conversations", queryset=conversations))
        .filter(pk=lead_id)
        .first()
    )


@dataclass(frozen=True)
class ConversationReadout:
    """A conversation as the lead page shows it: its answers read back in the form's language,
    and what it captured about where the visitor came from, as (name, value) pairs."""

    conversation: Conversation
    answers: list[tuple[str, str]]
    utm: list[tuple[str, str]]
    hidden_fields: list[tuple[str, str]]


def conversation_answers(conversation: Conversation) -> list[tuple[str, str]]:
    """(question, answer) for each answered step, in the order of the version the visitor saw."""
    definition = conversation.form_version.definition
    language = definition["language"]
    return [
        (step["prompt"], answer_display(step, conversation.answers[step["key"]], language))
        for step in definition["steps"]
        if step["key"] in conversation.answers
    ]


def _utm_pairs(utm: dict) -> list[tuple[str, str]]:
    known = [(name, utm[name]) for name in UTM_ORDER if name in utm]
    return known + sorted((name, value) for name, value in utm.items() if name not in UTM_ORDER)


def lead_conversations(*, lead: Lead) -> list[ConversationReadout]:
    """The lead's conversations as its page shows them; reads what lead_get prefetched."""
    return [
        ConversationReadout(
            conversation=conversation,
            answers=conversation_answers(conversation),
            utm=_utm_pairs(conversation.utm),
            hidden_fields=sorted(conversation.hidden_fields.items()),
        )
        for conversation in lead.conversations.all()
    ]


def workspace_overview(*, now=None) -> dict:
    """The dashboard's figures: two queries whatever the workspace holds."""
    now = now or timezone.now()
    week_ago = now - timedelta(days=7)
    forms = Form.objects.aggregate(
        published=Count("pk", filter=Q(status=FormStatus.PUBLISHED)),
        total=Count("pk", filter=~Q(status=FormStatus.ARCHIVED)),
    )
    leads = Lead.objects.aggregate(
        total=Count("pk"), this_week=Count("pk", filter=Q(created_at__gte=week_ago))
    )
    return {"forms": forms, "leads": leads}
