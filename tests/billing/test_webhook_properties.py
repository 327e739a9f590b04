"""Whatever a signed webhook body holds, the answer is a 200 or a 400 in the error shape, never a
500 (property-based: Hypothesis makes the bodies)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.billing.fixtures import WEBHOOK_URL, signature_header

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
objects = st.dictionaries(
    st.sampled_from(["id", "customer", "subscription", "mode", "client_reference_id", "parent"]),
    json_values,
)
events = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=300) | json_values,
        "type": st.sampled_from(["checkout.session.completed", "invoice.paid"]) | json_values,
        "created": st.integers() | json_values,
        "data": st.fixed_dictionaries({}, optional={"object": objects | json_values}),
    },
)
checked = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _post(client, body: bytes):
    return client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body),
    )


def _answered_in_the_shape(response):
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@checked
@given(event=events)
def test_any_signed_json_event_is_answered_200_or_400(client, stripe_fake, event):
    _answered_in_the_shape(_post(client, json.dumps(event).encode()))


@checked
@given(body=st.binary(max_size=200))
def test_any_signed_bytes_are_answered_200_or_400(client, stripe_fake, body):
    _answered_in_the_shape(_post(client, body))
