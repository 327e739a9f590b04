"""Where webhooks may be sent: public internet addresses only (SSRF). An admin could otherwise
point an endpoint at Parley's own network (the database, a cloud metadata service at
169.254.169.254, an internal admin page) and read the answers in the delivery log.

Checked twice: when an endpoint is saved (a clear form error), and on the socket itself at
every attempt, after it connected (webhooks/sending.py), so a name that resolved to a public
address at registration and to a private one since (DNS rebinding) is refused too. Loopback is
allowed only with the WEBHOOKS_ALLOW_LOOPBACK setting, for development and tests."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(Exception):
    """The URL may not receive webhooks; the message says why, for the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def address_allowed(address: str) -> bool:
    """Whether a webhook may be sent to this IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not an address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_loopback:
        return settings.WEBHOOKS_ALLOW_LOOPBACK
    # is_global leaves out private, link-local, shared (100.64/10), reserved, unspecified and
    # documentation ranges; multicast is "global" to it but no receiver lives there.
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> None:
    """Refuse (AddressRefused) a URL that is not http(s), or whose host name does not resolve,
    or resolves to any address webhooks may not reach."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise AddressRefused("Use an http:// or https:// address.")
    host = parts.hostname
    if not host:
        raise AddressRefused("The address has no host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("The port of this address is not valid.") from None
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"{host} cannot be resolved: check the host name.") from None
    for *_, sockaddr in found:
        if not address_allowed(sockaddr[0]):
            raise AddressRefused(
                f"{host} points to a private, loopback or reserved address ({sockaddr[0]}): "
                "webhooks go to public internet addresses only."
            )
