"""What the isolation suite aims at: every workspace URL pattern, listed from
config/urls_workspace.py so a new workspace page is attacked without anyone adding a test for it,
with its parameters naming real objects of the workspace under attack."""

import re
import uuid
from importlib import import_module

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Max
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RoutePattern
from django_tenants.utils import schema_context

from exports.models import ExportStatus, LeadExport
from forms_builder.models import Form, FormStatus, LeadField, Step, StepKind
from forms_builder.services import form_publish
from leads.models import Lead, RuleKind, ScoringRule
from leads.services.conversations import conversation_start, conversation_turn
from tenants.api_keys import api_key_create
from tenants.models import Role, Workspace
from tests.conversations import followups_answer
from tests.factories import FormFactory, InvitationFactory, MembershipFactory, StepFactory
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Event, EventType

# --- Workspace URL patterns ------------------------------------------------------------------

_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _workspace_routes(patterns, prefix=""):
    """(route, view) of every workspace URL pattern."""
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            raise AssertionError(
                f"{entry.pattern} is a regular expression: write it with path() so the isolation "
                "suite in tests/security/ can fill in its parameters."
            )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _workspace_routes(entry.url_patterns, route)
        else:
            assert isinstance(entry, URLPattern)
            yield route, entry.callback


_ALL_ROUTES = list(_workspace_routes(import_module(settings.WORKSPACE_URLCONF).urlpatterns))
# Members-only pages, attacked as such. Views marked `workspace_public` (a published form and its
# conversation) are open to anyone by design: they are listed apart, and have their own tests in
# test_public_pages.py.
WORKSPACE_ROUTES = [
    route for route, view in _ALL_ROUTES if not getattr(view, "workspace_public", False)
]
PUBLIC_ROUTES = [route for route, view in _ALL_ROUTES if getattr(view, "workspace_public", False)]


def route_parameters(route: str) -> list[tuple[str, str]]:
    """(converter, name) of each parameter of a route, e.g. [("int", "membership_id")]."""
    return [(m["converter"] or "str", m["name"]) for m in _ROUTE_PARAMETER.finditer(route)]


def route_fill(route: str, values: dict) -> str:
    return _ROUTE_PARAMETER.sub(lambda m: str(values[m["name"]]), route)


# --- Objects of a workspace, by the URL parameter that names them -----------------------------


def _membership_id(workspace, route: str, made: dict) -> int:
    # A plain member, so that an attack that got through would succeed (an owner is protected
    # by the last-owner rule, which would mask a missing workspace check).
    return MembershipFactory(workspace=workspace, role=Role.MEMBER).pk


def _invitation_id(workspace, route: str, made: dict) -> int:
    return InvitationFactory(workspace=workspace).pk


def _ids_past_other_workspaces(model, workspace) -> None:
    """Make the next id of `model` in `workspace`'s schema one that no other workspace's schema
    holds. Each schema numbers its rows from 1, so a foreign id could otherwise name an object of
    the attacker's own workspace, and a 404 or a 200 would prove nothing either way."""
    highest = 0
    for other in Workspace.objects.exclude(pk=workspace.pk).only("schema_name"):
        with schema_context(other.schema_name):
            highest = max(highest, model.objects.aggregate(last=Max("pk"))["last"] or 0)
    with schema_context(workspace.schema_name), connection.cursor() as cursor:
        # Only ever forward: nextval() is taken first, so ids already handed out are not reused.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "GREATEST(nextval(pg_get_serial_sequence(%s, 'id')), %s))",
            [model._meta.db_table] * 2 + [highest],
        )


def _form_id(workspace, route: str, made: dict) -> int:
    """A form that could be published as it is, named after its workspace: a page that shows it
    to someone else shows the workspace's name, which the suite looks for. Archived for a restore
    page, which finds archived forms only, so that the workspace's own page works."""
    _ids_past_other_workspaces(Form, workspace)
    _ids_past_other_workspaces(Step, workspace)
    status = FormStatus.ARCHIVED if route.endswith("/restore/") else FormStatus.DRAFT
    with schema_context(workspace.schema_name):
        form = FormFactory(name=f"Form of {workspace.name}", status=status)
        StepFactory(
            form=form,
            position=0,
            kind=StepKind.EMAIL,
            prompt=f"Your e-mail for {workspace.name}?",
            lead_field=LeadField.EMAIL,
        )
        StepFactory(
            form=form,
            position=1,
            kind=StepKind.SINGLE_CHOICE,
            prompt=f"Which plan of {workspace.name}?",
            options=["Starter", "Pro"],
        )
        return form.pk


def _step_id(workspace, route: str, made: dict) -> int:
    """A step of the route's own form when the route names one (forms/<form_id>/steps/<step_id>/),
    so that the workspace's own page finds it."""
    form_id = made["form_id"] if "form_id" in made else _form_id(workspace, route, made)
    with schema_context(workspace.schema_name):
        return Step.objects.filter(form_id=form_id).order_by("-position").first().pk


