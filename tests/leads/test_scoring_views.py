"""The scoring page (members read the rules, admins add, edit, turn off and delete them, each
change rescoring every lead with its progress shown) and the Score section of a lead's page
(total and breakdown), with their query counts."""

import pytest
from django_tenants.utils import schema_context

from forms_builder.services import form_create
from leads.models import EventKind, Lead, LeadEvent, RescoreRun, RuleKind, ScoringRule
from leads.scoring.rescore import leads_rescore
from tests.factories import LeadFactory
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


@pytest.fixture
def in_a(workspace_a):
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def scoring_url(workspace_a):
    return f"/w/{workspace_a.slug}/leads/scoring/"


def rule_post(**changes):
    data = {"name": "Chief technology officer", "kind": RuleKind.JOB_TITLE_MATCHES, "points": "12"}
    data.update({"words": "CTO, directeur technique", "active": "on"})
    data.update(changes)
    return data


def test_members_read_the_default_rules_without_changing_them(member_client, scoring_url):
    response = member_client.get(scoring_url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Chief executive or founder" in html
    assert "Opened 3 e-mails" in html
    assert "+20" in html
    assert "Add a rule" not in html
    assert "Delete" not in html


def test_members_cannot_add_a_rule(member_client, scoring_url, in_a):
    response = member_client.post(f"{scoring_url}rules/new/", rule_post())

    assert response.status_code == 403
    with in_a():
        assert not ScoringRule.objects.filter(name="Chief technology officer").exists()


def test_adding_a_rule_rescores_every_lead(
    admin_client_a, scoring_url, in_a, django_capture_on_commit_callbacks
):
    with in_a():
        cto = LeadFactory(job_title="Directeur technique")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(f"{scoring_url}rules/new/", rule_post())

    assert response.status_code == 302
    with in_a():
        rule = ScoringRule.objects.get(name="Chief technology officer")
        assert rule.params == {"words": ["CTO", "directeur technique"]}
        assert Lead.objects.get(pk=cto.pk).score == 12
        run = RescoreRun.objects.get()
        assert run.finished_at is not None
    html = admin_client_a.get(scoring_url).content.decode()
    assert "Every lead was scored again" in html


def test_a_rescore_under_way_shows_its_progress(admin_client_a, scoring_url, in_a):
    with in_a():
        RescoreRun.objects.create(total=1000, done=250)

    html = admin_client_a.get(scoring_url).content.decode()

    assert "250 of 1000 done" in html
    assert 'http-equiv="refresh"' in html


def test_a_rule_missing_its_settings_is_refused(admin_client_a, scoring_url, in_a):
    response = admin_client_a.post(f"{scoring_url}rules/new/", rule_post(words=" , "))

    assert response.status_code == 400
    assert "This kind of rule needs it." in response.content.decode()
    with in_a():
        assert not ScoringRule.objects.filter(name="Chief technology officer").exists()
        assert not RescoreRun.objects.exists()


def test_only_behaviour_rules_fade(admin_client_a, scoring_url):
    response = admin_client_a.post(f"{scoring_url}rules/new/", rule_post(decay_days="30"))

    assert response.status_code == 400
    assert "Only behaviour rules fade over time." in response.content.decode()


def test_editing_turning_off_and_deleting_a_rule(
    admin_client_a, scoring_url, in_a, django_capture_on_commit_callbacks
):
    with in_a():
        rule = ScoringRule.objects.get(kind=RuleKind.VISITED_PRICING)
        lead = LeadFactory()
        LeadEvent.objects.create(lead=lead, kind=EventKind.PAGE_VIEW, url="https://a.example/p")
    url = f"{scoring_url}rules/{rule.pk}/"

    assert admin_client_a.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(
            url,
            {
                "name": "Visited the plans",
                "kind": RuleKind.VISITED_URL_CONTAINS,
                "points": "-3",
                "text": "/p",
                "decay_days": "7",
                "active": "on",
            },
        )
    with in_a():
        rule.refresh_from_db()
        assert (rule.name, rule.points, rule.params, rule.decay_days) == (
            "Visited the plans",
            -3,
            {"text": "/p"},
            7,
        )
        assert Lead.objects.get(pk=lead.pk).score == -3

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(f"{url}toggle/")
    with in_a():
        assert ScoringRule.objects.get(pk=rule.pk).active is False
        assert Lead.objects.get(pk=lead.pk).score == 0

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(f"{url}delete/")
    with in_a():
        assert not ScoringRule.objects.filter(pk=rule.pk).exists()


def test_members_cannot_change_or_delete_a_rule(member_client, scoring_url, in_a):
    with in_a():
        rule = ScoringRule.objects.first()
    url = f"{scoring_url}rules/{rule.pk}/"

    assert member_client.get(url).status_code == 403
    assert member_client.post(url, rule_post()).status_code == 403
    assert member_client.post(f"{url}toggle/").status_code == 403
    assert member_client.post(f"{url}delete/").status_code == 403
    with in_a():
        assert ScoringRule.objects.get(pk=rule.pk).active is True


def test_the_scoring_page_takes_as_many_queries_for_4_or_12_rules(
    admin_client_a, scoring_url, in_a
):
    def queries() -> int:
        return queries_of(admin_client_a, scoring_url)

    with4 = queries()
    with in_a():
        for n in range(8):
            ScoringRule.objects.create(
                name=f"Rule {n}", kind=RuleKind.EMAIL_CLICKED, params={}, points=n
            )
    assert queries() == with4


# --- The lead's page ------------------------------------------------------------------------


def test_the_lead_page_shows_the_score_and_its_breakdown(member_client, workspace_a, in_a):
    with in_a():
        lead = LeadFactory(job_title=f"CEO {XSS}", company_size="51-200")
        LeadEvent.objects.create(
            lead=lead, kind=EventKind.PAGE_VIEW, url="https://a.example/pricing"
        )
        leads_rescore(lead_ids=[lead.pk])

    html = member_client.get(f"/w/{workspace_a.slug}/leads/{lead.pk}/").content.decode()

    assert "45 points" in html
    assert "Chief executive or founder" in html
    assert "Company size: 51-200" in html
    assert "1 visits of the pricing page" in html
    assert "+15" in html
    assert XSS not in html
    assert "Job title: CEO &lt;script&gt;" in html


def test_a_lead_no_rule_matches_says_so(member_client, workspace_a, in_a):
    with in_a():
        lead = LeadFactory()

    html = member_client.get(f"/w/{workspace_a.slug}/leads/{lead.pk}/").content.decode()

    assert "No scoring rule matches this lead." in html


def test_the_lead_page_takes_as_many_queries_for_1_or_4_score_lines(
    member_client, workspace_a, in_a
):
    with in_a():
        lead = LeadFactory(job_title="CEO")
        leads_rescore(lead_ids=[lead.pk])
    url = f"/w/{workspace_a.slug}/leads/{lead.pk}/"

    def queries() -> int:
        return queries_of(member_client, url)

    with_one = queries()
    with in_a():
        Lead.objects.filter(pk=lead.pk).update(company_size="1000+")
        for _ in range(3):
            LeadEvent.objects.create(lead=lead, kind=EventKind.EMAIL_OPEN)
        LeadEvent.objects.create(lead=lead, kind=EventKind.PAGE_VIEW, url="/pricing")
        leads_rescore(lead_ids=[lead.pk])
        assert Lead.objects.get(pk=lead.pk).score == 50
    assert queries() == with_one


def test_a_replied_to_step_rule_names_a_step_of_a_form_in_use(
    admin_client_a, scoring_url, in_a, django_capture_on_commit_callbacks
):
    with in_a():
        form = form_create(name="Demo request")
        step = form.steps.order_by("position").first()

    page = admin_client_a.get(scoring_url).content.decode()
    assert f"Demo request: {step.prompt}" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(
            f"{scoring_url}rules/new/",
            rule_post(name="Told us their need", kind=RuleKind.REPLIED_TO_STEP, step=step.key),
        )

    assert response.status_code == 302
    with in_a():
        rule = ScoringRule.objects.get(name="Told us their need")
    assert rule.params == {"step": step.key, "question": step.prompt}


def test_a_step_that_is_not_offered_is_refused(admin_client_a, scoring_url, in_a):
    response = admin_client_a.post(
        f"{scoring_url}rules/new/",
        rule_post(name="Ghost step", kind=RuleKind.REPLIED_TO_STEP, step="nosuchstep00"),
    )

    assert response.status_code == 400
    with in_a():
        assert not ScoringRule.objects.filter(name="Ghost step").exists()


def test_a_country_rule_keeps_its_list(admin_client_a, scoring_url, in_a):
    response = admin_client_a.post(
        f"{scoring_url}rules/new/",
        rule_post(name="Home market", kind=RuleKind.COUNTRY_IN, countries="France, FR, , Belgique"),
    )

    assert response.status_code == 302
    with in_a():
        assert ScoringRule.objects.get(name="Home market").params == {
            "countries": ["France", "FR", "Belgique"]
        }
