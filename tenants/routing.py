"""The workspace a /w/<slug>/ path names, routed without a query.

A workspace's slug, id and schema never change once it exists (no form edits them, and the
product deletes no workspace), so each process keeps them once read. A request then gets a
workspace holding only those; its other fields (name, settings, which admins edit) are read from
the database, all at once, the first time the request reads one of them (Workspace.
refresh_from_db). The public chat's turns, the requests that come fastest, read none.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from tenants.models import Workspace

# In the model's order, as Model.from_db takes them.
ROUTE_FIELDS = [
    field.attname
    for field in Workspace._meta.concrete_fields
    if field.attname in {"id", "slug", "schema_name"}
]

# slug -> the values of ROUTE_FIELDS, in this process.
_routes: dict[str, tuple] = {}


def workspace_by_slug(slug: str) -> Workspace | None:
    route = _routes.get(slug)
    if route is not None:
        return Workspace.from_db(None, ROUTE_FIELDS, route)
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is not None:
        _routes[slug] = tuple(getattr(workspace, name) for name in ROUTE_FIELDS)
    return workspace


@receiver(post_delete, sender=Workspace)
def workspace_route_forget(sender, instance: Workspace, **kwargs) -> None:
    # Tests delete workspaces; a product feature that did would have to tell every process.
    _routes.pop(instance.slug, None)
