"""The reports (members read them all; only admins apply suggested points): forms and their
funnels, outcomes, and weight suggestions. Each page reads a period from the query string and
takes the same few queries whatever the data."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from forms_builder.models import Form
from leads.scoring.services import scoring_rules_points_set
from reports import charts
from reports.forms import PeriodForm, RuleChoiceForm
from reports.selectors.funnel import form_funnel, forms_summary
from reports.selectors.outcomes import outcome_report
from reports.selectors.suggestions import queue_preview, rule_suggestions
from reports.statistics import MIN_DECIDED, MIN_GROUP, POINTS_TO_DOUBLE_ODDS
from tenants.models import Role
from tenants.permissions import admin_required


def _period(request):
    form = PeriodForm(request.GET)
    return form, form.chosen_period()


@require_safe
def reports_index(request):
    period_form, period = _period(request)
    rows = forms_summary(period=period)
    context = {
        "period_form": period_form,
        "period": period,
        "rows": rows,
        "chart": charts.forms_chart(rows),
    }
    return render(request, "reports/index.html", context)


def report_form(request, form_id):
    # Looked up before the method is checked: another workspace's form answers as a missing
    # one does, whatever the method.
    form = Form.objects.filter(pk=form_id).first()
    if form is None:
        raise Http404("No such form.")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    period_form, period = _period(request)
    funnel = form_funnel(form=form, period=period)
    context = {
        "period_form": period_form,
        "period": period,
        "form": form,
        "funnel": funnel,
        "charts": {
            "funnel": charts.funnel_chart(funnel),
            "drop_off": charts.drop_off_chart(funnel),
            "qualification": charts.qualification_chart(funnel),
            "disqualification": charts.disqualification_chart(funnel),
            "sources": charts.sources_chart(funnel),
        },
    }
    return render(request, "reports/form.html", context)


@require_safe
def report_outcomes(request):
    period_form, period = _period(request)
    report = outcome_report(period=period, workspace=request.tenant)
    breakdowns = [
        (breakdown, charts.win_rate_chart(breakdown, report.main_currency))
        for breakdown in report.breakdowns
    ]
    context = {
        "period_form": period_form,
        "period": period,
        "report": report,
        "breakdowns": breakdowns,
        "first_contact_chart": charts.first_contact_chart(report.first_contact),
    }
    return render(request, "reports/outcomes.html", context)


def _suggested_points(suggestions, rule_ids) -> dict[int, tuple[int, int]]:
    by_id = {s.rule.pk: s for s in suggestions}
    return {pk: (by_id[pk].rule.points, by_id[pk].suggested_points) for pk in rule_ids}


@require_safe
def report_suggestions(request):
    """The suggestions, and with rules ticked (?rule=…), the call queue with their suggested
    points, computed without saving anything."""
    suggestions = rule_suggestions()
    choice = RuleChoiceForm(request.GET or None, suggestions=suggestions)
    preview = None
    if choice.is_bound and choice.is_valid():
        changes = _suggested_points(suggestions, choice.cleaned_data["rule"])
        preview = queue_preview(changes=changes, weight=request.tenant.priority_score_weight)
    context = {
        "suggestions": suggestions,
        "choice": choice,
        "chosen": set(choice.cleaned_data["rule"]) if preview else set(),
        "preview": preview,
        "can_apply": request.membership.has_role(Role.ADMIN),
        "min_decided": MIN_DECIDED,
        "min_group": MIN_GROUP,
        "points_to_double": POINTS_TO_DOUBLE_ODDS,
    }
    return render(
        request, "reports/suggestions.html", context, status=400 if choice.errors else 200
    )


@require_POST
@admin_required
def report_suggestions_apply(request):
    """Save the suggested points of the ticked rules, as the suggestions stand now (the points
    are never taken from the request), through the scoring services: one rescore follows."""
    suggestions = rule_suggestions()
    choice = RuleChoiceForm(request.POST, suggestions=suggestions)
    if not choice.is_valid():
        for errors in choice.errors.values():
            messages.error(request, errors[0])
        return redirect("report_suggestions")
    changes = _suggested_points(suggestions, choice.cleaned_data["rule"])
    rules = scoring_rules_points_set(points={pk: new for pk, (_, new) in changes.items()})
    names = ", ".join(f"{rule.name} ({rule.points:+d})" for rule in rules)
    messages.success(request, f"New points saved: {names}. Every lead is being scored again.")
    return redirect("scoring")
