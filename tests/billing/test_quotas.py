"""Past a plan's limits a visitor is never turned away: the conversation is stored, marked over
quota, and its lead waits in the inbox behind an "upgrade to see N more leads" notice until the
workspace upgrades. Owners hear of it at 80 % and 100 %. Members and live forms stop at their
limit with a message."""

import dataclasses

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from billing.models import Usage
from billing.plans import FREE, PLANS
from billing.quotas import conversation_quota_record, month_start
from forms_builder.services import form_create, form_publish
from leads.models import Conversation, Lead, Message
from leads.services.alerts import lead_hot_alert_send
from leads.services.leads import lead_qualify
from tenants.models import Role
from tenants.services import invitation_create
from tests.billing.fixtures import visitor_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_limits(monkeypatch):
    """`free_limits(conversations=2)`: the free plan with smaller limits, for this test."""

    def set_limits(**limits):
        free = PLANS[FREE]
        monkeypatch.setitem(
            PLANS, FREE, dataclasses.replace(free, limits={**free.limits, **limits})
        )

    return set_limits


def _visitors(workspace, form, count: int, *, start: int = 0) -> list[Conversation]:
    with schema_context(workspace.schema_name):
        return [visitor_talks(form, f"visitor{n}@example.com") for n in range(start, start + count)]


def _inbox(client, workspace) -> str:
    response = client.get(f"/w/{workspace.slug}/leads/")
    assert response.status_code == 200
    return response.content.decode()


def test_conversations_past_the_limit_are_stored_and_marked_over_quota(
    workspace_a, published_form, free_limits
):
    free_limits(conversations=2)

    conversations = _visitors(workspace_a, published_form, 3)

    with schema_context(workspace_a.schema_name):
        assert [c.over_quota for c in Conversation.objects.order_by("pk")] == [False, False, True]
        over = conversations[2]
        # Every word the visitor said is kept, and the lead too.
        assert Message.objects.filter(conversation=over, role="visitor").count() >= 6
        assert Lead.objects.get(pk=over.lead_id).over_quota
        assert not Lead.objects.get(pk=conversations[0].lead_id).over_quota
    assert Usage.objects.get(workspace=workspace_a, month=month_start()).conversations == 3


