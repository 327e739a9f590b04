"""A's own pages, given the ids of B's objects (/w/<A>/members/<B's membership>/role/ ...), find
nothing: the object is looked up within the workspace of the URL, never by id alone."""

import factory
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from forms_builder.models import Form, Step
from leads.models import Lead
from tenants.models import Invitation, Membership, Role
from tests.factories import FormFactory, LeadFactory, MembershipFactory, StepFactory
from tests.security.probes import (
    OBJECT_MAKERS,
    WORKSPACE_ROUTES,
    body_without_tokens,
    route_fill,
    route_parameters,
    route_values,
)

pytestmark = pytest.mark.django_db

ROUTES_WITH_IDS = [
    route
    for route in WORKSPACE_ROUTES
    if any(converter == "int" for converter, _ in route_parameters(route))
]
NEVER_USED_ID = 2_000_000_000


def test_the_suite_found_routes_with_object_ids():
    assert "members/<int:membership_id>/role/" in ROUTES_WITH_IDS


@pytest.mark.parametrize("route", ROUTES_WITH_IDS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_of_a_aiming_at_an_object_of_b_gets_the_answer_of_a_missing_object(
    owner_client, method, route, workspace_a, workspace_b, snapshot_b
):
    """Whatever A's page answers for an id that was never used, it answers for B's ids too (a 404
    once the view looks the object up): B's ids neither work nor leak."""
    b_path = f"/w/{workspace_a.slug}/" + route_fill(route, route_values(route, workspace_b))
    missing_path = f"/w/{workspace_a.slug}/" + route_fill(
        route, {name: NEVER_USED_ID for _, name in route_parameters(route)}
    )
    before = snapshot_b()

    response = getattr(owner_client, method)(b_path, {"role": Role.ADMIN})
    missing = getattr(owner_client, method)(missing_path, {"role": Role.ADMIN})

    assert response.status_code == missing.status_code
    if method == "post":
        assert response.status_code == 404
    # The makers name B's objects after B (a form "Form of Bravo Corp"): nothing of them shows.
    assert workspace_b.name.encode() not in response.content
    assert snapshot_b() == before


def _next_id_in(workspace, model) -> int:
    with schema_context(workspace.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("parameter", "model"), [("form_id", Form), ("step_id", Step), ("lead_id", Lead)]
)
def test_ids_made_for_b_name_nothing_in_a(parameter, model, workspace_a, workspace_b):
    """Each schema numbers its rows from 1: the ids aimed at A must be B's alone, or A's page
    would find A's own object and the test would prove nothing."""
    # A holds the very ids B would hand out next.
    next_in_b = _next_id_in(workspace_b, model)
    taken = range(next_in_b, next_in_b + 5)
    with schema_context(workspace_a.schema_name):
        if model is Form:
            FormFactory.create_batch(len(taken), pk=factory.Iterator(taken))
        elif model is Lead:
            LeadFactory.create_batch(len(taken), pk=factory.Iterator(taken))
        else:
            StepFactory.create_batch(len(taken), pk=factory.Iterator(taken), form=FormFactory())

    made_for_b = OBJECT_MAKERS[parameter](workspace_b, "forms/probe/", {})

    with schema_context(workspace_a.schema_name):
        assert not model.objects.filter(pk=made_for_b).exists()
    with schema_context(workspace_b.schema_name):
        assert model.objects.filter(pk=made_for_b).exists()


def test_step_made_for_a_route_belongs_to_the_route_form(workspace_b):
    values = route_values("forms/<int:form_id>/steps/<int:step_id>/edit/", workspace_b)

    with schema_context(workspace_b.schema_name):
        assert Step.objects.get(pk=values["step_id"]).form_id == values["form_id"]


def test_snapshot_of_b_sees_a_change_to_its_forms(workspace_b, snapshot_b):
    form_id = OBJECT_MAKERS["form_id"](workspace_b, "forms/probe/", {})
    before = snapshot_b()

    with schema_context(workspace_b.schema_name):
        Step.objects.filter(form_id=form_id, position=1).update(options=["Starter", "Pro", "Max"])

    assert snapshot_b() != before


def test_role_of_a_member_of_b_cannot_be_changed_from_a(owner_client, workspace_a, b_membership):
    response = owner_client.post(
        f"/w/{workspace_a.slug}/members/{b_membership.pk}/role/", {"role": Role.OWNER}
    )

    assert response.status_code == 404
    b_membership.refresh_from_db()
    assert b_membership.role == Role.MEMBER


def test_member_of_b_cannot_be_removed_from_a(owner_client, workspace_a, b_membership):
    response = owner_client.post(f"/w/{workspace_a.slug}/members/{b_membership.pk}/remove/")

    assert response.status_code == 404
    assert Membership.objects.filter(pk=b_membership.pk).exists()


def test_invitation_of_b_cannot_be_revoked_from_a(owner_client, workspace_a, b_invitation):
    response = owner_client.post(f"/w/{workspace_a.slug}/invitations/{b_invitation.pk}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=b_invitation.pk).exists()


@pytest.fixture
def b_form(workspace_a, workspace_b):
    """A form of B, with an id that A does not hold: A's pages must answer as for any missing id."""
    form_id = OBJECT_MAKERS["form_id"](workspace_b, "forms/<int:form_id>/", {})
    with schema_context(workspace_a.schema_name):
        assert not Form.objects.filter(pk=form_id).exists()
    with schema_context(workspace_b.schema_name):
        Form.objects.filter(pk=form_id).update(name="Bravo pricing for Q3")
        return Form.objects.get(pk=form_id)


def test_form_of_b_opened_from_a_looks_like_a_missing_form(owner_client, workspace_a, b_form):
    response = owner_client.get(f"/w/{workspace_a.slug}/forms/{b_form.pk}/")
    missing = owner_client.get(f"/w/{workspace_a.slug}/forms/{NEVER_USED_ID}/")

    assert response.status_code == missing.status_code == 404
    assert body_without_tokens(response) == body_without_tokens(missing)
    assert b"Bravo pricing" not in response.content


@pytest.mark.parametrize("action", ["publish", "archive", "duplicate"])
def test_form_of_b_cannot_be_changed_from_a(
    owner_client, action, workspace_a, workspace_b, b_form, snapshot_b
):
    before = snapshot_b()

    response = owner_client.post(f"/w/{workspace_a.slug}/forms/{b_form.pk}/{action}/")

    assert response.status_code == 404
    assert snapshot_b() == before
    with schema_context(workspace_a.schema_name):
        assert not Form.objects.filter(name__contains="Bravo").exists()


def test_step_of_b_cannot_be_edited_or_deleted_from_a(
    owner_client, workspace_a, workspace_b, b_form, snapshot_b
):
    with schema_context(workspace_b.schema_name):
        step = b_form.steps.last()
    before = snapshot_b()

    shown = owner_client.get(f"/w/{workspace_a.slug}/forms/steps/{step.pk}/")
    edited = owner_client.post(
        f"/w/{workspace_a.slug}/forms/steps/{step.pk}/",
        {"kind": "short_text", "prompt": "Changed from A"},
    )
    deleted = owner_client.post(f"/w/{workspace_a.slug}/forms/steps/{step.pk}/delete/")

    assert shown.status_code == edited.status_code == deleted.status_code == 404
    assert step.prompt.encode() not in shown.content
    assert snapshot_b() == before


def test_an_id_held_by_both_workspaces_opens_the_form_of_the_url_workspace(
    owner_client, workspace_a, workspace_b
):
    with schema_context(workspace_a.schema_name):
        form_of_a = FormFactory(name="Alpha onboarding")
    with schema_context(workspace_b.schema_name):
        FormFactory(pk=form_of_a.pk, name="Bravo pricing for Q3")

    response = owner_client.get(f"/w/{workspace_a.slug}/forms/{form_of_a.pk}/")

    assert response.status_code == 200
    assert b"Alpha onboarding" in response.content
    assert b"Bravo pricing" not in response.content


def test_role_held_in_b_gives_no_rights_in_a(client, workspace_a, workspace_b, b_membership):
    """Owner of B, plain member of A: in A, only A's membership counts."""
    person = b_membership.user
    Membership.objects.filter(pk=b_membership.pk).update(role=Role.OWNER)
    Membership.objects.create(user=person, workspace=workspace_a, role=Role.MEMBER)
    target = MembershipFactory(workspace=workspace_a, role=Role.MEMBER)
    client.force_login(person)

    response = client.post(f"/w/{workspace_a.slug}/members/{target.pk}/role/", {"role": Role.ADMIN})

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MEMBER


@pytest.fixture
def b_lead(workspace_a, workspace_b):
    """A lead of B, with an id that A does not hold."""
    lead_id = OBJECT_MAKERS["lead_id"](workspace_b, "leads/<int:lead_id>/", {})
    with schema_context(workspace_a.schema_name):
        assert not Lead.objects.filter(pk=lead_id).exists()
    return lead_id


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("assign", "member"),
        ("assign", ""),
        ("outcomes", {"kind": "contacted"}),
        ("outcomes", {"kind": "won", "amount": "900", "currency": "EUR"}),
    ],
)
def test_lead_of_b_cannot_be_assigned_or_given_an_outcome_from_a(
    owner_client, member, action, data, workspace_a, b_lead, snapshot_b, mailoutbox
):
    """Valid input, which would change the lead if the view found it: B's lead stays as it is
    and nobody is e-mailed."""
    if action == "assign":
        data = {"assignee": member.pk if data == "member" else ""}
    before = snapshot_b()

    response = owner_client.post(f"/w/{workspace_a.slug}/leads/{b_lead}/{action}/", data)
    missing = owner_client.post(f"/w/{workspace_a.slug}/leads/{NEVER_USED_ID}/{action}/", data)

    assert response.status_code == missing.status_code == 404
    assert body_without_tokens(response) == body_without_tokens(missing)
    assert snapshot_b() == before
    assert mailoutbox == []


def test_a_lead_of_a_cannot_be_given_to_a_member_of_b(
    owner_client, workspace_a, outsider, mailoutbox
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    response = owner_client.post(
        f"/w/{workspace_a.slug}/leads/{lead.pk}/assign/", {"assignee": outsider.pk}
    )

    assert response.status_code == 302
    with schema_context(workspace_a.schema_name):
        lead.refresh_from_db()
    assert lead.assignee_id is None
    assert mailoutbox == []
