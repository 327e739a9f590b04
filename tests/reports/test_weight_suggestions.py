"""Weight suggestions: each active rule's evidence from the won and lost leads, the call queue
previewed with suggested points without writing anything, and applying them (admins only)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import (
    Lead,
    LeadScoreItem,
    Outcome,
    QualificationStatus,
    RescoreRun,
    RuleKind,
    ScoringRule,
    Timing,
)
from leads.prioritization import lead_priority_of
from reports.selectors.suggestions import queue_preview, rule_suggestions
from tenants.models import PriorityScoreWeight
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

BANT_FIRST = PriorityScoreWeight.BANT_FIRST


def ceo_rule() -> ScoringRule:
    return ScoringRule.objects.get(kind=RuleKind.JOB_TITLE_MATCHES)


def scored_lead(*, rule=None, points=0, extra=0, **columns) -> Lead:
    """A lead placed in the queue, with `points` from `rule` and `extra` from elsewhere."""
    lead = LeadFactory(score=points + extra, **columns)
    if rule is not None:
        LeadScoreItem.objects.create(
            lead=lead, rule=rule, points=points, reason="test", computed_at=timezone.now()
        )
    lead.priority = lead_priority_of(lead, weight=BANT_FIRST)
    lead.save(update_fields=["priority"])
    return lead


@pytest.fixture
def history(in_a):
    """100 decided leads: 40 the CEO rule gave points (20 won), 60 it did not (10 won)."""
    with in_a():
        rule = ceo_rule()
        for number in range(40):
            outcome = Outcome.WON if number < 20 else Outcome.LOST
            scored_lead(rule=rule, points=rule.points, outcome=outcome)
        for number in range(60):
            scored_lead(outcome=Outcome.WON if number < 10 else Outcome.LOST)
        # Neither decided nor visible: left out.
        scored_lead(rule=rule, points=rule.points, outcome=Outcome.CONTACTED)
        hidden = scored_lead(rule=rule, points=rule.points, outcome=Outcome.WON)
        Lead.objects.filter(pk=hidden.pk).update(over_quota=True)
        return rule


def test_each_active_rule_gets_its_evidence_and_a_suggestion(in_a, history):
    with in_a():
        ScoringRule.objects.filter(kind=RuleKind.EMAIL_OPENED_AT_LEAST).update(active=False)

        suggestions = {s.rule.name: s for s in rule_suggestions()}

    assert len(suggestions) == 3
    ceo = suggestions[history.name]
    evidence = ceo.evidence
    assert (evidence.won_with, evidence.n_with, evidence.won_without, evidence.n_without) == (
        20,
        40,
        10,
        60,
    )
    assert evidence.lift == pytest.approx(3.0)
    assert ceo.suggested_points == 38
    assert ceo.changes_points


def test_a_rule_no_decided_lead_matched_has_too_little_data(in_a, history):
    with in_a():
        suggestions = [s for s in rule_suggestions() if s.rule.pk != history.pk]

    assert {s.evidence.shortfall for s in suggestions} == {
        "Too little data: 0 decided leads with the rule's points and 100 without; at least 5 "
        "in each needed."
    }
    assert not any(s.changes_points for s in suggestions)


@pytest.fixture
def queue(in_a):
    """Four leads of the same status and urgency but one, their order decided by the score."""
    with in_a():
        rule = ceo_rule()
        mql = {"qualification_status": QualificationStatus.MQL, "timing": Timing.QUARTER}
        leads = {
            "ceo": scored_lead(rule=rule, points=10, full_name="CEO", **mql),
            "big": scored_lead(extra=25, full_name="Big company", **mql),
            # A decayed item: half the rule's points.
            "faded": scored_lead(rule=rule, points=5, full_name="Faded CEO", **mql),
            "student": scored_lead(
                rule=rule,
                points=10,
                full_name="Student CEO",
                qualification_status=QualificationStatus.DISQUALIFIED,
                disqualification="student",
            ),
        }
        return rule, leads


def test_the_preview_reorders_the_queue_with_the_new_points_and_writes_nothing(in_a, queue):
    rule, leads = queue
    with in_a():
        before = list(Lead.objects.order_by("pk").values_list("pk", "score", "priority"))

        preview = queue_preview(changes={rule.pk: (10, 38)}, weight=BANT_FIRST)

        assert list(Lead.objects.order_by("pk").values_list("pk", "score", "priority")) == before
        assert LeadScoreItem.objects.get(lead=leads["ceo"]).points == 10

    assert [(lead.name, lead.score) for lead in preview.before] == [
        ("Big company", 25),
        ("CEO", 10),
        ("Faded CEO", 5),
        ("Student CEO", 10),
    ]
    assert [(lead.name, lead.score, lead.new_score, lead.moved) for lead in preview.after] == [
        ("CEO", 10, 38, 1),
        ("Big company", 25, 25, -1),
        # 5 * 38 / 10 = 19: a decayed item keeps its share.
        ("Faded CEO", 5, 19, 0),
        # More points never lift a disqualified lead above the others.
        ("Student CEO", 10, 38, 0),
    ]
    assert preview.rescored == 3
    assert preview.band_changes == 0


def test_the_preview_takes_four_queries_whatever_the_queue(in_a, queue, django_assert_num_queries):
    rule, _ = queue
    with in_a():
        Lead.objects.exists()  # the schema's search path is set on the first query
        with django_assert_num_queries(4):
            queue_preview(changes={rule.pk: (10, 38)}, weight=BANT_FIRST)
        for _ in range(30):
            scored_lead(rule=rule, points=10)
        with django_assert_num_queries(4):
            preview = queue_preview(changes={rule.pk: (10, 38)}, weight=BANT_FIRST)

    assert len(preview.before) == len(preview.after) == 20


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def page(workspace_a):
    return f"/w/{workspace_a.slug}/reports/suggestions/"


def test_members_see_the_suggestions_and_the_preview_but_not_the_apply_button(
    member_client, page, history
):
    response = member_client.get(page, {"rule": history.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "+38" in html
    assert "3.00x" in html
    assert "Too little data: 0 decided leads with the rule&#x27;s points" in html
    assert "The call queue with the suggested points" in html
    assert "Apply these points" not in html


def test_previewing_a_rule_without_a_suggestion_is_an_error_not_a_preview(
    admin_client_a, page, history, in_a
):
    with in_a():
        other = ScoringRule.objects.exclude(pk=history.pk).first()

    for bad in (other.pk, "abc", 10**12):
        response = admin_client_a.get(page, {"rule": bad})

        assert response.status_code == 400
        assert (
            "There is no suggestion to apply for one of these rules." in response.content.decode()
        )
        assert "Apply these points" not in response.content.decode()


def test_an_admin_applies_the_suggested_points_and_every_lead_is_rescored(
    admin_client_a, workspace_a, history, in_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            f"/w/{workspace_a.slug}/reports/suggestions/apply/", {"rule": history.pk}
        )

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/leads/scoring/"
    with in_a():
        assert ScoringRule.objects.get(pk=history.pk).points == 38
        run = RescoreRun.objects.get()
        assert run.finished_at is not None


def test_applying_takes_the_points_from_the_evidence_never_from_the_request(
    admin_client_a, workspace_a, history, in_a
):
    admin_client_a.post(
        f"/w/{workspace_a.slug}/reports/suggestions/apply/",
        {"rule": history.pk, "points": "1000"},
    )

    with in_a():
        assert ScoringRule.objects.get(pk=history.pk).points == 38


def test_members_cannot_apply(member_client, workspace_a, history, in_a):
    response = member_client.post(
        f"/w/{workspace_a.slug}/reports/suggestions/apply/", {"rule": history.pk}
    )

    assert response.status_code == 403
    with in_a():
        assert ScoringRule.objects.get(pk=history.pk).points == 10
        assert not RescoreRun.objects.exists()


def test_applying_a_rule_without_a_suggestion_changes_nothing(
    admin_client_a, workspace_a, history, in_a
):
    with in_a():
        other = ScoringRule.objects.exclude(pk=history.pk).first()

    response = admin_client_a.post(
        f"/w/{workspace_a.slug}/reports/suggestions/apply/", {"rule": other.pk}, follow=True
    )

    assert "There is no suggestion to apply for one of these rules." in response.content.decode()
    with in_a():
        assert not RescoreRun.objects.exists()
        assert ScoringRule.objects.get(pk=history.pk).points == 10


def test_ignoring_is_leaving_the_preview_nothing_changes(admin_client_a, page, history, in_a):
    preview = admin_client_a.get(page, {"rule": history.pk})
    ignore = admin_client_a.get(page)

    assert "Apply these points" in preview.content.decode()
    assert f'href="{page}">Ignore</a>' in preview.content.decode()
    assert ignore.status_code == 200
    with in_a():
        assert ScoringRule.objects.get(pk=history.pk).points == 10
        assert not RescoreRun.objects.exists()


def test_applying_needs_a_post_with_a_csrf_token(admin, workspace_a, history, in_a):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(email=admin.email, password=PASSWORD)

    response = client.post(
        f"/w/{workspace_a.slug}/reports/suggestions/apply/", {"rule": history.pk}
    )

    assert response.status_code == 403
    assert client.get(f"/w/{workspace_a.slug}/reports/suggestions/apply/").status_code == 405
    with in_a():
        assert ScoringRule.objects.get(pk=history.pk).points == 10


def test_the_old_decided_leads_count_whatever_the_period(in_a, history):
    with in_a():
        Lead.objects.update(created_at=timezone.now() - timedelta(days=900))

        (ceo,) = [s for s in rule_suggestions() if s.rule.pk == history.pk]

    assert ceo.evidence.decided == 100
