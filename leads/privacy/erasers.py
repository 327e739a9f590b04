"""The leads app's erasers (see erasure.py): every table of the workspace schema that holds a
contact's data, but the lead row itself, which contact_erase deletes last. Imported once by
LeadsConfig.ready."""

from django.db.models import Q

from leads.models import (
    Conversation,
    LeadActivity,
    LeadCorrection,
    LeadEvent,
    LeadOutcome,
    LeadScoreItem,
)
from leads.privacy.erasure import eraser_register, rows_eraser


def _tied_to_lead(target):
    return Q(lead_id__in=target.lead_ids)


# The conversations, their messages with them (cascade).
eraser_register(
    "leads.conversations", rows_eraser(Conversation, lambda t: Q(pk__in=t.conversation_ids))
)
# The lead's events, and the page views its visitor made before saying who they were; events of
# the same browser that belong to another lead stay theirs (a shared computer).
eraser_register(
    "leads.events",
    rows_eraser(
        LeadEvent,
        lambda t: _tied_to_lead(t) | Q(lead__isnull=True, visitor_id__in=t.visitor_ids),
    ),
)
eraser_register("leads.outcomes", rows_eraser(LeadOutcome, _tied_to_lead))
eraser_register("leads.corrections", rows_eraser(LeadCorrection, _tied_to_lead))
eraser_register("leads.activities", rows_eraser(LeadActivity, _tied_to_lead))
eraser_register("leads.score_items", rows_eraser(LeadScoreItem, _tied_to_lead))
