"""Lead pages of the dashboard: every member reads them, assigns leads (from the inbox or the
lead's page) and records outcomes; admins correct a lead's qualification and export the
corrected leads."""

import json
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from billing.selectors import hidden_lead_count
from billing.views import lead_hidden
from leads import inbox, pagination, prioritization, selectors
from leads.forms import (
    LeadAssignForm,
    LeadCorrectionForm,
    LeadFilterForm,
    LeadOutcomeForm,
    LeadsAssignForm,
)
from leads.models import Lead
from leads.scoring.selectors import lead_score_breakdown
from leads.services import leads as lead_services
from leads.services import sales as sales_services
from leads.sla import lead_timer
from leads.timeline import lead_timeline
from tenants.models import PriorityScoreWeight, Role
from tenants.permissions import admin_required
from tenants.selectors import workspace_member_list

LEADS_PER_PAGE = 50


@require_safe
def lead_list(request):
    """The sales inbox: filters, a page of leads from a cursor, and assignment."""
    members = list(workspace_member_list(workspace=request.tenant))
    filter_form = LeadFilterForm(request.GET, user=request.user, members=members)
    filters = filter_form.filters()
    order = filters.pop("order")
    keyset = inbox.INBOX_ORDERS[order]
    try:
        cursor = pagination.cursor_read(request.GET.get("cursor"), keyset)
        cursor_invalid = False
    except pagination.InvalidCursor:
        cursor, cursor_invalid = None, True
    page = inbox.lead_inbox_page(filters=filters, order=order, cursor=cursor, size=LEADS_PER_PAGE)
    context = {
        "filter_form": filter_form,
        "assign_form": LeadsAssignForm(members=members),
        "filtering": any(filters.values()),
        "order": order,
        "page": page,
        "paged": cursor is not None,
        "cursor_invalid": cursor_invalid,
        "priority_rule": prioritization.PRIORITY_RULE,
        "score_first": request.tenant.priority_score_weight == PriorityScoreWeight.SCORE_FIRST,
    }
    return render(request, "leads/lead_list.html", context)


