"""Counting the queries a page takes, for tests that pin a page's query count."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url) -> int:
    """How many queries a GET of `url` takes once warm (the first request of a test may fill
    caches)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)
