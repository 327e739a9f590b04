"""Cache keys carry the active schema (KEY_FUNCTION django_tenants.cache.make_key), so what one
workspace caches, another neither reads nor overwrites."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db


def test_value_cached_in_a_is_not_visible_in_b(workspace_a, workspace_b):
    with schema_context(workspace_a.schema_name):
        cache.set("lead-scores", "secret of A")

    with schema_context(workspace_b.schema_name):
        assert cache.get("lead-scores") is None
        assert "lead-scores" not in cache
        assert cache.get_many(["lead-scores"]) == {}

    with schema_context(workspace_a.schema_name):
        assert cache.get("lead-scores") == "secret of A"


def test_b_writing_the_same_key_does_not_overwrite_a(workspace_a, workspace_b):
    with schema_context(workspace_a.schema_name):
        cache.set("lead-scores", "secret of A")
    with schema_context(workspace_b.schema_name):
        cache.set("lead-scores", "of B")
        cache.delete("lead-scores")

    with schema_context(workspace_a.schema_name):
        assert cache.get("lead-scores") == "secret of A"


def test_value_cached_in_a_is_not_visible_in_the_public_schema(workspace_a):
    with schema_context(workspace_a.schema_name):
        cache.set("lead-scores", "secret of A")

    assert cache.get("lead-scores") is None
