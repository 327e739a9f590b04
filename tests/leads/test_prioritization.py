"""The call queue's order (leads/prioritization.py): the rule on a table of cases, the Python and
SQL computations agreeing, the workspace's one knob, priorities kept up to date by qualification
and corrections, each row's "why is this lead here?", and the seed's example end to end: Lead B
(45 points, urgent, budget validated) above Lead A (85 points, benchmarking for 18 months) on the
leads page."""

import itertools
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from leads.models import (
    Authority,
    BudgetStatus,
    Disqualification,
    Lead,
    Need,
    QualificationStatus,
    Timing,
)
from leads.prioritization import (
    PRIORITY_MAX,
    SCORE_MAX,
    SCORE_MIN,
    _standing_words,
    lead_priority_compute,
    lead_priority_of,
    lead_priority_reasons,
    leads_priority_refresh,
)
from leads.services.leads import lead_correct
from tenants.models import PriorityScoreWeight
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_A, LEAD_B, STUDENT

pytestmark = pytest.mark.django_db

BANT_FIRST, SCORE_FIRST = PriorityScoreWeight.BANT_FIRST, PriorityScoreWeight.SCORE_FIRST


def lead(**columns) -> dict:
    return {
        "qualification_status": "mql",
        "disqualification": "",
        "timing": "unknown",
        "budget_status": "unknown",
        "authority": "unknown",
        "need": "unknown",
        "score": 0,
        **columns,
    }


# (name, columns), in the order the rule puts them: whom to call first at the top.
RULE_TABLE = [
    (
        "SQL, now, complete",
        lead(
            qualification_status="sql",
            timing="now",
            budget_status="confirmed",
            authority="decision_maker",
            need="identified",
        ),
    ),
    (
        "SQL, now, 3/4",
        lead(
            qualification_status="sql", timing="now", budget_status="confirmed", need="identified"
        ),
    ),
    (
        "SQL, quarter, 4/4, low score",
        lead(
            qualification_status="sql",
            timing="quarter",
            budget_status="confirmed",
            authority="decision_maker",
            need="identified",
            score=-50,
        ),
    ),
    (
        "SQL, quarter, 3/4, high score",
        lead(
            qualification_status="sql",
            timing="quarter",
            authority="decision_maker",
            need="identified",
            score=500,
        ),
    ),
    (
        "SQL, quarter, 3/4, lower score",
        lead(
            qualification_status="sql",
            timing="quarter",
            authority="decision_maker",
            need="identified",
            score=45,
        ),
    ),
    ("MQL, now, 1/4", lead(timing="now", score=-100)),
    ("MQL, year, 2/4", lead(timing="year", need="identified", score=300)),
    (
        "MQL, unknown, 3/4",
        lead(budget_status="confirmed", authority="decision_maker", need="identified"),
    ),
    ("MQL, unknown, 0/4", lead(score=1000)),
    (
        "MQL, later, 3/4, 85 points (the seed's A)",
        lead(timing="later", authority="decision_maker", need="identified", score=85),
    ),
    ("Not qualified yet, high score", lead(qualification_status="", timing="", score=5000)),
    ("Not qualified yet", lead(qualification_status="", timing="")),
    (
        "Disqualified student, perfect score",
        lead(
            qualification_status="disqualified",
            disqualification="student",
            timing="now",
            budget_status="confirmed",
            authority="decision_maker",
            need="identified",
            score=SCORE_MAX,
        ),
    ),
]


# --- The rule ---------------------------------------------------------------------------------


def test_the_rule_orders_leads_by_status_urgency_bant_then_score():
    ranked = sorted(RULE_TABLE, key=lambda case: -lead_priority_compute(**case[1]))

    assert [name for name, _ in ranked] == [name for name, _ in RULE_TABLE]


