"""A form's funnel over a period, on a hand-made set of conversations: views, starts,
completions, where visitors leave (drop-off per question, the follow-ups as one stage), the
median time to complete, what the leads became, and the UTM breakdown; and the summary of
every form."""

from datetime import timedelta

import pytest

from forms_builder.models import FormViewDay
from forms_builder.services import form_publish
from leads.models import ConversationStatus, Disqualification, QualificationStatus
from reports.forms import period_last_days
from reports.selectors.funnel import FOLLOWUPS, form_funnel, forms_summary
from tests.factories import FormFactory, LeadFactory, StepFactory

pytestmark = pytest.mark.django_db

COMPLETED, ABANDONED, ACTIVE = (
    ConversationStatus.COMPLETED,
    ConversationStatus.ABANDONED,
    ConversationStatus.ACTIVE,
)
EVERY_QUESTION = ("q-need", "q-email", "q-plan")
SPRING = {"utm_source": "newsletter", "utm_campaign": "spring"}


@pytest.fixture
def traffic(in_a, survey, conversation, now):
    """Eight conversations in the last 30 days, one older, and one on another form."""
    with in_a():
        sql = LeadFactory(qualification_status=QualificationStatus.SQL)
        student = LeadFactory(
            qualification_status=QualificationStatus.DISQUALIFIED,
            disqualification=Disqualification.STUDENT,
        )
        mql = LeadFactory(qualification_status=QualificationStatus.MQL)
        answered_all = (*EVERY_QUESTION, "followup:problem")
        conversation(survey, COMPLETED, answered=answered_all, lead=sql, utm=SPRING, minutes=2)
        conversation(
            survey, COMPLETED, answered=EVERY_QUESTION, lead=student, utm=SPRING, minutes=5
        )
        conversation(survey, COMPLETED, answered=EVERY_QUESTION, lead=mql, minutes=10)
        conversation(survey, ABANDONED, at="q-email", answered=["q-need"])
        conversation(survey, ABANDONED, at="q-email", answered=["q-need"])
        conversation(survey, ABANDONED, at="q-need")
        # The same MQL lead came back and left during the discovery follow-ups.
        conversation(survey, ABANDONED, at="followup:budget", answered=answered_all, lead=mql)
        conversation(survey, ACTIVE, at="q-plan", answered=["q-need", "q-email"])
        # Outside the period, and on another form: counted nowhere here.
        conversation(survey, COMPLETED, answered=EVERY_QUESTION, ago=timedelta(days=40))
        other = FormFactory(name="Another form")
        StepFactory(form=other, position=0, kind="email", prompt="E-mail?")
        form_publish(form=other)
        other.refresh_from_db()
        conversation(other, ABANDONED, at=other.published_version.definition["steps"][0]["key"])
        today = now.date()
        FormViewDay.objects.create(form=survey, day=today, views=10)
        FormViewDay.objects.create(form=survey, day=today - timedelta(days=5), views=6)
        FormViewDay.objects.create(form=survey, day=today - timedelta(days=40), views=100)
        FormViewDay.objects.create(form=other, day=today, views=7)
    return survey


def test_views_starts_and_completions_of_the_period(in_a, traffic):
    with in_a():
        funnel = form_funnel(form=traffic, period=period_last_days(30))

    assert (funnel.views, funnel.starts, funnel.completions) == (16, 8, 3)
    assert (funnel.abandoned, funnel.active) == (4, 1)
    assert funnel.start_rate == 8 / 16
    assert funnel.completion_rate == 3 / 8


def test_median_time_to_complete_is_the_middle_completion(in_a, traffic):
    with in_a():
        funnel = form_funnel(form=traffic, period=period_last_days(30))

    assert funnel.median_completion_seconds == 5 * 60


def test_drop_off_per_question_follows_the_frozen_order_with_follow_ups_last(in_a, traffic):
    with in_a():
        funnel = form_funnel(form=traffic, period=period_last_days(30))

    stages = [(s.key, s.number, s.reached, s.answered, s.left, s.waiting) for s in funnel.steps]
    assert stages == [
        ("q-need", 1, 8, 7, 1, 0),
        ("q-email", 2, 7, 5, 2, 0),
        ("q-plan", 3, 5, 4, 0, 1),
        # Reached by the three completed and the one that left on a follow-up.
        (FOLLOWUPS, None, 4, 3, 1, 0),
    ]
    assert [s.drop_off_rate for s in funnel.steps] == [1 / 8, 2 / 7, 0, 1 / 4]
    assert funnel.steps[0].label == "What do you need?"


def test_a_question_only_an_earlier_version_asked_comes_after_the_current_ones(
    in_a, survey, conversation
):
    with in_a():
        conversation(survey, ABANDONED, at="q-plan", answered=["q-need", "q-email"])
        survey.steps.filter(key="q-plan").delete()
        StepFactory(form=survey, position=3, key="q-size", prompt="How many are you?")
        form_publish(form=survey)
        survey.refresh_from_db()
        conversation(survey, ABANDONED, at="q-size", answered=["q-need", "q-email"])

        funnel = form_funnel(form=survey, period=period_last_days(30))

    stages = [(s.key, s.number, s.label, s.left) for s in funnel.steps]
    assert stages == [
        ("q-need", 1, "What do you need?", 0),
        ("q-email", 2, "Your e-mail?", 0),
        ("q-size", 3, "How many are you?", 1),
        ("q-plan", None, "Which plan?", 1),
        (FOLLOWUPS, None, "Discovery follow-ups (after the form's questions)", 0),
    ]


def test_what_the_leads_became_counts_each_lead_once(in_a, traffic):
    with in_a():
        funnel = form_funnel(form=traffic, period=period_last_days(30))

    assert funnel.leads == 3
    assert [(s.key, s.count, s.rate) for s in funnel.qualification] == [
        ("sql", 1, 1 / 3),
        ("mql", 1, 1 / 3),
        ("disqualified", 1, 1 / 3),
        ("not_qualified", 0, 0),
    ]
    assert [(s.label, s.count, s.rate) for s in funnel.disqualification] == [("Student", 1, 1.0)]


def test_utm_sources_and_campaigns_biggest_first(in_a, traffic):
    with in_a():
        funnel = form_funnel(form=traffic, period=period_last_days(30))

    rows = [
        (r.source, r.campaign, r.starts, r.completions, r.qualified, r.disqualified)
        for r in funnel.sources
    ]
    # The MQL lead counts for each of its two conversations without UTM.
    assert rows == [("", "", 6, 1, 2, 0), ("newsletter", "spring", 2, 2, 1, 1)]
    assert not funnel.more_sources


def test_a_shorter_period_leaves_older_conversations_and_views_out(in_a, traffic):
    with in_a():
        funnel = form_funnel(form=traffic, period=period_last_days(1))

    assert (funnel.views, funnel.starts, funnel.completions) == (10, 0, 0)
    assert funnel.median_completion_seconds is None
    assert funnel.steps[0].drop_off_rate is None


def test_the_summary_lists_every_published_form_by_name(in_a, traffic):
    with in_a():
        FormFactory(name="A draft never published")

        rows = forms_summary(period=period_last_days(30))

    assert [(r.name, r.views, r.starts, r.completions) for r in rows] == [
        ("Another form", 7, 1, 0),
        ("Talk to sales", 16, 8, 3),
    ]
