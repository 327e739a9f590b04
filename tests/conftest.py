"""Shared fixtures. Two workspaces, A and B, are created once per test session (creating schemas
is the slow part); each test runs in a transaction on top of them and gets fresh people:
an owner, an admin and a member of A, and an outsider who belongs to B only."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from leads.models import RuleKind, ScoringRule
from tenants.models import Role, Workspace
from tenants.services import workspace_create
from tests.factories import PASSWORD, MembershipFactory, UserFactory

# Billing's fake Stripe and signed webhooks, a contact with data in every table (data care) and
# API keys, for their own tests and the attack suite alike; brokers and caches that fail.
pytest_plugins = [
    "tests.billing.fixtures",
    "tests.leads.privacy.fixtures",
    "tests.api",
    "tests.outages",
]

WORKSPACE_A = "alpha-corp"
WORKSPACE_B = "bravo-corp"


def pytest_configure():
    # Every person created or logged in hashes a password; the production hasher is slow on
    # purpose, which tests do not need.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No pool of spare schemas: the session's setup would clone spares that outlive every test,
    # for tests that never use them, and signups in tests keep cloning the template.
    # tests/tenants/test_spare_schemas.py turns the pool on where it is the subject.
    settings.WORKSPACE_SPARE_SCHEMAS = 0


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for slug in (WORKSPACE_A, WORKSPACE_B):
            founder = UserFactory(email=f"founder@{slug}.example")
            workspace_create(name=slug.replace("-", " ").title(), slug=slug, owner=founder)
        connection.set_schema_to_public()


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    # settings.py queues to Redis whenever REDIS_URL is set (as in CI), but tests run tasks
    # in-process so they see the test's own transaction; only tests marked `worker` use a broker.
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fresh_state_per_test():
    yield
    # A test that activated a workspace must not leave the next one in it, and rate-limit
    # counters must not carry over from one test to the next.
    connection.set_schema_to_public()
    cache.clear()


@pytest.fixture
def workspace_a(db):
    return Workspace.objects.get(slug=WORKSPACE_A)


@pytest.fixture
def workspace_b(db):
    return Workspace.objects.get(slug=WORKSPACE_B)


@pytest.fixture
def owner(workspace_a):
    return MembershipFactory(workspace=workspace_a, role=Role.OWNER).user


@pytest.fixture
def admin(workspace_a):
    return MembershipFactory(workspace=workspace_a, role=Role.ADMIN).user


@pytest.fixture
def member(workspace_a):
    return MembershipFactory(workspace=workspace_a, role=Role.MEMBER).user


@pytest.fixture
def outsider(workspace_b):
    """A member (owner, even) of workspace B who has nothing to do with workspace A."""
    return MembershipFactory(workspace=workspace_b, role=Role.OWNER).user


def _client_for(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def admin_client_a(admin):
    return _client_for(admin)


@pytest.fixture
def member_client(member):
    return _client_for(member)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def pricing_rule(workspace_a):
    """Workspace A's only active scoring rule: +15 for a visit of the pricing page, however
    many."""
    with schema_context(workspace_a.schema_name):
        ScoringRule.objects.update(active=False)
        return ScoringRule.objects.create(
            name="Pricing", kind=RuleKind.VISITED_PRICING, params={}, points=15
        )