def test_the_seeds_b_ranks_above_a_whatever_their_scores():
    a = lead(timing="later", authority="decision_maker", need="identified", score=SCORE_MAX)
    b = lead(qualification_status="sql", timing="quarter", budget_status="confirmed", score=-999)

    for weight in (BANT_FIRST, SCORE_FIRST):
        assert lead_priority_compute(**b, weight=weight) > lead_priority_compute(**a, weight=weight)


def test_a_score_past_its_bounds_counts_as_the_bound_and_never_outweighs_bant():
    two_boxes = lead(need="identified", timing="year", score=10**12)
    three_boxes = lead(need="identified", timing="year", budget_status="confirmed", score=-(10**12))

    assert lead_priority_compute(**two_boxes) == lead_priority_compute(
        **{**two_boxes, "score": SCORE_MAX}
    )
    assert lead_priority_compute(**three_boxes) == lead_priority_compute(
        **{**three_boxes, "score": SCORE_MIN}
    )
    assert lead_priority_compute(**three_boxes) > lead_priority_compute(**two_boxes)


def test_priorities_stay_within_their_documented_range():
    highest = lead(
        qualification_status="sql",
        timing="now",
        budget_status="confirmed",
        authority="decision_maker",
        need="identified",
        score=10**9,
    )
    every = [
        lead_priority_compute(**columns, weight=weight)
        for columns in grid_combinations()
        for weight in (BANT_FIRST, SCORE_FIRST)
    ]

    assert lead_priority_compute(**highest, weight=SCORE_FIRST) == PRIORITY_MAX
    assert min(every) >= 0 and max(every) == PRIORITY_MAX


def test_score_first_lets_the_score_pass_bant_but_not_urgency_or_status():
    complete = lead(need="identified", budget_status="confirmed", timing="year", score=10)
    scored = lead(timing="year", score=90)
    urgent = lead(timing="quarter", score=0)
    sql = lead(qualification_status="sql", timing="later", score=SCORE_MIN)

    def order(weight):
        cases = {"complete": complete, "scored": scored, "urgent": urgent, "sql": sql}
        return sorted(cases, key=lambda name: -lead_priority_compute(**cases[name], weight=weight))

    assert order(BANT_FIRST) == ["sql", "urgent", "complete", "scored"]
    assert order(SCORE_FIRST) == ["sql", "urgent", "scored", "complete"]


# --- Python and SQL agree ---------------------------------------------------------------------

GRID = {
    "qualification_status": ["sql", "mql", "", "disqualified"],
    "disqualification": ["", "student"],
    "timing": ["now", "quarter", "year", "unknown", "later", ""],
    "budget_status": ["confirmed", "none", ""],
    "authority": ["decision_maker", "influencer"],
    "need": ["identified", ""],
    "score": [-(10**6), SCORE_MIN, -5, 0, 45, 85, SCORE_MAX, 10**6],
}


def grid_combinations() -> list[dict]:
    return [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]


@pytest.mark.parametrize("weight", [BANT_FIRST, SCORE_FIRST])
def test_python_and_sql_compute_the_same_priority_on_a_grid(workspace_a, weight):
    combinations = [
        dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())
    ]
    with schema_context(workspace_a.schema_name):
        Lead.objects.bulk_create(Lead(**columns) for columns in combinations)

        changed = leads_priority_refresh(weight=weight)

        rows = Lead.objects.values("priority", *GRID)
        mismatches = [
            row
            for row in rows
            if row.pop("priority") != lead_priority_compute(**row, weight=weight)
        ]
    assert changed == len(combinations)
    assert mismatches == []


def test_refresh_writes_only_the_leads_whose_priority_changed(workspace_a):
    with schema_context(workspace_a.schema_name):
        moved, kept = LeadFactory(score=10), LeadFactory(score=20)
        assert leads_priority_refresh() == 2
        Lead.objects.filter(pk=moved.pk).update(score=30)

        assert leads_priority_refresh() == 1
        assert leads_priority_refresh() == 0
        assert leads_priority_refresh(lead_ids=[kept.pk]) == 0
        moved.refresh_from_db()
        assert moved.priority == lead_priority_of(moved, weight=BANT_FIRST)


