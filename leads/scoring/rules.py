"""Each kind of scoring rule as a query: the leads it matches, with the points it gives them,
why, and (for behaviour) the latest event it counted. leads/scoring/rescore.py inserts these
rows for every rule at once, in the database.

A rule's query is a queryset with four columns, aliased `score_lead`, `score_points`,
`score_reason` and `score_at`. Who the lead is (firmographic kinds) is read from the lead's row
and its conversations; what the lead did (behaviour kinds) from its LeadEvent rows, or the
conversations where it answered a step, grouped by lead."""

import re
import unicodedata
from datetime import timedelta

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat, Greatest, Left, Lower, Round, Trim

from forms_builder.models import LeadField
from leads.models import Conversation, EventKind, Lead, LeadEvent, RuleKind, ScoringRule

FREE_WEBMAIL_DOMAINS = (
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.fr",
    "ymail.com",
    "hotmail.com",
    "hotmail.fr",
    "outlook.com",
    "outlook.fr",
    "live.com",
    "live.fr",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.com",
    "gmx.fr",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "proton.me",
    "protonmail.com",
    "yandex.com",
    "zoho.com",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "neuf.fr",
    "laposte.net",
    "bbox.fr",
)

# What the address of a pricing page contains, in English and French (/pricing, /tarifs).
PRICING_URL_WORDS = ("pricing", "tarif")

# Accented letters and what they fold to, so that "Président" matches "president": Postgres'
# translate() does it in the query, without the unaccent extension.
_ACCENTED = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ"
_PLAIN = "aaaaaaceeeeiiiinooooouuuuyy"

# Lead columns an `answer_equals` rule may name instead of a step key: contact steps fill them.
LEAD_FIELD_COLUMNS = {value for value, _ in LeadField.choices}

REASON_LENGTH = 300


