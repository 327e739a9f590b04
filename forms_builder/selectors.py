from django.db.models import Count, Q, QuerySet

from forms_builder.models import Form, FormStatus
from forms_builder.services import form_definition


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