def test_refresh_in_one_workspace_leaves_the_other_alone(workspace_a, workspace_b):
    with schema_context(workspace_b.schema_name):
        other = LeadFactory(score=40)
    with schema_context(workspace_a.schema_name):
        LeadFactory(score=40)
        assert leads_priority_refresh() == 1
    with schema_context(workspace_b.schema_name):
        assert Lead.objects.get(pk=other.pk).priority == 0


# --- Kept up to date --------------------------------------------------------------------------


def test_qualifying_a_lead_stores_its_priority(pipeline, workspace_a):
    b = pipeline(LEAD_B)

    assert b.qualification_status == "sql"
    assert b.priority == lead_priority_of(b, weight=BANT_FIRST)
    assert b.priority // 10**7 == 3  # the SQL tier


def test_a_correction_moves_the_lead_in_the_queue(pipeline, workspace_a, admin):
    b = pipeline(LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead_correct(lead=b, values={"disqualification": "student"}, corrected_by=admin)
        b.refresh_from_db()

    assert b.priority == lead_priority_of(b, weight=BANT_FIRST)
    assert b.priority // 10**7 == 0  # disqualified: last


def test_changing_the_weight_setting_reorders_every_lead(
    admin_client_a, workspace_a, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        complete = LeadFactory(qualification_status="mql", need="identified", timing="year")
        scored = LeadFactory(qualification_status="mql", timing="year", score=90)
        leads_priority_refresh()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            f"/w/{workspace_a.slug}/settings/",
            {
                "name": workspace_a.name,
                "qualification_engine": "offline",
                "sql_min_buying_signals": "1",
                "priority_score_weight": SCORE_FIRST,
                "sla_hot_minutes": "60",
                "sla_today_minutes": "480",
                "sla_nurture_minutes": "4320",
            },
        )

    assert response.status_code == 302
    workspace_a.refresh_from_db()
    assert workspace_a.priority_score_weight == SCORE_FIRST
    with schema_context(workspace_a.schema_name):
        first = Lead.objects.order_by("-priority", "-pk").first()
    assert first.pk == scored.pk != complete.pk


def test_the_settings_page_explains_the_weight(member_client, workspace_a):
    html = member_client.get(f"/w/{workspace_a.slug}/settings/").content.decode()

    assert "Score in the call queue: BANT completeness first, then the score" in html
    assert "Status and urgency always come before either." in html


# --- Why is this lead here? -------------------------------------------------------------------


@pytest.mark.parametrize(
    "columns, reasons",
    [
        (
            lead(qualification_status="sql", timing="now", budget_status="confirmed", score=1),
            ["SQL", "urgent (within 30 days)", "2/4 BANT", "1 point"],
        ),
        (
            lead(
                timing="quarter",
                budget_status="confirmed",
                authority="decision_maker",
                need="identified",
                score=45,
            ),
            ["MQL", "urgent (this quarter)", "4/4 BANT", "45 points"],
        ),
        (lead(timing="later"), ["MQL", "not before next year", "1/4 BANT", "0 points"]),
        (
            lead(disqualification="job_seeker", timing="year", score=90),
            ["disqualified (job seeker)", "within a year", "1/4 BANT", "90 points"],
        ),
        (
            lead(qualification_status="disqualified", score=-5),
            ["disqualified", "timing unknown", "0/4 BANT", "-5 points"],
        ),
        (
            lead(qualification_status="", timing="", budget_status="", authority="", need=""),
            ["not qualified yet", "timing unknown", "0/4 BANT", "0 points"],
        ),
    ],
)
def test_a_row_says_status_urgency_bant_completeness_and_score(columns, reasons):
    assert lead_priority_reasons(Lead(**columns)) == reasons


def test_the_reasons_kept_for_each_combination_of_the_columns_are_the_ones_worded_afresh():
    """The status, urgency and completeness words are kept per combination of six columns (an
    inbox page words fifty rows): whichever combination comes first or later, the words kept
    are those of that combination."""
    names = ["qualification_status", "disqualification", "timing"]
    names += ["budget_status", "authority", "need"]
    choices = [QualificationStatus, Disqualification, Timing, BudgetStatus, Authority, Need]
    combinations = list(itertools.product(*(["", *choice.values] for choice in choices)))
    _standing_words.cache_clear()

    for order in (combinations, combinations[::-1]):  # each worded afresh, then kept
        for combination in order:
            row = SimpleNamespace(**dict(zip(names, combination, strict=True)), score=7)
            afresh = _standing_words.__wrapped__(*combination)
            assert lead_priority_reasons(row) == [*afresh, "7 points"], combination

    assert _standing_words.cache_info().hits == len(combinations) == 11_520


# --- The seed's example, end to end -----------------------------------------------------------


def rows_in_order(html: str, emails: list[str]) -> list[str]:
    return sorted((e for e in emails if e in html), key=html.index)


def test_the_seeds_lead_b_is_called_before_lead_a_on_the_leads_page(
    pipeline, workspace_a, member_client
):
    # Given the seed's two leads, through the real pipeline, and A scored well above B
    a, b = pipeline(LEAD_A), pipeline(LEAD_B)
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=a.pk).update(score=85)
        Lead.objects.filter(pk=b.pk).update(score=45)
        leads_priority_refresh()

    # When sales open the leads page
    response = member_client.get(f"/w/{workspace_a.slug}/leads/")

    # Then B comes first, and each row says why
    html = response.content.decode()
    assert rows_in_order(html, [LEAD_A[0], LEAD_B[0]]) == [LEAD_B[0], LEAD_A[0]]
    assert "SQL · urgent (this quarter) · 3/4 BANT · 45 points" in html
    assert "MQL · not before next year · 3/4 BANT · 85 points" in html
    assert "Why are the leads in this order?" in html
    assert "Then the highest score." in html


