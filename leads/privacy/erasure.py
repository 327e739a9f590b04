"""Erasing a contact everywhere Parley holds them, leaving an anonymous ErasureRecord.

Each app erases its own tables: an *eraser* is a function that receives the ErasureTarget (the
contact's leads, conversations and visitor ids, found before anything is deleted) and deletes
its rows, returning how many per table. An app registers its erasers once, when Django starts
(its AppConfig.ready imports its `privacy` module), with one line:

    eraser_register(
        "webhooks.deliveries", rows_eraser(Delivery, lambda t: Q(lead_id__in=t.lead_ids))
    )

Every eraser runs in the erasure's transaction, in the workspace's schema (the public schema is
on the search path too, for tables keyed by the workspace), before the lead rows themselves go.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q
from django.utils.crypto import salted_hmac

from leads.models import ErasureRecord, Lead
from tenants.models import User, Workspace


@dataclass(frozen=True)
class ErasureTarget:
    """Whom an erasure is about, found before any row is deleted."""

    workspace: Workspace
    email: str  # lower-cased
    lead_ids: tuple[int, ...]
    conversation_ids: tuple[int, ...]
    visitor_ids: tuple[str, ...]


# Returns {"app_label.Model": rows deleted}, as QuerySet.delete() does.
Eraser = Callable[[ErasureTarget], dict[str, int]]

_ERASERS: dict[str, Eraser] = {}


def eraser_register(name: str, eraser: Eraser) -> None:
    """Add an eraser, under a name that says what it erases; registering a name again replaces
    the eraser (a module imported twice registers once)."""
    _ERASERS[name] = eraser


def eraser_list() -> list[tuple[str, Eraser]]:
    return list(_ERASERS.items())


def rows_eraser(model: type[Model], condition: Callable[[ErasureTarget], Q]) -> Eraser:
    """The usual eraser: delete the rows of `model` that `condition(target)` selects (with
    whatever Django cascades from them, counted too)."""

    def erase(target: ErasureTarget) -> dict[str, int]:
        _, counts = model.objects.filter(condition(target)).delete()
        return counts

    return erase


def contact_email_hash(email: str, *, workspace: Workspace, secret: str | None = None) -> str:
    """A keyed hash of the address: the same address gives the same hash in the same workspace,
    so a repeated request is recognized, but the address cannot be recovered by hashing guesses
    without the server's secret."""
    return salted_hmac(
        f"parley.privacy.erasure.{workspace.pk}",
        email.strip().lower(),
        secret=secret or settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def contact_email_hashes(email: str, *, workspace: Workspace) -> list[str]:
    """The address's hash under the current secret and each former one (SECRET_KEY_FALLBACKS),
    so that rotating the secret does not forget who was erased."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [contact_email_hash(email, workspace=workspace, secret=secret) for secret in secrets]


def _merge(total: dict[str, int], counts: dict[str, int]) -> None:
    for label, count in counts.items():
        if count:
            total[label] = total.get(label, 0) + count


@transaction.atomic
def contact_erase(*, email: str, workspace: Workspace, by: User) -> ErasureRecord:
    """Delete everything the current workspace holds about the contact with this e-mail (see
    contact_find for what that is) and record the erasure without the address."""
    from leads.privacy.contacts import contact_find  # contacts imports this module

    # The lead is locked first: a turn or an event arriving meanwhile waits, then finds no lead.
    found = contact_find(email=email, lock=True)
    target = ErasureTarget(
        workspace=workspace,
        email=found.email,
        lead_ids=(found.lead.pk,) if found.lead else (),
        conversation_ids=tuple(found.conversation_ids),
        visitor_ids=tuple(found.visitor_ids),
    )
    deleted: dict[str, int] = {}
    for _name, eraser in eraser_list():
        _merge(deleted, eraser(target))
    # Last, once every eraser has read what it needed: the lead rows themselves.
    _, counts = Lead.objects.filter(pk__in=target.lead_ids).delete()
    _merge(deleted, counts)
    return ErasureRecord.objects.create(
        erased_by=by,
        erased_by_email=by.email,
        email_hash=contact_email_hash(found.email, workspace=workspace),
        deleted_counts=dict(sorted(deleted.items())),
    )