@require_POST
def leads_assign(request):
    """The inbox's "Assign to…" (ticked leads, to a member or to nobody) and "Assign to me"
    (one lead). Any member may assign. Ids of leads the workspace does not hold find nothing."""
    members = list(workspace_member_list(workspace=request.tenant))
    form = LeadsAssignForm(request.POST, members=members)
    back = _inbox_url(request)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    data = form.cleaned_data
    if data["me"]:
        lead_ids, assignee = [data["me"]], request.user
    else:
        people = {str(membership.user_id): membership.user for membership in members}
        lead_ids, assignee = data["lead"], people.get(data["assignee"])
    try:
        changed = sales_services.leads_assign(lead_ids=lead_ids, assignee=assignee, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(back)
    whom = "you" if assignee == request.user else (assignee.email if assignee else "nobody")
    if changed:
        noun = "lead" if changed == 1 else "leads"
        messages.success(request, f"{changed} {noun} assigned to {whom}.")
    else:
        messages.info(request, f"Nothing changed: those leads were already assigned to {whom}.")
    return redirect(back)


def _inbox_url(request) -> str:
    """Where the inbox's forms came from (its filters and page), else the inbox itself."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("lead_list")


def lead_detail(request, lead_id):
    # Looked up before the method is checked: a lead of another workspace must answer exactly
    # as a missing one does, whatever the method.
    lead = selectors.lead_get(lead_id=lead_id)
    if lead is None:
        raise Http404("No such lead.")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if lead.over_quota:
        return lead_hidden(request, hidden=hidden_lead_count())
    return _lead_page(request, lead)


def _lead_page(request, lead, *, outcome_form=None, status=200):
    """The lead page, for `lead` as lead_get returns it; `outcome_form` bound with its errors
    when an outcome was refused."""
    qualification = selectors.lead_qualification(lead=lead)
    members = list(workspace_member_list(workspace=request.tenant))
    assignee = next((m.user for m in members if m.user_id == lead.assignee_id), None)
    context = {
        "lead": lead,
        "conversations": selectors.lead_conversations(lead=lead),
        "claims": selectors.lead_claims(lead=lead),
        "qualification": qualification,
        "evidence": qualification.evidence if qualification else [],
        "score_items": lead_score_breakdown(lead=lead),
        "timer": lead_timer(lead),
        "assignee": assignee,
        "assign_form": LeadAssignForm(
            members=members, initial={"assignee": lead.assignee_id or ""}
        ),
        "outcome_form": outcome_form or LeadOutcomeForm(),
        "outcomes": selectors.lead_outcome_list(lead=lead),
        "opening_line": selectors.lead_opening_line(lead=lead),
        "timeline": lead_timeline(lead=lead),
    }
    if request.membership.has_role(Role.ADMIN):
        context["correction_form"] = LeadCorrectionForm(
            initial=lead_services.lead_corrected_values(lead)
        )
    return render(request, "leads/lead_detail.html", context, status=status)


def lead_action(view):
    """A POST on one lead, given the lead. It is looked up before the method is checked: a lead
    of another workspace answers exactly as a missing one does, whatever the method. A lead
    hidden past the plan's limits is not acted on before an upgrade, as it is not shown."""

    @wraps(view)
    def wrapper(request, lead_id):
        lead = Lead.objects.filter(pk=lead_id).first()
        if lead is None:
            raise Http404("No such lead.")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if lead.over_quota:
            return lead_hidden(request, hidden=hidden_lead_count())
        return view(request, lead)

    return wrapper


@lead_action
@admin_required
def lead_correct(request, lead):
    form = LeadCorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the values offered for each box.")
        return redirect("lead_detail", lead_id=lead.pk)
    try:
        corrections = lead_services.lead_correct(
            lead=lead, values=form.cleaned_data, corrected_by=request.user
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if corrections:
            fields = ", ".join(c.get_field_display().lower() for c in corrections)
            messages.success(request, f"Corrected: {fields}.")
        else:
            messages.info(request, "Nothing changed.")
    return redirect("lead_detail", lead_id=lead.pk)


@lead_action
def lead_claim_accept(request, lead):
    """Any member takes for the lead a value a later conversation claimed, having judged it."""
    try:
        conversation_id = int(request.POST.get("conversation", ""))
    except ValueError:
        conversation_id = 0
    try:
        changed = lead_services.lead_claim_accept(
            lead=lead,
            conversation_id=conversation_id,
            field=request.POST.get("field", ""),
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Taken." if changed else "The lead already had that value.")
    return redirect("lead_detail", lead_id=lead.pk)


@lead_action
def lead_assign(request, lead):
    """Any member gives the lead to a member, or to nobody (an empty `assignee`)."""
    form = LeadAssignForm(request.POST, members=workspace_member_list(workspace=request.tenant))
    if not form.is_valid():
        messages.error(request, form.errors["assignee"][0])
        return redirect("lead_detail", lead_id=lead.pk)
    assignee = form.cleaned_data["assignee"]
    try:
        changed = sales_services.lead_assign(lead=lead, assignee=assignee, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if not changed:
            messages.info(request, "Nothing changed.")
        elif assignee is None:
            messages.success(request, "Nobody has this lead now.")
        else:
            messages.success(request, f"Assigned to {assignee.display_name}.")
    return redirect("lead_detail", lead_id=lead.pk)


@lead_action
def lead_outcome_record(request, lead):
    """Any member records what came of the lead; a refused outcome shows the page again with
    the errors on the form's fields."""
    form = LeadOutcomeForm(request.POST)
    if form.is_valid():
        try:
            outcome = sales_services.lead_outcome_record(
                lead=lead, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Recorded: {outcome.get_kind_display().lower()}.")
            return redirect("lead_detail", lead_id=lead.pk)
    return _lead_page(request, selectors.lead_get(lead_id=lead.pk), outcome_form=form, status=400)


@require_safe
@admin_required
def lead_export_labelled(request):
    """The workspace's corrected leads as labelled conversations, one JSON object a line
    (shared/qualification/FORMAT.md), to measure an engine on the workspace's own leads."""
    rows = selectors.labelled_conversation_list(id_prefix=request.tenant.slug)
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    filename = f"{request.tenant.slug}-labelled.jsonl"
    return HttpResponse(
        body,
        content_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