def test_the_visitor_past_the_limit_sees_the_same_conversation(
    client, workspace_a, published_form, free_limits
):
    free_limits(conversations=0)

    response = client.post(
        f"/w/{workspace_a.slug}/f/{published_form.slug}/conversations/",
        "{}",
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["step"] is not None
    with schema_context(workspace_a.schema_name):
        assert Conversation.objects.get().over_quota


def test_counting_that_fails_never_loses_the_visitor(workspace_a, published_form, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("usage table unreachable")

    monkeypatch.setattr("billing.quotas._usage_increment", broken)

    with schema_context(workspace_a.schema_name):
        conversation = visitor_talks(published_form, "ada@example.com")
        assert Conversation.objects.filter(pk=conversation.pk, over_quota=False).exists()
        assert conversation.lead_id is not None


def test_the_inbox_hides_leads_past_the_limit_behind_an_upgrade_notice(
    owner_client, workspace_a, published_form, free_limits
):
    free_limits(conversations=1)
    _visitors(workspace_a, published_form, 3)

    page = _inbox(owner_client, workspace_a)

    assert "Upgrade to see 2 more leads." in page
    assert "visitor0@example.com" in page
    assert "visitor1@example.com" not in page
    assert "visitor2@example.com" not in page


def test_no_notice_while_nothing_is_hidden(owner_client, workspace_a, published_form):
    _visitors(workspace_a, published_form, 1)

    assert "Upgrade to see" not in _inbox(owner_client, workspace_a)


def test_the_page_of_a_hidden_lead_answers_with_the_upgrade_page(
    owner_client, workspace_a, published_form, free_limits
):
    free_limits(conversations=0)
    [conversation] = _visitors(workspace_a, published_form, 1)

    response = owner_client.get(f"/w/{workspace_a.slug}/leads/{conversation.lead_id}/")

    assert response.status_code == 402
    page = response.content.decode()
    assert "Upgrade to see this lead" in page
    assert "visitor0@example.com" not in page
    assert "Ada Lovelace" not in page


def test_leads_qualified_past_the_monthly_limit_are_hidden(
    workspace_a, published_form, free_limits
):
    free_limits(qualified_leads=1)
    conversations = _visitors(workspace_a, published_form, 2)

    with schema_context(workspace_a.schema_name):
        leads = [lead_qualify(lead=Lead.objects.get(pk=c.lead_id)) for c in conversations]
        assert [lead.qualification_status for lead in leads] == ["sql", "sql"]
        assert [Lead.objects.get(pk=lead.pk).over_quota for lead in leads] == [False, True]
        # Qualified again: counted once a month.
        lead_qualify(lead=leads[0])
    assert Usage.objects.get(workspace=workspace_a, month=month_start()).qualified_leads == 2


def test_owners_are_emailed_at_80_and_100_percent_once_each(
    workspace_a, owner, admin, published_form, free_limits, django_capture_on_commit_callbacks
):
    free_limits(conversations=5)

    def usage_mail():  # the visitors' leads are announced to sales too: not counted here
        return [m for m in mail.outbox if " used " in m.subject]

    sent = []
    for n in range(7):
        with django_capture_on_commit_callbacks(execute=True):
            _visitors(workspace_a, published_form, 1, start=n)
        sent.append(len(usage_mail()))

    # 4 of 5 is 80 %, 5 of 5 is 100 %; nothing more after that this month.
    assert sent == [0, 0, 0, 1, 2, 2, 2]
    eighty, hundred = usage_mail()
    assert eighty.subject == "Alpha Corp used 80 % of its conversations this month"
    assert hundred.subject.startswith("Alpha Corp used 100 %")
    assert "still accepted and stored" in hundred.body
    assert owner.email in hundred.to
    assert admin.email not in hundred.to


def test_an_upgrade_reveals_the_hidden_leads(
    owner_client, workspace_a, published_form, free_limits, stripe_fake, subscribed
):
    free_limits(conversations=1)
    _visitors(workspace_a, published_form, 3)
    assert "Upgrade to see 2 more leads." in _inbox(owner_client, workspace_a)

    subscribed("starter")

    page = _inbox(owner_client, workspace_a)
    assert "Upgrade to see" not in page
    for n in range(3):
        assert f"visitor{n}@example.com" in page


def test_a_conversation_counts_whatever_schema_is_active(workspace_a, published_form):
    with schema_context(workspace_a.schema_name):
        conversation = Conversation.objects.create(
            form=published_form, form_version=published_form.published_version
        )
    assert not conversation_quota_record(conversation=conversation, workspace=workspace_a)
    assert Usage.objects.get(workspace=workspace_a).conversations == 1


# --- Members and live forms -------------------------------------------------------------------


def test_inviting_past_the_member_limit_is_refused_with_a_message(workspace_a, owner, free_limits):
    membership = workspace_a.memberships.get(user=owner)
    members = workspace_a.memberships.count()
    free_limits(members=members + 1)
    invitation_create(
        workspace=workspace_a, email="one@example.com", role=Role.MEMBER, invited_by=membership
    )

    with pytest.raises(ValidationError) as refused:
        invitation_create(
            workspace=workspace_a, email="two@example.com", role=Role.MEMBER, invited_by=membership
        )

    assert "The Free plan allows" in refused.value.messages[0]
    assert "Billing page" in refused.value.messages[0]


def test_the_members_page_shows_the_member_limit_as_a_form_error(
    owner_client, workspace_a, free_limits
):
    free_limits(members=workspace_a.memberships.count())

    response = owner_client.post(
        f"/w/{workspace_a.slug}/members/", {"email": "new@example.com", "role": "member"}
    )

    assert response.status_code == 400
    assert "The Free plan allows" in response.content.decode()


def test_publishing_past_the_live_form_limit_is_refused_republishing_is_not(
    workspace_a, published_form, free_limits
):
    free_limits(forms=1)

    with schema_context(workspace_a.schema_name):
        other = form_create(name="Another")
        with pytest.raises(ValidationError) as refused:
            form_publish(form=other)
        form_publish(form=published_form)  # a new version of a live form

    assert "The Free plan allows 1 live forms" in refused.value.messages[0]


def test_a_hidden_lead_cannot_be_acted_on_before_the_upgrade(
    owner_client, owner, workspace_a, published_form, free_limits
):
    free_limits(conversations=0)
    [conversation] = _visitors(workspace_a, published_form, 1)
    lead_url = f"/w/{workspace_a.slug}/leads/{conversation.lead_id}/"

    outcome = owner_client.post(f"{lead_url}outcomes/", {"kind": "contacted"})
    assigned = owner_client.post(f"{lead_url}assign/", {"assignee": str(owner.pk)})
    ticked = owner_client.post(
        f"/w/{workspace_a.slug}/leads/assign/",
        {"lead": [str(conversation.lead_id)], "assignee": str(owner.pk)},
    )

    assert outcome.status_code == assigned.status_code == 402
    assert ticked.status_code == 302
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=conversation.lead_id)
    assert (lead.outcome, lead.assignee_id) == ("", None)


def test_a_hidden_hot_lead_is_not_announced_by_email(
    workspace_a, owner, published_form, free_limits, django_capture_on_commit_callbacks
):
    free_limits(conversations=0)
    with django_capture_on_commit_callbacks(execute=True):
        [conversation] = _visitors(workspace_a, published_form, 1)
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=conversation.lead_id)
        Lead.objects.filter(pk=lead.pk).update(band="hot")
        assert lead.over_quota
        assert lead_hot_alert_send(lead_id=lead.pk) is False
    assert not [m for m in mail.outbox if "Call within the hour" in m.subject]