def _lead_id(workspace, route: str, made: dict) -> int:
    """A lead captured the way visitors make them, by answering a published form to the end,
    and named after its workspace, so that a page that shows it elsewhere gives it away."""
    _ids_past_other_workspaces(Lead, workspace)
    form_id = _form_id(workspace, route, made)
    with schema_context(workspace.schema_name):
        form = Form.objects.get(pk=form_id)
        form_publish(form=form)
        conversation = conversation_start(
            form=form, utm={"utm_source": f"campaign of {workspace.name}"}
        ).conversation
        for text in (f"lead@{workspace.slug}.example", "Pro"):
            conversation = conversation_turn(token=conversation.token, text=text).conversation
        conversation = followups_answer(conversation)
        Lead.objects.filter(pk=conversation.lead_id).update(
            full_name=f"Lead of {workspace.name}", company=workspace.name
        )
        return conversation.lead_id


def _rule_id(workspace, route: str, made: dict) -> int:
    """A scoring rule named after its workspace, so that a page that shows it elsewhere gives
    it away."""
    _ids_past_other_workspaces(ScoringRule, workspace)
    with schema_context(workspace.schema_name):
        return ScoringRule.objects.create(
            name=f"Rule of {workspace.name}",
            kind=RuleKind.JOB_TITLE_MATCHES,
            params={"words": [workspace.slug]},
            points=10,
        ).pk


def _api_key_id(workspace, route: str, made: dict) -> int:
    """A live key of the workspace, named after it. Keys live in the public schema, where ids
    are unique across workspaces."""
    return api_key_create(
        workspace=workspace, name=f"Key of {workspace.name}", scopes=["read"], created_by=None
    ).api_key.pk


def _endpoint_id(workspace, route: str, made: dict) -> int:
    """A webhook endpoint described after its workspace. Its address is a closed local port:
    nothing in the suite sends to it (attempts are queued after commit, which tests never
    reach), and were one sent, it would go nowhere."""
    _ids_past_other_workspaces(Endpoint, workspace)
    with schema_context(workspace.schema_name):
        return Endpoint.objects.create(
            url=f"http://127.0.0.1:9/hooks/{workspace.slug}",
            description=f"Endpoint of {workspace.name}",
            events=[EventType.LEAD_CREATED],
        ).pk


def _delivery_id(workspace, route: str, made: dict) -> int:
    """A failed attempt to the route's own endpoint, whose event speaks of the workspace."""
    _ids_past_other_workspaces(Event, workspace)
    _ids_past_other_workspaces(Delivery, workspace)
    with schema_context(workspace.schema_name):
        event = Event.objects.create(
            type=EventType.LEAD_CREATED, payload={"lead": {"company": workspace.name}}
        )
        return Delivery.objects.create(
            endpoint_id=made["endpoint_id"],
            event=event,
            status=DeliveryStatus.FAILED,
            error=f"Refused by {workspace.name}",
        ).pk


def _export_id(workspace, route: str, made: dict) -> int:
    """A finished leads export with its file in the workspace's storage, naming the
    workspace."""
    _ids_past_other_workspaces(LeadExport, workspace)
    with schema_context(workspace.schema_name):
        name = default_storage.save(
            "exports/probe.csv", ContentFile(f"id,company\n1,{workspace.name}\n".encode())
        )
        return LeadExport.objects.create(
            status=ExportStatus.DONE, total=1, done=1, file_name=name
        ).pk


# A workspace URL with an object id in it needs an entry here: the suite then creates such an
# object in workspace B and aims A's member at it. A maker receives the workspace, the route and
# the values already made for the route's earlier parameters. Objects of a workspace's own
# schema must be created inside schema_context(workspace.schema_name), with ids that no other
# workspace holds (see _ids_past_other_workspaces).
OBJECT_MAKERS = {
    "membership_id": _membership_id,
    "invitation_id": _invitation_id,
    "form_id": _form_id,
    "step_id": _step_id,
    "lead_id": _lead_id,
    "rule_id": _rule_id,
    "api_key_id": _api_key_id,
    "endpoint_id": _endpoint_id,
    "delivery_id": _delivery_id,
    "export_id": _export_id,
}


def route_values(route: str, workspace) -> dict:
    """Parameter values for a route, each naming a real object of `workspace`."""
    values = {}
    for converter, name in route_parameters(route):
        if name in OBJECT_MAKERS:
            values[name] = OBJECT_MAKERS[name](workspace, route, values)
        elif converter == "uuid":
            values[name] = uuid.uuid4()
        elif converter in ("str", "slug", "path"):
            values[name] = "probe"
        else:
            raise AssertionError(
                f"Add a maker for <{converter}:{name}> of {route!r} to OBJECT_MAKERS in "
                "tests/security/probes.py, so the suite can aim at a real object."
            )
    return values


# --- Response bodies --------------------------------------------------------------------------

_CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def body_without_tokens(response) -> bytes:
    """A page's body with its CSRF tokens (masked afresh on each render) blanked out."""
    return _CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', response.content)
