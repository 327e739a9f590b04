"""Lead pages of the dashboard, for every member of the workspace (read-only for now)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.http import require_safe

from leads import selectors
from leads.forms import LeadFilterForm
from leads.models import ConversationStatus

LEADS_PER_PAGE = 50


@require_safe
def lead_list(request):
    filter_form = LeadFilterForm(request.GET)
    filters = filter_form.filters()
    page = Paginator(selectors.lead_list(**filters), LEADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    statuses = dict(ConversationStatus.choices)
    for lead in page:
        lead.latest_status_label = statuses.get(lead.latest_status, "")
    context = {
        "filter_form": filter_form,
        "filtering": any(filters.values()),
        "page": page,
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
    context = {"lead": lead, "conversations": selectors.lead_conversations(lead=lead)}
    return render(request, "leads/lead_detail.html", context)
