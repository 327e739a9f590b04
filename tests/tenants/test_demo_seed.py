import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from forms_builder.demo import VISITORS
from forms_builder.models import Form, FormStatus
from leads.demo import NOT_PROSPECTS, PEOPLE
from leads.models import Band, Conversation, ConversationStatus, Lead, LeadEvent, LeadOutcome
from leads.sla import TimerState, lead_timer
from tenants.management.commands.demo_seed import DEMO_OWNER, DEMO_PASSWORD, DEMO_SLUG, Command
from tenants.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db


def test_demo_seed_creates_a_workspace_the_printed_login_opens(client, capsys, settings):
    settings.DEBUG = True
    call_command("demo_seed")
    printed = capsys.readouterr().out
    assert DEMO_OWNER in printed and DEMO_PASSWORD in printed and f"/w/{DEMO_SLUG}/" in printed

    response = client.post("/login/", {"username": DEMO_OWNER, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    dashboard = client.get(f"/w/{DEMO_SLUG}/")
    assert dashboard.status_code == 200
    assert b"Demo Company" in dashboard.content


def test_demo_seed_can_run_again_without_duplicating_anything(settings):
    settings.DEBUG = True
    call_command("demo_seed")
    call_command("demo_seed")
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    assert Membership.objects.filter(workspace=workspace).count() == 2
    assert Membership.objects.get(workspace=workspace, user__email=DEMO_OWNER).role == Role.OWNER
    with schema_context(workspace.schema_name):
        assert Form.objects.count() == 2
        assert Conversation.objects.count() == len(VISITORS) + len(PEOPLE) + len(NOT_PROSPECTS)


def test_demo_workspace_has_a_published_form_per_language_and_sample_leads(client, settings):
    settings.DEBUG = True
    call_command("demo_seed")
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    with schema_context(workspace.schema_name):
        forms = {form.language: form for form in Form.objects.all()}
        assert set(forms) == {"en", "fr"}
        assert all(form.status == FormStatus.PUBLISHED for form in forms.values())
        assert Lead.objects.filter(email="marie.dubois@northwind.example").exists()
        assert all(c.status == ConversationStatus.COMPLETED for c in Conversation.objects.all())
    for form in forms.values():
        assert client.get(f"/w/{DEMO_SLUG}/f/{form.slug}/").status_code == 200


def test_demo_leads_are_qualified_and_queued_in_the_seed_order(
    settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_seed")
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    with schema_context(workspace.schema_name):
        queue = list(
            Lead.objects.order_by("-priority", "-id").values_list("email", "qualification_status")
        )
    # The urgent manager with a budget before the CEO benchmarking for later, the student after.
    seed = [row for row in queue if row[0].endswith(("northwind.example", "bigcorp.example"))]
    assert seed == [("marie.dubois@northwind.example", "sql"), ("ceo@bigcorp.example", "mql")]
    assert queue.index(seed[1]) < queue.index(("lucas.martin@univ.example", "disqualified"))


def test_the_demo_inbox_is_believable(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_seed")
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    with schema_context(workspace.schema_name):
        leads = list(Lead.objects.all())
        timers = {lead_timer(lead).state for lead in leads}
        outcomes = set(LeadOutcome.objects.values_list("kind", flat=True))
        events = set(LeadEvent.objects.values_list("kind", flat=True))
        scored = sum(lead.score > 0 for lead in leads)
        assigned = sum(lead.assignee_id is not None for lead in leads)

    # A few dozen leads in every band, some waiting, some overdue, some already called.
    assert len(leads) >= 24
    assert {lead.band for lead in leads} == set(Band.values)
    assert {TimerState.WAITING, TimerState.OVERDUE, TimerState.MET} <= timers
    assert outcomes == {"contacted", "meeting", "won", "lost"}
    assert events == {"page_view", "email_open"}
    assert scored >= len(leads) // 2 and assigned >= len(leads) // 2


def test_demo_seed_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_seed")
    assert not Workspace.objects.filter(slug=DEMO_SLUG).exists()


def test_the_demo_inbox_hides_no_lead_behind_a_plan_limit(
    settings, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_seed")
    workspace = Workspace.objects.get(slug=DEMO_SLUG)
    with schema_context(workspace.schema_name):
        assert Lead.objects.count() > 25  # more than the Free plan's qualified leads a month
        assert not Lead.objects.filter(over_quota=True).exists()


def test_the_demo_leads_do_not_announce_themselves_by_email(settings, monkeypatch):
    # Their hot-lead and assignment e-mails would be a wall of console output before the
    # login lines: the seeding runs with e-mail sent nowhere.
    backends = []
    monkeypatch.setattr(Command, "_seed", lambda self: backends.append(settings.EMAIL_BACKEND))
    settings.DEBUG = True

    call_command("demo_seed")

    assert backends == ["django.core.mail.backends.dummy.EmailBackend"]
