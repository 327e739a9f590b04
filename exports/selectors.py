"""Reads of the exports: which leads an export holds (the inbox's own filters and selector),
with what its columns need, in one query whatever their number."""

from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.http import QueryDict

from exports.models import LeadExport
from leads.forms import LeadFilterForm
from leads.models import Conversation, Lead, LeadOutcome, Outcome
from leads.selectors import lead_list
from tenants.models import User, Workspace
from tenants.selectors import workspace_member_list


def export_filters(*, query: str, user, workspace: Workspace) -> tuple[dict, str]:
    """lead_list's arguments and order from the inbox's query string, read by the inbox's own
    form: an export holds exactly the leads the inbox showed (a bad filter is left out there
    and here alike)."""
    members = list(workspace_member_list(workspace=workspace))
    filters = LeadFilterForm(QueryDict(query), user=user, members=members).filters()
    order = filters.pop("order")
    return filters, order


def lead_export_list(*, filters: dict, order: str) -> QuerySet[Lead]:
    """lead_list's leads (hidden ones left out), each with its assignee's address, the UTM
    parameters of its latest conversation and the amount of its latest won deal."""
    latest = Conversation.objects.filter(lead=OuterRef("pk")).order_by("-last_turn_at", "-pk")
    won = LeadOutcome.objects.filter(lead=OuterRef("pk"), kind=Outcome.WON).order_by(
        "-created_at", "-pk"
    )
    return lead_list(**filters, order=order).annotate(
        assignee_email=Subquery(
            User.objects.filter(pk=OuterRef("assignee_id")).values("email")[:1]
        ),
        latest_utm=Subquery(latest.values("utm")[:1], output_field=JSONField()),
        won_amount=Subquery(won.values("amount")[:1]),
        won_currency=Subquery(won.values("currency")[:1]),
    )


def lead_export_get(*, export_id: int) -> LeadExport | None:
    return LeadExport.objects.filter(pk=export_id).first()
