"""Reports read one workspace's schema: B's people cannot open A's reports, and A's figures
never count B's conversations, outcomes or rules."""

import pytest
from django_tenants.utils import schema_context

from forms_builder.models import Form
from forms_builder.services import form_publish
from leads.models import Outcome
from reports.forms import period_last_days
from reports.selectors.funnel import forms_summary
from reports.selectors.outcomes import outcome_report
from tests.factories import LeadFactory
from tests.security.probes import OBJECT_MAKERS

pytestmark = pytest.mark.django_db

PAGES = ["", "outcomes/", "suggestions/"]


@pytest.mark.parametrize("page", PAGES)
def test_an_owner_of_b_gets_404_on_the_reports_of_a(outsider_client, workspace_a, page):
    assert outsider_client.get(f"/w/{workspace_a.slug}/reports/{page}").status_code == 404


def test_an_owner_of_b_cannot_apply_suggestions_in_a(outsider_client, workspace_a):
    response = outsider_client.post(f"/w/{workspace_a.slug}/reports/suggestions/apply/")

    assert response.status_code == 404


def test_the_reports_of_a_count_nothing_of_b(workspace_a, workspace_b):
    form_id = OBJECT_MAKERS["form_id"](workspace_b, "reports/forms/<int:form_id>/", {})
    with schema_context(workspace_b.schema_name):
        form_publish(form=Form.objects.get(pk=form_id))
        LeadFactory(outcome=Outcome.WON)

    with schema_context(workspace_a.schema_name):
        period = period_last_days(30)
        summary = forms_summary(period=period)
        report = outcome_report(period=period, workspace=workspace_a)

    assert all(workspace_b.name not in row.name for row in summary)
    assert report.total.decided == 0
