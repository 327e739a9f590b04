"""The workspace a /w/<slug>/ path names, read from the cache before the database.

Every workspace request looks its workspace up by slug, and the public chat's turns are the
requests that come fastest: the row is cached (it changes when admins edit the workspace's
settings, rarely) and dropped from the cache whenever it is saved or deleted. The time limit
bounds what a race could leave behind: a request that read the row just before an edit was
committed, and cached it just after.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants.models import Workspace

CACHE_SECONDS = 300


def _cache_key(slug: str) -> str:
    return f"workspace-by-slug:{slug}"


def workspace_by_slug(slug: str) -> Workspace | None:
    workspace = cache.get(_cache_key(slug))
    if workspace is None:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is not None:
            cache.set(_cache_key(slug), workspace, CACHE_SECONDS)
    return workspace


@receiver(post_save, sender=Workspace)
@receiver(post_delete, sender=Workspace)
def workspace_forget(sender, instance: Workspace, **kwargs) -> None:
    # Dropped now for this process's next request, and again once committed, in case a request
    # cached the row as it was before the change in between.
    key = _cache_key(instance.slug)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
