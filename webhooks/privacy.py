"""Webhooks' eraser (leads/privacy/erasure.py), registered by WebhooksConfig.ready: the events
sent about an erased person (their payloads hold the lead as it was) and, with them, every
delivery attempt and the answer excerpts the receiving servers gave."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from leads.privacy.erasure import ErasureTarget, eraser_register
from webhooks.models import Event


def _events_about(target: ErasureTarget) -> Q:
    # By the ids the payloads carry, and by the address anywhere in them (a conversation's
    # answers may quote it).
    return (
        Q(payload__lead__id__in=list(target.lead_ids))
        | Q(payload__conversation__id__in=list(target.conversation_ids))
        | Q(payload_text__icontains=target.email)
    )


def webhook_events_erase(target: ErasureTarget) -> dict[str, int]:
    events = Event.objects.alias(payload_text=Cast("payload", TextField()))
    _, counts = events.filter(_events_about(target)).delete()
    return counts


eraser_register("webhooks.events", webhook_events_erase)
