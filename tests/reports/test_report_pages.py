"""The report pages: members read them (and find them in the navigation), each chart has its
numbers in a table beside it, visitor-made UTM values are escaped in the table and in the
chart's data, a bad period gets an error and never a 500, and each page takes the same number
of queries whatever the data."""

import json
import re

import pytest

from leads.models import ConversationStatus, Outcome, QualificationStatus
from tests.factories import LeadFactory
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

XSS = "<script>alert('utm')</script>"


@pytest.fixture
def base(workspace_a):
    return f"/w/{workspace_a.slug}/reports/"


def chart_data(html: str, chart_id: str) -> dict:
    found = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html)
    return json.loads(found[1])


def test_the_navigation_links_to_the_reports(member_client, workspace_a, base):
    html = member_client.get(f"/w/{workspace_a.slug}/").content.decode()

    assert f'href="{base}">Reports</a>' in html


def test_members_read_the_forms_report_with_a_chart_and_its_table(
    member_client, base, survey, conversation, in_a
):
    with in_a():
        conversation(survey, ConversationStatus.COMPLETED, answered=["q-need"])

    response = member_client.get(base)

    html = response.content.decode()
    assert response.status_code == 200
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert chart_data(html, "chart-forms") == {
        "type": "bar",
        "labels": ["Talk to sales"],
        "series": [
            {"label": "Views", "data": [0]},
            {"label": "Starts", "data": [1]},
            {"label": "Completions", "data": [1]},
        ],
    }
    assert f'href="{base}forms/{survey.pk}/">Talk to sales</a>' in html


def test_utm_values_are_escaped_in_the_table_and_in_the_chart_data(
    member_client, base, survey, conversation, in_a
):
    with in_a():
        conversation(
            survey,
            ConversationStatus.ABANDONED,
            at="q-need",
            utm={"utm_source": XSS, "utm_campaign": '"><img src=x onerror=alert(1)>'},
        )

    response = member_client.get(f"{base}forms/{survey.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert XSS not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;utm&#x27;)&lt;/script&gt;" in html
    # json_script escapes < > & so the value cannot close the script element; the chart gets
    # it back as plain text.
    assert "\\u003Cscript\\u003E" in html
    assert chart_data(html, "chart-sources")["labels"] == [
        f'{XSS} / "><img src=x onerror=alert(1)>'[:60]
    ]


def test_the_form_report_shows_the_drop_off_table(member_client, base, survey, conversation, in_a):
    with in_a():
        conversation(survey, ConversationStatus.ABANDONED, at="q-email", answered=["q-need"])

    html = member_client.get(f"{base}forms/{survey.pk}/").content.decode()

    assert "2. Your e-mail?" in html
    assert chart_data(html, "chart-drop-off")["series"] == [
        {"label": "Reached", "data": [1, 1, 0, 0]},
        {"label": "Left here", "data": [0, 1, 0, 0]},
    ]


def test_a_form_the_workspace_does_not_have_is_a_404(member_client, base):
    assert member_client.get(f"{base}forms/999999/").status_code == 404


@pytest.mark.parametrize("path", ["", "outcomes/"])
def test_a_bad_period_is_an_error_on_the_page_not_a_500(member_client, base, path):
    response = member_client.get(
        base + path, {"period": "custom", "start": "2026-02-30", "end": "yesterday"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the first day as YYYY-MM-DD." in html
    assert "Give the last day as YYYY-MM-DD." in html
    assert "Showing the last 30 days instead." in html


def test_the_outcomes_page_shows_win_rates_and_speed_to_lead(member_client, base, in_a):
    with in_a():
        LeadFactory(outcome=Outcome.WON, band="hot", qualification_status=QualificationStatus.SQL)
        LeadFactory(outcome=Outcome.LOST, band="hot", qualification_status=QualificationStatus.SQL)

    response = member_client.get(f"{base}outcomes/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2</strong> decided leads: 1 won, 1 lost, win rate 50.0 %" in html
    assert chart_data(html, "chart-band")["series"][0] == {
        "label": "Win rate (%)",
        "data": [50.0, None, None, None],
    }
    assert "Speed to lead" in html


@pytest.mark.parametrize("path", ["", "forms/{form}/", "outcomes/", "suggestions/"])
def test_each_page_takes_the_same_queries_whatever_the_data(
    member_client, base, path, survey, conversation, in_a
):
    url = base + path.format(form=survey.pk)
    fewer = queries_of(member_client, url)
    with in_a():
        for number in range(12):
            lead = LeadFactory(
                outcome=Outcome.WON if number % 2 else Outcome.LOST,
                qualification_status=QualificationStatus.MQL,
            )
            conversation(
                survey,
                ConversationStatus.COMPLETED,
                answered=["q-need", "q-email", f"followup:{number}"],
                lead=lead,
                utm={"utm_source": f"source {number}"},
            )

    assert queries_of(member_client, url) == fewer


@pytest.mark.parametrize(
    ("path", "expected"), [("", 6), ("forms/{form}/", 11), ("outcomes/", 7), ("suggestions/", 7)]
)
def test_the_query_count_of_each_page(member_client, base, path, expected, survey):
    # Every dashboard page's 5 (the workspace's settings, session, user, membership, and the
    # switcher's memberships: the connection already has the workspace's search path); then the
    # report's own: 1 for the forms, the form and 5 for a funnel, 2 for the outcomes, 2 for the
    # suggestions.
    assert queries_of(member_client, base + path.format(form=survey.pk)) == expected
