"""Scoring: each kind of rule evaluated in the database, negative points, decay, the
breakdown, the set-based rescore (its query count does not grow with the leads), the default
rules of a new workspace, the seed's leads A and B, and isolation between workspaces."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.models import (
    Conversation,
    EventKind,
    Lead,
    LeadEvent,
    LeadScoreItem,
    RescoreRun,
    RuleChange,
    RuleKind,
    ScoringRule,
)
from leads.scoring import rescore
from leads.scoring.rescore import lead_rescore, leads_rescore
from leads.scoring.services import rescore_queue
from leads.services.conversations import conversation_start
from leads.tasks import lead_qualify_task
from tests.factories import LeadFactory, WorkspaceFactory
from tests.leads.conversations import LEAD_A, LEAD_B, converse, discovery_form

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield


def only_rule(kind, *, points=10, decay_days=None, **params) -> ScoringRule:
    """The workspace's only active rule (the defaults are turned off for the test)."""
    ScoringRule.objects.update(active=False)
    return ScoringRule.objects.create(
        name=f"Rule {kind}", kind=kind, params=params, points=points, decay_days=decay_days
    )


def scores(*leads, now=NOW) -> list[int]:
    leads_rescore(lead_ids=[lead.pk for lead in leads], now=now)
    by_id = dict(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("pk", "score"))
    return [by_id[lead.pk] for lead in leads]


def event(lead, kind=EventKind.PAGE_VIEW, url="", days_ago=0.0, **extra) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead, kind=kind, url=url, occurred_at=NOW - timedelta(days=days_ago), **extra
    )


def conversation_of(lead, *, answers=None, hidden_fields=None) -> Conversation:
    form = form_create(name="Contact")
    form_publish(form=form)
    conversation = conversation_start(form=form).conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        lead=lead, answers=answers or {}, hidden_fields=hidden_fields or {}
    )
    return conversation


# --- Who the lead is ------------------------------------------------------------------------


def test_job_title_matches_any_whole_word_ignoring_case_and_accents(in_a):
    only_rule(RuleKind.JOB_TITLE_MATCHES, words=["CEO", "président", "DG"])
    ceo = LeadFactory(job_title="Co-founder & ceo")
    president = LeadFactory(job_title="PRESIDENT")
    deputy = LeadFactory(job_title="DGA")  # not "DG": whole words only
    aide = LeadFactory(job_title="Presidential aide")
    nobody = LeadFactory(job_title="")

    assert scores(ceo, president, deputy, aide, nobody) == [10, 10, 0, 0, 0]


def test_company_size_compares_the_lower_bound_of_the_range(in_a):
    only_rule(RuleKind.COMPANY_SIZE_AT_LEAST, headcount=51)
    sizes = ["51-200", "1000+", "200", "11-50", "30", "", "a lot"]
    leads = [LeadFactory(company_size=size) for size in sizes]

    assert scores(*leads) == [10, 10, 10, 0, 0, 0, 0]


def test_free_webmail_addresses_by_domain(in_a):
    only_rule(RuleKind.EMAIL_FREE_WEBMAIL, points=-5)
    gmail = LeadFactory(email="jo@Gmail.com")
    orange = LeadFactory(email="jo@orange.fr")
    company = LeadFactory(email="jo@acme.example")
    lookalike = LeadFactory(email="jo@notgmail.com")

    assert scores(gmail, orange, company, lookalike) == [-5, -5, 0, 0]


def test_answer_equals_reads_a_step_answer_or_a_contact_field(in_a):
    rule = only_rule(RuleKind.ANSWER_EQUALS, field="plan", value="Enterprise")
    said = LeadFactory()
    conversation_of(said, answers={"plan": "enterprise"})
    chose_several = LeadFactory()
    conversation_of(chose_several, answers={"plan": ["Starter", "Enterprise"]})
    other = LeadFactory()
    conversation_of(other, answers={"plan": "Starter"})
    silent = LeadFactory()

    assert scores(said, chose_several, other, silent) == [10, 10, 0, 0]

    rule.params = {"field": "company", "value": "acme"}
    rule.save()
    acme = LeadFactory(company="ACME")
    assert scores(acme, other) == [10, 0]


