"""Fixtures for the tenants tests, on top of tests/conftest.py."""

import pytest

from tenants.models import Membership, Role


@pytest.fixture
def sole_owner(owner, workspace_a):
    """`owner` as the only owner of workspace A (the session's founder is demoted for this test,
    which rolls back with it)."""
    Membership.objects.filter(workspace=workspace_a, role=Role.OWNER).exclude(user=owner).update(
        role=Role.ADMIN
    )
    return owner
