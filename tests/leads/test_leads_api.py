"""GET /api/v1/leads/ and /api/v1/leads/{id}/, PATCH /api/v1/leads/{id}/: the workspace's
visible leads, filtered, in cursor pages (the call queue, or oldest change first for a sync);
one lead with everything sales see; its assignee and custom fields. Bad input is a 400 naming
what is wrong, never a 500; hidden leads answer 404 as missing ones do."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import (
    ActivityKind,
    Lead,
    LeadActivity,
    QualificationStatus,
    RuleKind,
    ScoringRule,
)
from leads.prioritization import leads_priority_refresh
from leads.scoring.services import scoring_rule_save
from leads.services.sales import lead_assign, lead_outcome_record
from tests.api import api_call
from tests.factories import LeadFactory, MembershipFactory
from tests.leads.conversations import LEAD_B

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"


@pytest.fixture
def key(api_key_of, workspace_a):
    return api_key_of(workspace_a)


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["data"]]


def get(client, key, url=URL, **params):
    return api_call(client, "get", url, key, data=params)


# --- The list ----------------------------------------------------------------------------------


def test_the_list_is_the_call_queue_by_default(client, key, in_a):
    low, high = LeadFactory(priority=10), LeadFactory(priority=900)

    response = get(client, key)

    assert ids(response) == [high.pk, low.pk]
    assert response.json()["next_cursor"] is None


def test_cursor_pages_walk_the_list_without_repeat_or_gap(client, key, in_a):
    leads = [LeadFactory(priority=priority) for priority in range(7)]

    seen, cursor = [], None
    for _ in range(4):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = get(client, key, **params)
        seen += ids(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert seen == [lead.pk for lead in reversed(leads)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"qualification": "sql"}, ["sql"]),
        ({"qualification": "disqualified"}, ["student"]),
        ({"qualification": "none"}, ["new"]),
        ({"band": "hot"}, ["sql"]),
        ({"outcome": "won"}, ["mql"]),
        ({"outcome": "none"}, ["sql", "student", "new"]),
    ],
)
def test_filters_keep_the_leads_asked_for(client, key, in_a, member, filters, expected):
    made = {
        "sql": LeadFactory(qualification_status=QualificationStatus.SQL, timing="now"),
        "mql": LeadFactory(qualification_status=QualificationStatus.MQL),
        "student": LeadFactory(
            qualification_status=QualificationStatus.MQL, disqualification="student"
        ),
        "new": LeadFactory(),
    }
    lead_outcome_record(lead=made["mql"], kind="won", amount=1000, currency="EUR", by=member)
    leads_priority_refresh()  # the band filter reads the band's range of priorities

    assert sorted(ids(get(client, key, **filters))) == sorted(made[name].pk for name in expected)


def test_the_assignee_filter_takes_a_member_e_mail_or_none(client, key, in_a, member, admin):
    mine, theirs, nobodys = (
        LeadFactory(priority=3),
        LeadFactory(priority=2),
        LeadFactory(priority=1),
    )
    lead_assign(lead=mine, assignee=member, by=admin)
    lead_assign(lead=theirs, assignee=admin, by=admin)

    assert ids(get(client, key, assignee=member.email.upper())) == [mine.pk]
    assert ids(get(client, key, assignee="none")) == [nobodys.pk]


def test_the_form_filter_keeps_leads_that_talked_to_it(client, key, pipeline, workspace_a):
    lead = pipeline(LEAD_B)
    with schema_context(workspace_a.schema_name):
        form_id = lead.conversations.get().form_id
        LeadFactory()

    assert ids(get(client, key, form=form_id)) == [lead.pk]
    assert ids(get(client, key, form=form_id + 1000)) == []


def test_incremental_sync_sees_every_change_since_oldest_first(client, key, in_a, member, admin):
    """A sync lists updated_since its last run in the `updated` order; an assignment, an outcome
    (or anything else the lead shows) brings a lead back."""
    old, changed, new = LeadFactory(), LeadFactory(), LeadFactory()
    long_ago = timezone.now() - timedelta(days=3)
    Lead.objects.filter(pk__in=[old.pk, changed.pk]).update(updated_at=long_ago)
    last_sync = timezone.now() - timedelta(hours=1)

    assert ids(get(client, key, order="updated", updated_since=last_sync.isoformat())) == [new.pk]

    lead_assign(lead=changed, assignee=member, by=admin)
    assert ids(get(client, key, order="updated", updated_since=last_sync.isoformat())) == [
        new.pk,
        changed.pk,
    ]


def test_a_rule_change_brings_back_in_the_sync_the_leads_whose_score_changed_only(
    client, key, in_a, django_capture_on_commit_callbacks
):
    """A rescore of every lead sends no event per lead (one `leads.rescored`): the sync is how an
    integration learns which scores changed."""
    ScoringRule.objects.update(active=False)
    cto, intern = LeadFactory(job_title="CTO"), LeadFactory(job_title="Intern")
    leads_priority_refresh()  # both in their place in the call queue, as conversations leave them
    Lead.objects.update(updated_at=timezone.now() - timedelta(days=3))
    last_sync = (timezone.now() - timedelta(minutes=1)).isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        scoring_rule_save(
            rule=ScoringRule(
                name="CTO", kind=RuleKind.JOB_TITLE_MATCHES, params={"words": ["CTO"]}, points=12
            )
        )

    synced = get(client, key, order="updated", updated_since=last_sync)
    assert ids(synced) == [cto.pk]
    assert synced.json()["data"][0]["score"] == 12
    assert Lead.objects.get(pk=intern.pk).score == 0


def test_hidden_leads_are_neither_listed_nor_counted(client, key, in_a):
    shown = LeadFactory()
    LeadFactory(over_quota=True)

    assert ids(get(client, key)) == [shown.pk]


def test_a_page_takes_the_same_queries_for_one_lead_or_fifty(
    client, key, in_a, member, admin, django_assert_num_queries
):
    lead_assign(lead=LeadFactory(), assignee=member, by=admin)
    get(client, key)  # the key's last use is written once a minute: not in the count
    # Two schema switches, the key, the page (assignees' e-mails by subquery).
    with django_assert_num_queries(4):
        assert len(ids(get(client, key))) == 1

    for _ in range(49):
        lead_assign(lead=LeadFactory(), assignee=member, by=admin)
    with django_assert_num_queries(4):
        assert len(ids(get(client, key))) == 50


BAD_QUERIES = {
    "a page too large": ({"limit": 101}, "limit"),
    "a page of nothing": ({"limit": 0}, "limit"),
    "a limit that is no number": ({"limit": "ten"}, "limit"),
    "an edited cursor": ({"cursor": "abc:def"}, "cursor"),
    "an unknown qualification": ({"qualification": "hot"}, "qualification"),
    "an unknown band": ({"band": "lukewarm"}, "band"),
    "an unknown order": ({"order": "random"}, "order"),
    "a form that is no id": ({"form": "contact"}, "form"),
    "a form id too big": ({"form": 2**70}, "form"),
    "an assignee who is not a member": ({"assignee": "stranger@example.com"}, "assignee"),
    "a time that is no time": ({"updated_since": "last week"}, "updated_since"),
    "an unknown parameter": ({"stauts": "sql"}, "stauts"),
}


@pytest.mark.parametrize("case", BAD_QUERIES)
def test_a_bad_query_gets_a_400_naming_the_parameter(client, key, in_a, case):
    params, field = BAD_QUERIES[case]

    response = get(client, key, **params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_a_cursor_of_another_order_or_a_day_old_is_refused(client, key, in_a):
    for priority in range(3):
        LeadFactory(priority=priority)
    cursor = get(client, key, limit=1).json()["next_cursor"]

    other_order = get(client, key, limit=1, cursor=cursor, order="updated")
    with mock.patch(
        "django.core.signing.time.time",
        return_value=(timezone.now() + timedelta(hours=25)).timestamp(),
    ):
        expired = get(client, key, limit=1, cursor=cursor)

    assert other_order.status_code == expired.status_code == 400
    assert "expired" in expired.json()["error"]["fields"]["cursor"]


# --- One lead ----------------------------------------------------------------------------------


def test_a_lead_reads_with_qualification_evidence_brief_score_timer_and_transcript(
    client, key, pipeline, workspace_a, member, admin
):
    lead = pipeline(LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead_assign(lead=lead, assignee=member, by=admin)
        lead_outcome_record(lead=lead, kind="contacted", by=member)

    response = get(client, key, f"{URL}{lead.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["email"], body["qualification"], body["band"]) == (LEAD_B[0], "sql", "hot")
    assert body["assignee"] == member.email
    assert body["outcome"] == "contacted"
    assert body["timer"]["state"] in ("met", "late")
    detail = body["qualification_detail"]
    assert detail["status"] == "sql"
    assert detail["budget"]["value"] == "confirmed"
    assert detail["budget"]["amount"] == "6000.00"
    assert any("6 000 euros" in quote for quote in detail["budget"]["evidence"])
    assert detail["timing"]["value"] == "quarter"
    assert detail["brief"]["problem"]
    assert body["score_breakdown"] == [] or {"rule", "points"} <= set(body["score_breakdown"][0])
    assert [o["kind"] for o in body["outcomes"]] == ["contacted"]
    (conversation,) = body["conversations"]
    assert conversation["status"] == "completed"
    said = [m["text"] for m in conversation["messages"] if m["role"] == "visitor"]
    assert said[: len(LEAD_B)] == LEAD_B
    assert conversation["answers"][0] == {
        "question": "Quelle est votre adresse e-mail professionnelle ?",
        "answer": LEAD_B[0],
    }


def test_reading_a_lead_takes_the_same_queries_whatever_it_holds(
    client, key, pipeline, workspace_a, member, django_assert_num_queries
):
    lead = pipeline(LEAD_B)
    url = f"{URL}{lead.pk}/"
    get(client, key, url)
    # Two schema switches, the key, the lead, and five prefetches (conversations, messages,
    # corrections, score, outcomes).
    with django_assert_num_queries(9):
        get(client, key, url)

    with schema_context(workspace_a.schema_name):
        for kind in ("contacted", "meeting", "contacted"):
            lead_outcome_record(lead=lead, kind=kind, by=member)
    with django_assert_num_queries(9):
        assert len(get(client, key, url).json()["outcomes"]) == 3


def test_a_hidden_lead_answers_like_a_missing_one(client, key, in_a):
    hidden = LeadFactory(over_quota=True)

    for url in (f"{URL}{hidden.pk}/", f"{URL}{hidden.pk + 1000}/"):
        for method, body in (("get", None), ("patch", {"custom_fields": {"a": "b"}})):
            response = api_call(client, method, url, key, body)
            assert response.status_code == 404
            assert response.json() == {
                "error": {"code": "not_found", "message": "No such lead.", "fields": {}}
            }


# --- PATCH -------------------------------------------------------------------------------------


def patch(client, key, lead, body):
    return api_call(client, "patch", f"{URL}{lead.pk}/", key, body)


def test_the_assignee_is_set_by_e_mail_and_the_timeline_names_the_key(
    client, api_key_of, workspace_a, member
):
    key = api_key_of(workspace_a, name="HubSpot")
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    response = patch(client, key, lead, {"assignee": member.email})
    unassigned = patch(client, key, lead, {"assignee": None})

    assert response.status_code == 200
    assert response.json()["assignee"] == member.email
    assert unassigned.json()["assignee"] is None
    with schema_context(workspace_a.schema_name):
        assert list(LeadActivity.objects.filter(lead=lead).values_list("kind", "actor_email")) == [
            (ActivityKind.ASSIGNED, "api:HubSpot"),
            (ActivityKind.UNASSIGNED, "api:HubSpot"),
        ]


def test_custom_fields_are_merged_and_null_removes_one(client, key, in_a):
    lead = LeadFactory(custom_fields={"crm_id": "42", "stage": "lead"})

    response = patch(client, key, lead, {"custom_fields": {"stage": "deal", "crm_id": None}})

    assert response.status_code == 200
    assert response.json()["custom_fields"] == {"stage": "deal"}
    lead.refresh_from_db()
    assert lead.custom_fields == {"stage": "deal"}


BAD_PATCHES = {
    "an unknown field": ({"asignee": "a@b.example"}, "asignee"),
    "a read-only field": ({"score": 100}, "score"),
    "an assignee who is not a member": ({"assignee": "stranger@example.com"}, "assignee"),
    "an assignee that is no e-mail": ({"assignee": 12}, "assignee"),
    "custom fields that are a list": ({"custom_fields": ["a"]}, "custom_fields"),
    "a nested custom value": ({"custom_fields": {"a": {"b": 1}}}, "custom_fields"),
    "a custom name with spaces": ({"custom_fields": {"deal stage": "x"}}, "custom_fields"),
    "a custom name too long": ({"custom_fields": {"a" * 41: "x"}}, "custom_fields"),
    "a custom text too long": ({"custom_fields": {"note": "x" * 501}}, "custom_fields"),
    "too many custom fields": (
        {"custom_fields": {f"field_{n}": n for n in range(51)}},
        "custom_fields",
    ),
}


@pytest.mark.parametrize("case", BAD_PATCHES)
def test_a_bad_patch_gets_a_400_naming_the_field_and_changes_nothing(client, key, in_a, case):
    lead = LeadFactory(custom_fields={"crm_id": "42"})
    before = Lead.objects.filter(pk=lead.pk).values().get()
    body, field = BAD_PATCHES[case]

    response = patch(client, key, lead, body)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Lead.objects.filter(pk=lead.pk).values().get() == before


def test_a_body_that_is_no_json_object_is_a_400(client, key, in_a):
    lead = LeadFactory()

    assert patch(client, key, lead, "{oops").status_code == 400
    assert patch(client, key, lead, "[1]").status_code == 400


def test_a_read_only_key_cannot_patch(client, api_key_of, workspace_a):
    key = api_key_of(workspace_a, scopes=["read"])
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    response = patch(client, key, lead, {"custom_fields": {"a": "b"}})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_write_only_key_cannot_read(client, api_key_of, workspace_a):
    response = get(client, api_key_of(workspace_a, scopes=["write"]))

    assert response.status_code == 403


def test_a_member_of_another_workspace_cannot_be_the_assignee(client, key, in_a, workspace_b):
    stranger = MembershipFactory(workspace=workspace_b).user
    lead = LeadFactory()

    response = patch(client, key, lead, {"assignee": stranger.email})

    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.assignee_id is None
