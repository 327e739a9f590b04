"""Users' and invitations' addresses in their normalised form (tenants/identity.py), which
log-in, sign-up and invitations now look up exactly.

Addresses were stored lower-cased, so this changes only those typed with a character that
folds to another (a long s, a Kelvin sign, fullwidth letters). Two users whose addresses fold
to one are one identity with two accounts: the migration stops and names them rather than
choose which keeps the address (the one who can read its mail should; the other was likely a
look-alike sign-up). Rename or merge one of them, then migrate again."""

import unicodedata

from django.db import migrations


def _normalize(email: str) -> str:
    # tenants.identity.email_normalize as of this migration (frozen: migrations outlive code).
    folded = unicodedata.normalize("NFKC", email).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def emails_normalize(apps, schema_editor):
    User = apps.get_model("tenants", "User")
    Invitation = apps.get_model("tenants", "Invitation")
    users = list(User.objects.only("id", "email").order_by("pk"))
    by_identity: dict[str, list[int]] = {}
    for user in users:
        by_identity.setdefault(_normalize(user.email), []).append(user.pk)
    collisions = {identity: ids for identity, ids in by_identity.items() if len(ids) > 1}
    if collisions:
        listed = "; ".join(f"{identity}: users {ids}" for identity, ids in collisions.items())
        raise RuntimeError(
            "These users' e-mail addresses are one identity once normalised; rename or merge "
            f"all but one of each, then migrate again: {listed}"
        )
    for user in users:
        identity = _normalize(user.email)
        if identity != user.email:
            User.objects.filter(pk=user.pk).update(email=identity)
    for invitation in Invitation.objects.only("id", "email"):
        identity = _normalize(invitation.email)
        if identity != invitation.email:
            Invitation.objects.filter(pk=invitation.pk).update(email=identity)


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0008_unqueued_tasks"),
    ]

    operations = [
        migrations.RunPython(emails_normalize, migrations.RunPython.noop, elidable=True),
    ]
