"""Writes of the sales side: who calls a lead, and what came of the call."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leads.currencies import currency_code_clean
from leads.models import ActivityKind, Lead, LeadActivity, LeadOutcome, LostReason, Outcome
from leads.services.alerts import leads_assigned_alert_queue
from tenants.models import Membership
from tenants.selectors import workspace_current
from webhooks.models import EventType
from webhooks.payloads import outcome_payload
from webhooks.services import lead_webhook_queue

# The inbox assigns the leads ticked on one page (50 rows); the bound keeps a request's
# transaction, and the row locks it holds, that small.
LEADS_ASSIGN_MAX = 100


def _assignee_check(assignee) -> None:
    if (
        assignee is not None
        and not Membership.objects.filter(user=assignee, workspace=workspace_current()).exists()
    ):
        raise ValidationError("Leads can only be assigned to members of this workspace.", "member")


def _actor_email(by, by_email: str) -> str:
    """Who did it, as the timeline says: the person, or `by_email` when no person did (an API
    key, "api:<key name>")."""
    return by.email if by else by_email


def _assignment_activity(lead_id: int, assignee, by, now, by_email: str = "") -> LeadActivity:
    return LeadActivity(
        lead_id=lead_id,
        kind=ActivityKind.ASSIGNED if assignee else ActivityKind.UNASSIGNED,
        detail=assignee.email if assignee else "",
        actor=by,
        actor_email=_actor_email(by, by_email),
        created_at=now,
    )


@transaction.atomic
def lead_assign(*, lead: Lead, assignee, by, by_email: str = "") -> bool:
    """Give the lead to `assignee`, a member of the workspace, or to no one (None); the change
    goes on the lead's timeline, by `by` (or `by_email` when no person did it). Says whether
    anything changed."""
    _assignee_check(assignee)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.assignee_id == (assignee.pk if assignee else None):
        return False
    now = timezone.now()
    lead.assignee = assignee
    lead.assigned_at = now if assignee else None
    lead.save(update_fields=["assignee", "assigned_at", "updated_at"])
    _assignment_activity(lead.pk, assignee, by, now, by_email).save()
    lead_webhook_queue(event_type=EventType.LEAD_UPDATED, lead_ids=[lead.pk])
    # The new assignee hears of it by e-mail, unless they took the lead themselves.
    if assignee is not None and (by is None or by.pk != assignee.pk):
        leads_assigned_alert_queue(lead_ids=[lead.pk], assignee=assignee)
    return True


@transaction.atomic
def leads_assign(*, lead_ids: Iterable[int], assignee, by) -> int:
    """lead_assign for many leads at once (the inbox's "Assign to…"): the same rule (members of
    the workspace only, or no one) and one timeline entry per lead that changed hands. Ids that
    name no lead of the workspace are ignored. Returns how many leads changed.

    Set-based, three queries whatever the number: lock the leads that change, update them,
    insert their activities. The locks are taken in id order, so two people assigning
    overlapping selections at once wait for each other instead of deadlocking."""
    _assignee_check(assignee)
    lead_ids = list(lead_ids)
    if len(lead_ids) > LEADS_ASSIGN_MAX:
        raise ValidationError(f"Assign at most {LEADS_ASSIGN_MAX} leads at a time.", "too_many")
    target = assignee.pk if assignee else None
    # Hidden leads (past the plan's limits) are not listed, so not ticked either.
    leads = Lead.objects.filter(pk__in=lead_ids, over_quota=False)
    # (exclude() on a nullable column keeps the NULLs: unassigned leads do change hands.)
    changing = (
        leads.exclude(assignee__isnull=True)
        if target is None
        else leads.exclude(assignee_id=target)
    )
    ids = list(changing.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    # update() skips auto_now: updated_at is set by hand, or the API's incremental sync
    # (updated_since) would miss the change.
    Lead.objects.filter(pk__in=ids).update(
        assignee_id=target, assigned_at=now if assignee else None, updated_at=now
    )
    LeadActivity.objects.bulk_create(
        [_assignment_activity(lead_id, assignee, by, now) for lead_id in ids]
    )
    if assignee is not None and (by is None or by.pk != assignee.pk):
        leads_assigned_alert_queue(lead_ids=ids, assignee=assignee)
    lead_webhook_queue(event_type=EventType.LEAD_UPDATED, lead_ids=ids)
    return len(ids)


@transaction.atomic
def lead_outcome_record(
    *,
    lead: Lead,
    kind: str,
    by,
    by_email: str = "",
    amount: Decimal | None = None,
    currency: str = "",
    lost_reason: str = "",
    note: str = "",
) -> LeadOutcome:
    """Record what came of a lead: contacted, meeting booked, won (with the amount) or lost
    (with the reason), by `by` (or `by_email` when no person did it). Any outcome means the
    lead was reached: the first one stops its speed-to-lead timer."""
    errors = {}
    if kind not in Outcome.values:
        errors["kind"] = "Choose contacted, meeting booked, won or lost."
    if kind == Outcome.WON:
        if amount is None or amount <= 0:
            errors["amount"] = "A won deal needs its amount, above zero."
        try:
            currency = currency_code_clean(currency)
        except ValidationError as error:
            errors["currency"] = error.messages[0]
    elif amount is not None:
        errors["amount"] = "Only a won deal has an amount."
    if kind == Outcome.LOST and lost_reason not in LostReason.values:
        errors["lost_reason"] = "Say why the deal was lost."
    elif kind != Outcome.LOST and lost_reason:
        errors["lost_reason"] = "Only a lost deal has a reason."
    if len(note) > 500:
        errors["note"] = "Keep the note under 500 characters."
    if errors:
        raise ValidationError(errors)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    now = timezone.now()
    outcome = LeadOutcome.objects.create(
        lead=lead,
        kind=kind,
        amount=amount if kind == Outcome.WON else None,
        currency=currency if kind == Outcome.WON else "",
        lost_reason=lost_reason,
        note=note.strip(),
        recorded_by=by,
        recorded_by_email=_actor_email(by, by_email),
        created_at=now,
    )
    lead.outcome = kind
    lead.outcome_at = now
    fields = ["outcome", "outcome_at", "updated_at"]
    if lead.first_contacted_at is None:
        lead.first_contacted_at = now
        fields.append("first_contacted_at")
    lead.save(update_fields=fields)
    lead_webhook_queue(
        event_type=EventType.LEAD_OUTCOME,
        lead_ids=[lead.pk],
        extra={"outcome": outcome_payload(outcome)},
    )
    return outcome
