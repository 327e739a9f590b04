"""Invitation links carry a signed token naming the invitation; it expires and cannot be forged
or pointed at another invitation without the SECRET_KEY."""

from django.conf import settings
from django.core import signing

from tenants.models import Invitation

_SALT = "parley.invitation"


def invitation_token_make(invitation: Invitation) -> str:
    return signing.dumps({"invitation": invitation.pk}, salt=_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation | None:
    """The pending-or-used invitation the token names, or None when it is forged or expired."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.INVITATION_MAX_AGE_SECONDS)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return Invitation.objects.select_related("workspace").filter(pk=payload["invitation"]).first()
