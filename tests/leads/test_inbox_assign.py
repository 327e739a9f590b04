"""Assigning from the inbox (POST /w/<workspace>/leads/assign/): the ticked leads to a member or
to nobody, or one lead to me; any member may; bad input is said and sent back, never a 500."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from leads.models import ActivityKind, Lead, LeadActivity
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(workspace_a):
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def urls(workspace_a):
    base = f"/w/{workspace_a.slug}/leads/"
    return {"inbox": base, "assign": f"{base}assign/"}


@pytest.fixture
def leads(in_a):
    with in_a():
        return LeadFactory.create_batch(3)


def assignees(in_a, leads) -> list:
    with in_a():
        return [Lead.objects.get(pk=lead.pk).assignee_id for lead in leads]


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_ticked_leads_go_to_the_chosen_member_and_back_to_the_same_inbox_page(
    member_client, in_a, urls, leads, admin
):
    back = f"{urls['inbox']}?band=hot&cursor=abc"

    response = member_client.post(
        urls["assign"],
        {"lead": [leads[0].pk, leads[2].pk], "assignee": admin.pk, "next": back},
    )

    assert response.status_code == 302 and response["Location"] == back
    assert assignees(in_a, leads) == [admin.pk, None, admin.pk]
    assert said(response) == [f"2 leads assigned to {admin.email}."]


def test_assign_to_me_takes_the_one_lead_of_its_button(member_client, member, in_a, urls, leads):
    # The ticked rows and the chosen member go with the form, but the button names one lead.
    response = member_client.post(
        urls["assign"], {"me": leads[1].pk, "lead": [leads[0].pk], "assignee": ""}
    )

    assert assignees(in_a, leads) == [None, member.pk, None]
    assert said(response) == ["1 lead assigned to you."]
    with in_a():
        activity = LeadActivity.objects.get()
    assert (activity.kind, activity.actor_email) == (ActivityKind.ASSIGNED, member.email)


def test_nobody_unassigns_the_ticked_leads(member_client, member, in_a, urls, leads):
    member_client.post(urls["assign"], {"me": leads[0].pk})

    response = member_client.post(urls["assign"], {"lead": [leads[0].pk], "assignee": ""})

    assert assignees(in_a, leads) == [None, None, None]
    assert said(response)[-1] == "1 lead assigned to nobody."


def test_assigning_again_to_the_same_person_says_nothing_changed(member_client, in_a, urls, leads):
    member_client.post(urls["assign"], {"me": leads[0].pk})

    response = member_client.post(urls["assign"], {"me": leads[0].pk})

    # (The first assignment's message is still waiting: its redirect was not followed.)
    assert said(response)[-1] == "Nothing changed: those leads were already assigned to you."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"assignee": ""}, "Tick the leads to assign first."),
        ({"lead": ["abc"], "assignee": ""}, "Choose leads from the list."),
        ({"lead": ["-4"], "assignee": ""}, "Choose leads from the list."),
        ({"lead": ["99999999999999999999999"], "assignee": ""}, "Choose leads from the list."),
        ({"lead": [str(n) for n in range(1, 102)]}, "Assign at most 100 leads at a time."),
        ({"lead": ["1"], "assignee": "2000000000"}, "Choose a member of this workspace."),
        ({"lead": ["1"], "assignee": "me"}, "Choose a member of this workspace."),
        ({"me": "zero"}, "Enter a whole number."),
    ],
)
def test_bad_input_is_said_and_sent_back_to_the_inbox_with_nothing_changed(
    member_client, in_a, urls, leads, data, message
):
    response = member_client.post(urls["assign"], data)

    assert response.status_code == 302 and response["Location"] == urls["inbox"]
    assert said(response) == [message]
    assert assignees(in_a, leads) == [None, None, None]


def test_a_lead_given_to_someone_outside_the_workspace_is_refused(
    member_client, in_a, urls, leads, outsider
):
    response = member_client.post(urls["assign"], {"lead": [leads[0].pk], "assignee": outsider.pk})

    assert said(response) == ["Choose a member of this workspace."]
    assert assignees(in_a, leads) == [None, None, None]


def test_a_return_address_on_another_site_is_not_followed(member_client, urls, leads):
    response = member_client.post(
        urls["assign"], {"me": leads[0].pk, "next": "https://evil.example/leads/"}
    )

    assert response["Location"] == urls["inbox"]


@pytest.mark.parametrize("reader", ["member_client", "admin_client_a", "owner_client"])
def test_every_member_may_assign(request, reader, in_a, urls, leads):
    client = request.getfixturevalue(reader)

    client.post(urls["assign"], {"me": leads[0].pk})

    assert assignees(in_a, leads)[0] is not None


def test_assigning_only_posts(member_client, urls):
    assert member_client.get(urls["assign"]).status_code == 405


def test_assigning_needs_the_csrf_token(member, in_a, urls, leads):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(urls["assign"], {"me": leads[0].pk})

    assert response.status_code == 403
    assert assignees(in_a, leads) == [None, None, None]


def test_the_member_given_ticked_leads_gets_one_email_listing_them(
    member_client, in_a, urls, leads, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(
            urls["assign"], {"lead": [leads[0].pk, leads[2].pk], "assignee": admin.pk}
        )

    [message] = mail.outbox
    assert message.to == [admin.email]
    assert message.subject == "2 leads assigned to you"
    assert leads[0].email in message.body and leads[2].email in message.body
    assert leads[1].email not in message.body


def test_taking_ticked_leads_yourself_sends_nothing(
    member_client, member, in_a, urls, leads, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(urls["assign"], {"lead": [leads[0].pk], "assignee": member.pk})

    assert mail.outbox == []
