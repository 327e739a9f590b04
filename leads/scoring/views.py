"""The scoring page: the workspace's rules, which every member reads and admins change; each
change rescores every lead in the background, with its progress shown here."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from leads.models import ScoringRule
from leads.scoring import selectors, services
from leads.scoring.forms import ScoringRuleForm
from tenants.models import Role
from tenants.permissions import admin_required


def _scoring_page(request, form=None, editing=None, status=200):
    context = {
        "rules": selectors.scoring_rule_list(),
        "run": selectors.rescore_latest(),
        "can_edit": request.membership.has_role(Role.ADMIN),
        "editing": editing,
    }
    if context["can_edit"]:
        context["form"] = form or ScoringRuleForm(instance=editing)
    return render(request, "leads/scoring.html", context, status=status)


@require_safe
def scoring(request):
    return _scoring_page(request)


def scoring_rule_create(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _rule_save(request, ScoringRule())


def _rule_get(rule_id) -> ScoringRule:
    rule = ScoringRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def scoring_rule_edit(request, rule_id):
    # Looked up before the method and role are checked: another workspace's rule answers as a
    # missing one does, whatever the method.
    rule = _rule_get(rule_id)
    if request.method in ("GET", "HEAD"):
        return _rule_edit_page(request, rule)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return _rule_save(request, rule)


@admin_required
def _rule_edit_page(request, rule):
    return _scoring_page(request, editing=rule)


@admin_required
def _rule_save(request, rule):
    form = ScoringRuleForm(request.POST, instance=rule)
    if not form.is_valid():
        return _scoring_page(request, form=form, editing=rule if rule.pk else None, status=400)
    services.scoring_rule_save(rule=form.save(commit=False))
    messages.success(request, "Rule saved. Every lead is being scored again.")
    return redirect("scoring")


def scoring_rule_toggle(request, rule_id):
    rule = _rule_get(rule_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _rule_toggle(request, rule)


@admin_required
def _rule_toggle(request, rule):
    services.scoring_rule_toggle(rule=rule)
    state = "on" if rule.active else "off"
    messages.success(request, f"Rule turned {state}. Every lead is being scored again.")
    return redirect("scoring")


def scoring_rule_delete(request, rule_id):
    rule = _rule_get(rule_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _rule_delete(request, rule)


@admin_required
def _rule_delete(request, rule):
    services.scoring_rule_delete(rule=rule)
    messages.success(request, "Rule deleted. Every lead is being scored again.")
    return redirect("scoring")
