"""SSRF: webhooks go to public internet addresses only, checked when an endpoint is saved and
again on the socket at every attempt (a name may point elsewhere since: DNS rebinding).
Loopback is allowed only with WEBHOOKS_ALLOW_LOOPBACK (development and tests)."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from webhooks import addresses, sending
from webhooks.addresses import AddressRefused, address_allowed, url_check
from webhooks.deliveries import delivery_attempt
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import endpoint_create, webhook_emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def loopback_refused(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False


@pytest.fixture
def dns(monkeypatch):
    """`dns({"hooks.customer.example": "8.8.4.4"})`: what host names resolve to, for the
    name check (the socket's own resolution is left alone)."""
    real = socket.getaddrinfo

    def fake(names):
        def getaddrinfo(host, port, *args, **kwargs):
            if host in names:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)

    return fake


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata services
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address refused, not one listened on)
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "203.0.113.7",  # documentation
        "fd00::1",  # unique local
        "fe80::1%eth0",  # link-local, with a zone
        "::ffff:10.0.0.1",  # private, mapped into IPv6
    ],
)
def test_private_link_local_and_reserved_addresses_are_refused(address, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # whatever the loopback setting

    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_is_refused_unless_the_setting_allows_it(address, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert not address_allowed(address)

    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert address_allowed(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert address_allowed(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/hooks",
        "http://localhost:8000/hooks",
        "http://127.0.0.1/hooks",
    ],
)
def test_urls_on_private_or_loopback_hosts_are_refused(url, loopback_refused):
    with pytest.raises(AddressRefused, match="public internet addresses only"):
        url_check(url)


def test_a_name_resolving_to_a_loopback_address_is_refused(loopback_refused, dns):
    dns({"hooks.customer.example": "127.0.0.1"})

    with pytest.raises(AddressRefused, match=r"hooks\.customer\.example points to .*127\.0\.0\.1"):
        url_check("https://hooks.customer.example/parley")


def test_a_name_resolving_to_a_public_address_is_allowed(dns):
    dns({"hooks.customer.example": "8.8.4.4"})

    url_check("https://hooks.customer.example/parley")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.customer.example/", "Use an http:// or https:// address."),
        ("https:///nohost", "The address has no host name."),
        ("https://hooks.customer.example:99999/", "The port of this address is not valid."),
        ("https://no-such-host.invalid/", "cannot be resolved"),
    ],
)
def test_malformed_or_unresolvable_urls_are_refused_with_a_reason(url, message):
    with pytest.raises(AddressRefused, match=message):
        url_check(url)


def test_registering_an_endpoint_on_a_private_address_is_refused_on_the_url_field(
    workspace_a, owner
):
    with schema_context(workspace_a.schema_name):
        with pytest.raises(ValidationError) as refused:
            endpoint_create(url="http://192.168.0.1/hooks", events=["lead.created"], by=owner)
        assert Endpoint.objects.count() == 0

    assert "public internet addresses only" in refused.value.message_dict["url"][0]


def test_a_name_that_points_to_loopback_at_send_time_is_refused_then(
    workspace_a, receiver, loopback_refused
):
    """Registered while it resolved elsewhere; at send time it resolves to Parley's own
    machine (DNS rebinding): the attempt fails and nothing reaches the address."""
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.create(url=receiver.url, events=["lead.created"])
        event = webhook_emit(event_type="lead.created", payload={"lead": {}})
        attempt = delivery_attempt(delivery_id=Delivery.objects.get(event=event).pk)

    assert attempt.status == DeliveryStatus.FAILED
    assert "private, loopback or reserved" in attempt.error
    assert receiver.requests == []


def test_the_socket_itself_is_checked_after_the_name_check(
    workspace_a, receiver, loopback_refused, monkeypatch
):
    """A resolver answering the name check with a public address and the connection with a
    loopback one (rebinding between the two) is caught on the connected socket."""
    monkeypatch.setattr(sending, "url_check", lambda url: None)
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.create(url=receiver.url, events=["lead.created"])
        event = webhook_emit(event_type="lead.created", payload={"lead": {}})
        attempt = delivery_attempt(delivery_id=Delivery.objects.get(event=event).pk)

    assert attempt.status == DeliveryStatus.FAILED
    assert "now points to a private, loopback or reserved address (127.0.0.1)" in attempt.error
    assert receiver.requests == []