def test_the_answers_of_a_conversation_that_only_claims_the_lead_score_nothing(in_a):
    """A later conversation that gave the lead's e-mail proves nothing about who the lead is
    (leads/claims.py): its answers and hidden fields neither add points nor take any away."""
    only_rule(RuleKind.ANSWER_EQUALS, field="plan", points=-30, value="student")
    lead = LeadFactory()
    claim = conversation_of(lead, answers={"plan": "Student"}, hidden_fields={"seg": "x"})
    Conversation.objects.filter(pk=claim.pk).update(unverified=True)

    assert scores(lead) == [0]
    for kind, params in [
        (RuleKind.HIDDEN_FIELD_EQUALS, {"field": "seg", "value": "x"}),
        (RuleKind.REPLIED_TO_STEP, {"step": "plan"}),
    ]:
        only_rule(kind, **params)
        assert scores(lead) == [0], kind


def test_hidden_field_equals(in_a):
    only_rule(RuleKind.HIDDEN_FIELD_EQUALS, field="segment", value="enterprise")
    tagged = LeadFactory()
    conversation_of(tagged, hidden_fields={"segment": "Enterprise"})
    other = LeadFactory()
    conversation_of(other, hidden_fields={"segment": "smb"})

    assert scores(tagged, other) == [10, 0]


def test_country_in_any_of_the_listed_countries_ignoring_case_and_accents(in_a):
    only_rule(RuleKind.COUNTRY_IN, countries=["France", "Belgique", "CH"])
    french, swiss, german, unknown = (
        LeadFactory(country=" FRANCE "),
        LeadFactory(country="ch"),
        LeadFactory(country="Germany"),
        LeadFactory(country=""),
    )
    belgian = LeadFactory(country="Bélgique")

    assert scores(french, swiss, german, unknown, belgian) == [10, 10, 0, 0, 10]
    item = LeadScoreItem.objects.get(lead=french)
    assert item.reason == "Country:  FRANCE "


# --- What the lead did ----------------------------------------------------------------------


def test_visited_url_contains_counts_page_views_only(in_a):
    only_rule(RuleKind.VISITED_URL_CONTAINS, text="/demo")
    visitor, clicker, reader = LeadFactory(), LeadFactory(), LeadFactory()
    event(visitor, url="https://acme.example/DEMO?ref=x")
    event(clicker, EventKind.EMAIL_CLICK, url="https://acme.example/demo")
    event(reader, url="https://acme.example/blog")

    assert scores(visitor, clicker, reader) == [10, 0, 0]


def test_visited_pricing_in_english_or_french(in_a):
    only_rule(RuleKind.VISITED_PRICING, points=15)
    english, french, elsewhere = LeadFactory(), LeadFactory(), LeadFactory()
    event(english, url="https://acme.example/pricing")
    event(french, url="https://acme.example/fr/tarifs")
    event(elsewhere, url="https://acme.example/")

    assert scores(english, french, elsewhere) == [15, 15, 0]


def test_visits_at_least_in_days_counts_recent_page_views(in_a):
    only_rule(RuleKind.VISITS_AT_LEAST_IN_DAYS, visits=3, days=7)
    busy, once_long_ago = LeadFactory(), LeadFactory()
    for days_ago in (0, 1, 6):
        event(busy, days_ago=days_ago)
    for days_ago in (0, 1, 10):
        event(once_long_ago, days_ago=days_ago)

    assert scores(busy, once_long_ago) == [10, 0]


def test_email_opened_at_least(in_a):
    only_rule(RuleKind.EMAIL_OPENED_AT_LEAST, points=5, count=3)
    three, two = LeadFactory(), LeadFactory()
    for _ in range(3):
        event(three, EventKind.EMAIL_OPEN)
    for _ in range(2):
        event(two, EventKind.EMAIL_OPEN)
    event(two, EventKind.EMAIL_CLICK)

    assert scores(three, two) == [5, 0]


def test_email_clicked(in_a):
    only_rule(RuleKind.EMAIL_CLICKED)
    clicked, opened = LeadFactory(), LeadFactory()
    event(clicked, EventKind.EMAIL_CLICK, url="https://acme.example/offer")
    event(opened, EventKind.EMAIL_OPEN)

    assert scores(clicked, opened) == [10, 0]


def test_replied_to_step_counts_the_conversations_that_answered_it(in_a):
    only_rule(RuleKind.REPLIED_TO_STEP, step="plan0000001", question="Which plan?")
    answered, skipped = LeadFactory(), LeadFactory()
    conversation_of(answered, answers={"plan0000001": "Growth"})
    conversation_of(skipped, answers={"other000001": "x"})

    assert scores(answered, skipped) == [10, 0]
    assert LeadScoreItem.objects.get(lead=answered).reason == "Answered “Which plan?”"


def test_replied_to_step_fades_from_the_latest_answer(in_a):
    only_rule(RuleKind.REPLIED_TO_STEP, points=20, decay_days=10, step="plan0000001")
    lead = LeadFactory()
    conversation = conversation_of(lead, answers={"plan0000001": "Growth"})
    Conversation.objects.filter(pk=conversation.pk).update(last_turn_at=NOW - timedelta(days=5))

    assert scores(lead) == [10]


