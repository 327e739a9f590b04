"""What an event says about a lead, a conversation or an outcome: compact, stable JSON, read
from the committed rows. README.md ("Webhooks") shows an example; integrators depend on these
names, so a change here is a change of the public contract."""

from django.db.models import OuterRef, QuerySet, Subquery

from billing.selectors import leads_within_quota
from leads.models import Conversation, Lead, LeadOutcome, RescoreRun, ScoringRule
from leads.selectors import BRIEF_LABELS, conversation_answers
from leads.services.alerts import lead_page_url
from tenants.models import User, Workspace


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def payload_leads(lead_ids) -> QuerySet[Lead]:
    """The leads an event may speak of, with their assignee's address, in one query. Leads
    hidden past the workspace's plan are left out: no event tells of them before an upgrade."""
    return leads_within_quota(Lead.objects.filter(pk__in=list(lead_ids))).annotate(
        # People live in the public schema, on every workspace's search path.
        assignee_email=Subquery(User.objects.filter(pk=OuterRef("assignee_id")).values("email")[:1])
    )


def lead_payload(lead: Lead, *, workspace: Workspace) -> dict:
    """A lead as events show it; `lead` comes from payload_leads."""
    brief = (lead.qualification_detail or {}).get("brief") or {}
    return {
        "id": lead.pk,
        "url": lead_page_url(workspace, lead.pk),
        "email": lead.email,
        "name": lead.full_name,
        "company": lead.company,
        "job_title": lead.job_title,
        "status": lead.qualification_status or None,
        "disqualification": lead.disqualification or None,
        "band": lead.band,
        "priority": lead.priority,
        "score": lead.score,
        "bant": {
            "budget": lead.budget_status or "unknown",
            "budget_amount": str(lead.budget_amount) if lead.budget_amount is not None else None,
            "budget_currency": lead.budget_currency or None,
            "authority": lead.authority or "unknown",
            "need": lead.need or "unknown",
            "timing": lead.timing or "unknown",
        },
        "brief": {key: brief[key] for key in BRIEF_LABELS if brief.get(key)},
        "assignee": lead.assignee_email or None,
        "outcome": lead.outcome or None,
        "created_at": _iso(lead.created_at),
        "updated_at": _iso(lead.updated_at),
    }


def outcome_payload(outcome: LeadOutcome) -> dict:
    return {
        "kind": outcome.kind,
        "amount": str(outcome.amount) if outcome.amount is not None else None,
        "currency": outcome.currency or None,
        "lost_reason": outcome.lost_reason or None,
        "note": outcome.note,
        "recorded_by": outcome.recorded_by_email or None,
        "recorded_at": _iso(outcome.created_at),
    }


def conversation_payload(conversation: Conversation) -> dict:
    """A conversation with its form and its answers as the visitor gave them; `conversation`
    with its form and form version loaded."""
    return {
        "id": conversation.pk,
        "form": {"id": conversation.form_id, "name": conversation.form.name},
        # Joined the lead on a typed e-mail: its answers are claims the lead did not take
        # (leads/claims.py).
        "unverified": conversation.unverified,
        "status": conversation.status,
        "started_at": _iso(conversation.started_at),
        "ended_at": _iso(conversation.ended_at),
        "answers": [
            {"question": question, "answer": answer}
            for question, answer in conversation_answers(conversation)
        ],
        "utm": conversation.utm,
        "referrer": conversation.referrer,
        "landing_page": conversation.landing_page,
    }


def scoring_rule_payload(rule: ScoringRule) -> dict:
    return {
        "id": rule.pk,
        "name": rule.name,
        "kind": rule.kind,
        "points": rule.points,
        "decay_days": rule.decay_days,
        "active": rule.active,
    }


def rescore_payload(run: RescoreRun, *, rules: list[ScoringRule], scores_changed: int) -> dict:
    """A finished rescore of every lead: what changed the rules, the rules it scored with, and
    how many visible leads' scores changed. Those leads' updated_at moved after
    `requested_at`: the API's incremental sync from then lists them."""
    return {
        "rescore": {
            "id": run.pk,
            "requested_at": _iso(run.created_at),
            "finished_at": _iso(run.finished_at),
            "scores_changed": scores_changed,
        },
        "change": run.change or None,
        "rules": [scoring_rule_payload(rule) for rule in rules],
    }
