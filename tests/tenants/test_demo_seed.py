import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from forms_builder.demo import VISITORS
from forms_builder.models import Form, FormStatus
from leads.models import Conversation, ConversationStatus, Lead
from tenants.management.commands.demo_seed import DEMO_OWNER, DEMO_PASSWORD, DEMO_SLUG
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
        assert Conversation.objects.count() == len(VISITORS)


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
    # The urgent manager with a budget first, the CEO benchmarking for later next, the student last.
    assert queue == [
        ("marie.dubois@northwind.example", "sql"),
        ("ceo@bigcorp.example", "mql"),
        ("lucas.martin@univ.example", "disqualified"),
    ]


def test_demo_seed_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_seed")
    assert not Workspace.objects.filter(slug=DEMO_SLUG).exists()
