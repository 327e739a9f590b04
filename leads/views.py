"""Lead pages of the dashboard: every member reads them; admins correct a lead's qualification
and export the corrected leads."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from billing.selectors import hidden_lead_count, leads_within_quota
from billing.views import lead_hidden
from leads import prioritization, selectors
from leads.forms import LeadCorrectionForm, LeadFilterForm
from leads.models import ConversationStatus, Lead
from leads.scoring.selectors import lead_score_breakdown
from leads.services import leads as lead_services
from tenants.models import PriorityScoreWeight, Role
from tenants.permissions import admin_required

LEADS_PER_PAGE = 50


@require_safe
def lead_list(request):
    filter_form = LeadFilterForm(request.GET)
    filters = filter_form.filters()
    leads = leads_within_quota(selectors.lead_list(**filters))
    page = Paginator(leads, LEADS_PER_PAGE).get_page(request.GET.get("page"))
    statuses = dict(ConversationStatus.choices)
    for lead in page:
        lead.latest_status_label = statuses.get(lead.latest_status, "")
        lead.priority_reasons = prioritization.lead_priority_reasons(lead)
    order = filters.pop("order")
    context = {
        "filter_form": filter_form,
        "filtering": any(filters.values()),
        "order": order,
        "page": page,
        "priority_rule": prioritization.PRIORITY_RULE,
        "score_first": request.tenant.priority_score_weight == PriorityScoreWeight.SCORE_FIRST,
    }
    return render(request, "leads/lead_list.html", context)


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
    qualification = selectors.lead_qualification(lead=lead)
    context = {
        "lead": lead,
        "conversations": selectors.lead_conversations(lead=lead),
        "qualification": qualification,
        "evidence": qualification.evidence if qualification else [],
        "score_items": lead_score_breakdown(lead=lead),
    }
    if request.membership.has_role(Role.ADMIN):
        context["correction_form"] = LeadCorrectionForm(
            initial=lead_services.lead_corrected_values(lead)
        )
    return render(request, "leads/lead_detail.html", context)


def lead_correct(request, lead_id):
    # As lead_detail: a lead of another workspace answers as a missing one, whatever the method.
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        raise Http404("No such lead.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _lead_correct(request, lead)


@admin_required
def _lead_correct(request, lead):
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