def test_a_disqualified_student_with_a_perfect_score_is_called_last(
    pipeline, workspace_a, member_client
):
    pipeline(LEAD_A)
    pipeline(LEAD_B)
    student = pipeline(STUDENT)
    assert student.disqualification == "student"
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=student.pk).update(score=SCORE_MAX)
        leads_priority_refresh()

    html = member_client.get(f"/w/{workspace_a.slug}/leads/").content.decode()

    emails = [LEAD_A[0], LEAD_B[0], STUDENT[0]]
    assert rows_in_order(html, emails) == [LEAD_B[0], LEAD_A[0], STUDENT[0]]
    assert "disqualified (student)" in html


def test_an_abandoned_conversation_is_ranked_by_what_it_revealed(
    pipeline, workspace_a, member_client
):
    # A visitor who told a real problem, then left before budget and timing
    partial = pipeline(["c@pme.example", *LEAD_B[1:5]], finish=False)
    pipeline(LEAD_A)
    pipeline(LEAD_B)

    assert partial.qualification_status == "mql"
    assert partial.priority == lead_priority_of(partial, weight=BANT_FIRST) > 0
    html = member_client.get(f"/w/{workspace_a.slug}/leads/").content.decode()
    # Below the urgent buyer, above the benchmark for a project 18 months away.
    emails = [LEAD_A[0], LEAD_B[0], "c@pme.example"]
    assert rows_in_order(html, emails) == [LEAD_B[0], "c@pme.example", LEAD_A[0]]


def test_the_activity_order_is_still_offered(pipeline, workspace_a, member_client):
    pipeline(LEAD_B)
    pipeline(LEAD_A)

    html = member_client.get(f"/w/{workspace_a.slug}/leads/", {"order": "activity"}).content
    html = html.decode()

    assert rows_in_order(html, [LEAD_A[0], LEAD_B[0]]) == [LEAD_A[0], LEAD_B[0]]
    assert "latest activity first" in html