def test_events_of_no_lead_score_nobody(in_a):
    only_rule(RuleKind.VISITED_PRICING)
    lead = LeadFactory()
    event(None, url="https://acme.example/pricing", visitor_id="anonymous")

    assert scores(lead) == [0]


# --- Points ---------------------------------------------------------------------------------


def test_decayed_points_halfway_through_are_half(in_a):
    only_rule(RuleKind.VISITED_PRICING, points=10, decay_days=10)
    fresh, halfway, faded = LeadFactory(), LeadFactory(), LeadFactory()
    event(fresh, url="/pricing")
    event(halfway, url="/pricing", days_ago=5)
    event(faded, url="/pricing", days_ago=12)

    assert scores(fresh, halfway, faded) == [10, 5, 0]
    # A rule that gives nothing leaves no line in the breakdown.
    assert not LeadScoreItem.objects.filter(lead=faded).exists()


def test_decay_counts_from_the_latest_matching_event(in_a):
    only_rule(RuleKind.EMAIL_OPENED_AT_LEAST, points=20, decay_days=10, count=2)
    lead = LeadFactory()
    event(lead, EventKind.EMAIL_OPEN, days_ago=30)
    event(lead, EventKind.EMAIL_OPEN, days_ago=2.5)

    assert scores(lead) == [15]


def test_the_score_is_the_sum_of_the_rules_negative_ones_included(in_a):
    only_rule(RuleKind.JOB_TITLE_MATCHES, points=10, words=["CEO"])
    ScoringRule.objects.create(
        name="Free webmail", kind=RuleKind.EMAIL_FREE_WEBMAIL, params={}, points=-25
    )
    lead = LeadFactory(job_title="CEO", email="boss@gmail.com")

    assert scores(lead) == [-15]


def test_the_breakdown_says_which_rule_why_how_many_points_and_when(in_a):
    title = only_rule(RuleKind.JOB_TITLE_MATCHES, words=["CEO"])
    pricing = ScoringRule.objects.create(
        name="Pricing", kind=RuleKind.VISITED_PRICING, params={}, points=15
    )
    lead = LeadFactory(job_title="CEO")
    event(lead, url="/pricing", days_ago=3)
    event(lead, url="/pricing", days_ago=1)

    leads_rescore(lead_ids=[lead.pk], now=NOW)

    items = {item.rule_id: item for item in LeadScoreItem.objects.filter(lead=lead)}
    assert set(items) == {title.pk, pricing.pk}
    assert (items[title.pk].points, items[title.pk].reason) == (10, "Job title: CEO")
    assert items[title.pk].occurred_at is None
    assert (items[pricing.pk].points, items[pricing.pk].reason) == (
        15,
        "2 visits of the pricing page",
    )
    assert items[pricing.pk].occurred_at == NOW - timedelta(days=1)
    assert items[pricing.pk].computed_at == NOW


def test_rescoring_replaces_the_breakdown(in_a):
    rule = only_rule(RuleKind.JOB_TITLE_MATCHES, words=["CEO"])
    lead = LeadFactory(job_title="CEO")
    assert scores(lead) == [10]
    assert scores(lead) == [10]
    assert LeadScoreItem.objects.filter(lead=lead).count() == 1

    rule.active = False
    rule.save()

    assert scores(lead) == [0]
    assert not LeadScoreItem.objects.filter(lead=lead).exists()


def test_rescoring_some_leads_leaves_the_others(in_a):
    only_rule(RuleKind.JOB_TITLE_MATCHES, words=["CEO"])
    rescored, untouched = LeadFactory(job_title="CEO"), LeadFactory(job_title="CEO")

    leads_rescore(lead_ids=[rescored.pk], now=NOW)

    assert Lead.objects.get(pk=untouched.pk).score == 0
    assert lead_rescore(lead=untouched).score == 10


# --- Every lead, set-based ------------------------------------------------------------------


def _leads_with_events(count: int) -> None:
    leads = Lead.objects.bulk_create(
        Lead(email=f"n{count}-{i}@acme.example", job_title="CEO", company_size="51-200")
        for i in range(count)
    )
    LeadEvent.objects.bulk_create(
        LeadEvent(lead=lead, kind=kind, url="https://acme.example/pricing", occurred_at=NOW)
        for lead in leads
        for kind in (EventKind.PAGE_VIEW, *[EventKind.EMAIL_OPEN] * 3)
    )


