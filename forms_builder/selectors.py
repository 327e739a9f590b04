from django.db.models import Count, QuerySet

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
