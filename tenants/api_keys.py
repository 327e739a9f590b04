"""Workspace API keys: create, list, revoke, and find the key a request presents.

A key reads `parley_<prefix>_<secret>`. The prefix finds the row (and names the key in the
dashboard); the secret, 256 random bits from `secrets`, is kept only as its SHA-256. A fast hash
is enough here: a password needs a slow one because people choose guessable ones, while nobody
can enumerate 2^256 secrets, however fast each guess."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tenants.models import ApiKey, ApiScope, User, Workspace

KEY_PATTERN = re.compile(r"parley_(?P<prefix>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})")
# last_used_at is a hint for the dashboard ("used 3 minutes ago"), not an audit log: writing it
# at most this often spares a write on every request of a busy integration.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass
class CreatedApiKey:
    api_key: ApiKey
    # The full key, to show once: it is stored nowhere.
    key: str


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, workspace: Workspace, name: str, scopes: list[str], created_by: User | None
) -> CreatedApiKey:
    name = name.strip()
    if not name:
        raise ValidationError("Give the key a name.", "required")
    scopes = sorted(set(scopes))
    if not scopes or any(scope not in ApiScope.values for scope in scopes):
        raise ValidationError("Choose read, write or both.", "invalid")
    secret = secrets.token_urlsafe(32)
    for _attempt in range(3):
        prefix = secrets.token_hex(6)
        try:
            with transaction.atomic():  # a prefix already taken (1 in 2^48) rolls back alone
                api_key = ApiKey.objects.create(
                    workspace=workspace,
                    name=name[:100],
                    prefix=prefix,
                    key_hash=_secret_hash(secret),
                    scopes=scopes,
                    created_by=created_by,
                )
        except IntegrityError:
            continue
        return CreatedApiKey(api_key=api_key, key=f"parley_{prefix}_{secret}")
    raise RuntimeError("Could not find a free API key prefix.")


def api_key_list(*, workspace: Workspace) -> QuerySet[ApiKey]:
    """The workspace's keys, revoked ones included (they say when they stopped working)."""
    return ApiKey.objects.filter(workspace=workspace).order_by("revoked_at", "-created_at", "-pk")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoked at once: every request authenticates against the row, nothing is cached."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(*, key: str, now=None) -> ApiKey | None:
    """The live key `key` is, with its workspace, or None (malformed, unknown, wrong secret,
    revoked). Notes when it was used, at most once per LAST_USED_PRECISION."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        return None
    api_key = ApiKey.objects.select_related("workspace").filter(prefix=match["prefix"]).first()
    # Compared in constant time, and a wrong prefix still pays for a hash, so that timing tells
    # nothing about which part of a guess was right.
    expected = api_key.key_hash if api_key else "0" * 64
    if not hmac.compare_digest(_secret_hash(match["secret"]), expected) or api_key is None:
        return None
    if api_key.revoked_at is not None:
        return None
    now = now or timezone.now()
    stale = now - LAST_USED_PRECISION
    if api_key.last_used_at is None or api_key.last_used_at < stale:
        # Conditional, so that concurrent requests write it once.
        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