def _queries_to_rescore_everyone() -> int:
    with CaptureQueriesContext(connection) as queries:
        leads_rescore(now=NOW)
    return len(queries)


def test_rescoring_every_lead_takes_as_many_queries_for_10_or_100_leads(in_a):
    _leads_with_events(10)
    with_10 = _queries_to_rescore_everyone()
    _leads_with_events(90)
    with_100 = _queries_to_rescore_everyone()

    assert with_10 == with_100
    # The default rules (CEO, company > 50, pricing, 3 e-mails): 10 + 20 + 15 + 5 for each.
    assert set(Lead.objects.values_list("score", flat=True)) == {50}
    assert LeadScoreItem.objects.count() == 400


def test_a_rescore_run_counts_its_progress_chunk_by_chunk(
    in_a, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(rescore, "RESCORE_CHUNK", 2)
    _leads_with_events(5)

    with django_capture_on_commit_callbacks(execute=True):
        run = rescore_queue(action=RuleChange.UPDATED, rules=[])

    run.refresh_from_db()
    assert (run.total, run.done) == (5, 5)
    assert run.finished_at is not None
    assert set(Lead.objects.values_list("score", flat=True)) == {50}


# --- Defaults, the seed, workspaces ---------------------------------------------------------


def test_a_new_workspace_starts_with_the_seeds_rules():
    workspace = WorkspaceFactory()

    with schema_context(workspace.schema_name):
        rules = list(ScoringRule.objects.values_list("kind", "points", "active"))

    assert rules == [
        (RuleKind.JOB_TITLE_MATCHES, 10, True),
        (RuleKind.COMPANY_SIZE_AT_LEAST, 20, True),
        (RuleKind.VISITED_PRICING, 15, True),
        (RuleKind.EMAIL_OPENED_AT_LEAST, 5, True),
    ]


def test_the_seeds_lead_a_outscores_lead_b(workspace_a, django_capture_on_commit_callbacks):
    # Given the seed's two leads, through the real conversation pipeline, and their behaviour:
    # A (CEO, 200 people) saw 15 pages including pricing and opened 5 e-mails; B (manager of
    # 30 people) saw 3 pages.
    form = discovery_form(workspace_a)
    a = converse(workspace_a, form, LEAD_A).lead_id
    b = converse(workspace_a, form, LEAD_B).lead_id
    with schema_context(workspace_a.schema_name):
        a, b = Lead.objects.get(pk=a), Lead.objects.get(pk=b)
        for page in range(14):
            event(a, url=f"https://parley.example/blog/{page}", days_ago=page / 2)
        event(a, url="https://parley.example/pricing", days_ago=1)
        for _ in range(5):
            event(a, EventKind.EMAIL_OPEN, days_ago=3)
        for page in range(3):
            event(b, url=f"https://parley.example/blog/{page}")

        # When the conversation's end queues its qualification, which scores the lead first
        assert lead_qualify_task.delay(a.pk).get() is True
        assert lead_qualify_task.delay(b.pk).get() is True

        # Then the seed's four rules all count for A (+10 CEO, +20 more than 50 people,
        # +15 pricing, +5 three e-mails) and none for B
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.score, b.score) == (50, 0)
        assert sorted(LeadScoreItem.objects.filter(lead=a).values_list("points", flat=True)) == [
            5,
            10,
            15,
            20,
        ]

        # and a workspace that adds the seed's "visited 15 pages" (+35) gives A its 85.
        ScoringRule.objects.create(
            name="Engaged visitor",
            kind=RuleKind.VISITS_AT_LEAST_IN_DAYS,
            params={"visits": 10, "days": 30},
            points=35,
        )
        assert scores(a, b, now=timezone.now()) == [85, 0]


def test_a_workspaces_rules_never_score_another_workspaces_leads(workspace_a, workspace_b):
    with schema_context(workspace_b.schema_name):
        b_lead = LeadFactory(job_title="CEO")
        leads_rescore(now=NOW)
        assert Lead.objects.get(pk=b_lead.pk).score == 10  # B's default CEO rule
    with schema_context(workspace_a.schema_name):
        ScoringRule.objects.create(
            name="Big bonus", kind=RuleKind.JOB_TITLE_MATCHES, params={"words": ["CEO"]}, points=90
        )
        LeadFactory(job_title="CEO")
        leads_rescore(now=NOW)
        RescoreRun.objects.create(total=1)

    with schema_context(workspace_b.schema_name):
        assert Lead.objects.get(pk=b_lead.pk).score == 10
        assert not RescoreRun.objects.exists()
        assert list(LeadScoreItem.objects.values_list("points", flat=True)) == [10]
