from django.db.models import Count, Prefetch, Q, QuerySet

from forms_builder.models import Form, FormStatus, Step
from forms_builder.services import form_definition
from tenants.links import workspace_page_url
from tenants.models import Workspace


def form_list(*, archived: bool = False) -> QuerySet[Form]:
    forms = Form.objects.annotate(step_count=Count("steps")).select_related("published_version")
    if archived:
        return forms.filter(status=FormStatus.ARCHIVED)
    return forms.exclude(status=FormStatus.ARCHIVED)


def form_has_unpublished_changes(*, form: Form) -> bool:
    if form.published_version is None:
        return True
    return form_definition(form) != form.published_version.definition


def form_get_for_editor(*, form_id: int) -> Form | None:
    """A form with its published version and its steps, in one go for the builder page."""
    return (
        Form.objects.select_related("published_version")
        .prefetch_related("steps")
        .filter(pk=form_id)
        .first()
    )


def form_list_counts() -> dict[str, int]:
    return Form.objects.aggregate(
        active=Count("pk", filter=~Q(status=FormStatus.ARCHIVED)),
        archived=Count("pk", filter=Q(status=FormStatus.ARCHIVED)),
    )


def form_api_list(*, status: str | None = None) -> QuerySet[Form]:
    """Every form (archived ones too: an integration may have synced them), each with
    `step_count` and its published version, one query a page."""
    forms = Form.objects.annotate(step_count=Count("steps")).select_related("published_version")
    if status:
        forms = forms.filter(status=status)
    return forms


def form_api_get(*, form_id: int) -> Form | None:
    """A form with its steps, in their order, and its published version: two queries."""
    return (
        form_api_list()
        .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("position", "pk")))
        .filter(pk=form_id)
        .first()
    )


def form_share_url(*, workspace: Workspace, form: Form) -> str | None:
    """The live form's public page as an absolute link on the main host (the one that works for
    every workspace, domains or not); None while it is not published."""
    if form.status != FormStatus.PUBLISHED:
        return None
    return workspace_page_url(workspace, "form_page", form_slug=form.slug)