def text_fold(text: str) -> str:
    """Lower case, without accents, as _folded() does in the database."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def _folded(expression):
    return Func(
        Lower(expression),
        Value(_ACCENTED),
        Value(_PLAIN),
        function="translate",
        output_field=CharField(),
    )


def _reason(*parts):
    if len(parts) == 1:  # a fixed reason: Concat wants two parts at least
        return Value(str(parts[0])[:REASON_LENGTH], output_field=CharField())
    parts = [part if hasattr(part, "resolve_expression") else Value(part) for part in parts]
    return Left(Concat(*parts, output_field=CharField()), REASON_LENGTH)


def _words_pattern(words) -> str | None:
    """A Postgres regular expression matching any of `words` as whole words (\\m, \\M)."""
    folded = [text_fold(w) for w in words if text_fold(str(w))]
    if not folded:
        return None
    return r"\m(" + "|".join(re.escape(w) for w in folded) + r")\M"


# --- Who the lead is ------------------------------------------------------------------------


def _lead_rows(rule: ScoringRule, leads: QuerySet, reason) -> QuerySet:
    # A NULL typed as a timestamp: a bare one would be text to INSERT … SELECT.
    return (
        leads.order_by()
        .annotate(
            score_lead=F("pk"),
            score_points=Value(rule.points),
            score_reason=reason,
            score_at=Cast(Value(None), DateTimeField()),
        )
        .values("score_lead", "score_points", "score_reason", "score_at")
    )


def _job_title_matches(rule, leads, now):
    pattern = _words_pattern(rule.params.get("words") or [])
    if pattern is None:
        return leads.none()
    matching = leads.annotate(score_title=_folded(F("job_title"))).filter(
        score_title__regex=pattern
    )
    return _lead_rows(rule, matching, _reason("Job title: ", F("job_title")))


def _company_size_at_least(rule, leads, now):
    # A size is a range ("51-200", "1000+") or a head count: its first number is the lower bound.
    lower_bound = Cast(
        Func(F("company_size"), Value(r"^\s*(\d{1,9})"), function="substring"), IntegerField()
    )
    matching = leads.annotate(score_headcount=lower_bound).filter(
        score_headcount__gte=int(rule.params.get("headcount") or 0)
    )
    return _lead_rows(rule, matching, _reason("Company size: ", F("company_size")))


def _email_free_webmail(rule, leads, now):
    domain = Func(
        Lower("email"), Value("@"), Value(2), function="split_part", output_field=CharField()
    )
    matching = leads.annotate(score_domain=domain).filter(score_domain__in=FREE_WEBMAIL_DOMAINS)
    return _lead_rows(rule, matching, _reason("Free webmail address: ", F("score_domain")))


def _conversation_value_equals(json_field: str, rule, leads):
    field, value = str(rule.params.get("field", "")), str(rule.params.get("value", ""))
    # An unverified conversation's answers say nothing about who the lead is (leads/claims.py).
    said = Conversation.objects.filter(lead=OuterRef("pk"), unverified=False).annotate(
        score_value=Lower(KeyTextTransform(field, json_field))
    )
    # A multiple-choice answer is a list: one of its options is enough.
    condition = Q(score_value=value.strip().lower()) | Q(
        **{f"{json_field}__contains": {field: [value]}}
    )
    matching = leads.filter(Exists(said.filter(condition)))
    return _lead_rows(rule, matching, _reason(f"{field} is {value}"[:REASON_LENGTH]))


def _answer_equals(rule, leads, now):
    field, value = str(rule.params.get("field", "")), str(rule.params.get("value", ""))
    if field in LEAD_FIELD_COLUMNS:
        matching = leads.filter(**{f"{field}__iexact": value.strip()})
        return _lead_rows(rule, matching, _reason(f"{field} is {value}"[:REASON_LENGTH]))
    return _conversation_value_equals("answers", rule, leads)


def _hidden_field_equals(rule, leads, now):
    return _conversation_value_equals("hidden_fields", rule, leads)


def _country_in(rule, leads, now):
    countries = [text_fold(str(c)) for c in rule.params.get("countries") or []]
    countries = [c for c in countries if c]
    if not countries:
        return leads.none()
    matching = leads.annotate(score_country=Trim(_folded(F("country")))).filter(
        score_country__in=countries
    )
    return _lead_rows(rule, matching, _reason("Country: ", F("country")))


# --- What the lead did ----------------------------------------------------------------------


def _event_rows(
    rule: ScoringRule, events: QuerySet, now, reason, *, at_least: int = 1, at="occurred_at"
):
    """One row per lead among `events`' leads with at least `at_least` of them. Decaying
    points fade linearly from the latest event (its `at`): full when it just happened, none
    after `decay_days`."""
    grouped = (
        events.order_by()
        .values(score_lead=F("lead"))
        .annotate(score_count=Count("pk"), score_at=Max(at))
        .filter(score_count__gte=at_least)
    )
    points = Value(rule.points)
    if rule.decay_days:
        age_seconds = Func(
            Value(now, output_field=DateTimeField()) - F("score_at"),
            template="EXTRACT(EPOCH FROM %(expressions)s)",
            output_field=FloatField(),
        )
        left = Greatest(Value(0.0), Value(1.0) - age_seconds / Value(rule.decay_days * 86400.0))
        points = Cast(Round(Value(float(rule.points)) * left), IntegerField())
    return grouped.annotate(score_points=points, score_reason=reason)


def _page_views(leads_filter: Q, now):
    return LeadEvent.objects.filter(leads_filter, kind=EventKind.PAGE_VIEW)


def _visited_url_contains(rule, leads_filter, now):
    text = str(rule.params.get("text", "")).strip()
    if not text:
        return LeadEvent.objects.none()
    events = _page_views(leads_filter, now).filter(url__icontains=text)
    reason = _reason(Cast(F("score_count"), CharField()), f" visits of pages with “{text}”")
    return _event_rows(rule, events, now, reason)


def _visited_pricing(rule, leads_filter, now):
    on_pricing = Q()
    for word in PRICING_URL_WORDS:
        on_pricing |= Q(url__icontains=word)
    events = _page_views(leads_filter, now).filter(on_pricing)
    reason = _reason(Cast(F("score_count"), CharField()), " visits of the pricing page")
    return _event_rows(rule, events, now, reason)


def _visits_at_least_in_days(rule, leads_filter, now):
    visits, days = int(rule.params.get("visits") or 1), int(rule.params.get("days") or 1)
    events = _page_views(leads_filter, now).filter(occurred_at__gte=now - timedelta(days=days))
    reason = _reason(Cast(F("score_count"), CharField()), f" page views in {days} days")
    return _event_rows(rule, events, now, reason, at_least=visits)


def _email_opened_at_least(rule, leads_filter, now):
    count = int(rule.params.get("count") or 1)
    events = LeadEvent.objects.filter(leads_filter, kind=EventKind.EMAIL_OPEN)
    reason = _reason(Cast(F("score_count"), CharField()), " e-mails opened")
    return _event_rows(rule, events, now, reason, at_least=count)


def _email_clicked(rule, leads_filter, now):
    events = LeadEvent.objects.filter(leads_filter, kind=EventKind.EMAIL_CLICK)
    reason = _reason(Cast(F("score_count"), CharField()), " e-mail links clicked")
    return _event_rows(rule, events, now, reason)


def _replied_to_step(rule, leads_filter, now):
    """Conversations are the events here: each one where the visitor answered the step, the
    latest answer counting for decay."""
    step = str(rule.params.get("step", "")).strip()
    if not step:
        return Conversation.objects.none()
    answered = Conversation.objects.filter(leads_filter, answers__has_key=step, unverified=False)
    question = str(rule.params.get("question") or step)
    return _event_rows(rule, answered, now, _reason(f"Answered “{question}”"), at="last_turn_at")


_FIRMOGRAPHIC = {
    RuleKind.JOB_TITLE_MATCHES: _job_title_matches,
    RuleKind.COMPANY_SIZE_AT_LEAST: _company_size_at_least,
    RuleKind.EMAIL_FREE_WEBMAIL: _email_free_webmail,
    RuleKind.ANSWER_EQUALS: _answer_equals,
    RuleKind.HIDDEN_FIELD_EQUALS: _hidden_field_equals,
    RuleKind.COUNTRY_IN: _country_in,
}
_BEHAVIOUR = {
    RuleKind.VISITED_URL_CONTAINS: _visited_url_contains,
    RuleKind.VISITED_PRICING: _visited_pricing,
    RuleKind.VISITS_AT_LEAST_IN_DAYS: _visits_at_least_in_days,
    RuleKind.EMAIL_OPENED_AT_LEAST: _email_opened_at_least,
    RuleKind.EMAIL_CLICKED: _email_clicked,
    RuleKind.REPLIED_TO_STEP: _replied_to_step,
}


def rule_rows(rule: ScoringRule, *, lead_scope: Q, event_scope: Q, now) -> QuerySet:
    """The rule's rows (score_lead, score_points, score_reason, score_at) for the leads in
    scope: `lead_scope` filters Lead, `event_scope` the same leads from LeadEvent (or from
    Conversation: both name them `lead`)."""
    if rule.kind in _FIRMOGRAPHIC:
        return _FIRMOGRAPHIC[rule.kind](rule, Lead.objects.filter(lead_scope), now)
    if rule.kind in _BEHAVIOUR:
        return _BEHAVIOUR[rule.kind](rule, event_scope, now)
    return Lead.objects.none()
