"""The form builder in the dashboard. Every member of the workspace may look; only admins and
owners change anything (admin_required on every write). Each write redirects back to the
editor, which htmx swaps in place, so the steps list and the preview refresh after every save."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_POST

from forms_builder import selectors, services
from forms_builder.answers import MESSAGES, step_options
from forms_builder.forms import FormCreateForm, FormSettingsForm, StepForm, step_fields, step_forms
from forms_builder.models import Form, FormStatus, Step, StepKind
from tenants.models import Role
from tenants.permissions import admin_required
from tenants.views import _posted

# A glyph per step kind, for the steps list and the "add a question" menu.
KIND_ICONS = {
    StepKind.SHORT_TEXT: "Aa",
    StepKind.LONG_TEXT: "¶",
    StepKind.EMAIL: "@",
    StepKind.PHONE: "☎",
    StepKind.URL: "↗",
    StepKind.NUMBER: "#",
    StepKind.SINGLE_CHOICE: "◉",
    StepKind.MULTIPLE_CHOICE: "☑",
    StepKind.YES_NO: "Y/N",
    StepKind.COMPANY_SIZE: "▤",
    StepKind.DATE: "▦",
}
# What the chat's answer box shows before the visitor types, per kind and language.
PLACEHOLDERS = {
    "en": {
        StepKind.EMAIL: "name@company.com",
        StepKind.PHONE: "+1 555 010 0199",
        StepKind.URL: "company.com",
        StepKind.NUMBER: "A number",
        StepKind.DATE: "2026-03-31",
        "": "Your answer…",
    },
    "fr": {
        StepKind.EMAIL: "nom@entreprise.fr",
        StepKind.PHONE: "06 12 34 56 78",
        StepKind.URL: "entreprise.fr",
        StepKind.NUMBER: "Un nombre",
        StepKind.DATE: "31/03/2026",
        "": "Votre réponse…",
    },
}
SKIP = {"en": "Skip", "fr": "Passer"}


def _can_edit(request) -> bool:
    return request.membership.has_role(Role.ADMIN)


def _form_or_404(form_id: int) -> Form:
    form = selectors.form_get_for_editor(form_id=form_id)
    if form is None:
        raise Http404("No such form.")
    return form


def _add_service_errors(django_form, error: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names (the rest above the form)."""
    if not hasattr(error, "error_dict"):
        django_form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        django_form.add_error(field if field in django_form.fields else None, errors)


# --- Form list --------------------------------------------------------------------------------


def form_list(request, archived=False):
    create_form = FormCreateForm(_posted(request))
    if request.method == "POST":
        return _form_create(request, create_form)
    return _render_list(request, create_form, archived=archived)


@admin_required
def _form_create(request, create_form):
    if create_form.is_valid():
        form = services.form_create(
            name=create_form.cleaned_data["name"],
            language=create_form.cleaned_data["language"],
            created_by=request.user,
        )
        messages.success(request, f"{form.name} is ready: adjust its questions, then publish.")
        return redirect("form_edit", form_id=form.pk)
    return _render_list(request, create_form, status=400)


def _render_list(request, create_form, *, archived=False, status=200):
    context = {
        "forms": selectors.form_list(archived=archived),
        "counts": selectors.form_list_counts(),
        "archived": archived,
        "create_form": create_form,
        "can_edit": _can_edit(request),
    }
    return render(request, "forms_builder/form_list.html", context, status=status)


@require_POST
@admin_required
def form_duplicate(request, form_id):
    form = get_object_or_404(Form, pk=form_id)
    copy = services.form_duplicate(form=form, created_by=request.user)
    messages.success(request, f"{copy.name} is a draft copy of {form.name}.")
    return redirect("form_edit", form_id=copy.pk)


@require_POST
@admin_required
def form_archive(request, form_id):
    form = get_object_or_404(Form, pk=form_id)
    services.form_archive(form=form)
    messages.success(request, f"{form.name} was archived: its page no longer takes answers.")
    return redirect("form_list")


@require_POST
@admin_required
def form_restore(request, form_id):
    form = get_object_or_404(Form, pk=form_id, status=FormStatus.ARCHIVED)
    services.form_restore(form=form)
    messages.success(request, f"{form.name} was restored.")
    return redirect("form_edit", form_id=form.pk)


# --- Editor: settings, steps, publish ---------------------------------------------------------


def form_edit(request, form_id):
    form = _form_or_404(form_id)
    settings_form = FormSettingsForm(_posted(request), initial=FormSettingsForm.initial_for(form))
    if request.method == "POST":
        return _form_settings_save(request, form, settings_form)
    return _render_editor(request, form, settings_form=settings_form)


@admin_required
def _form_settings_save(request, form, settings_form):
    if settings_form.is_valid():
        try:
            services.form_update(form=form, **settings_form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(settings_form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("form_edit", form_id=form.pk)
    # The service may have changed the instance before refusing: show the saved form.
    return _render_editor(request, _form_or_404(form.pk), settings_form=settings_form, status=400)


def step_new(request, form_id):
    form = _form_or_404(form_id)
    step_form, branches = step_forms(_posted(request), steps=list(form.steps.all()))
    if request.method == "POST":
        return _step_create(request, form, step_form, branches)
    if request.GET.get("kind") in StepKind.values:
        step_form.initial["kind"] = request.GET["kind"]
    return _render_editor(
        request, form, panel="new_step", step_form=step_form, branch_formset=branches
    )


@admin_required
def _step_create(request, form, step_form, branches):
    if step_form.is_valid() and branches.is_valid():
        try:
            step = services.step_create(form=form, **step_fields(step_form, branches))
        except ValidationError as error:
            _add_service_errors(step_form, error)
        else:
            messages.success(request, "Question added.")
            return redirect("step_edit", step_id=step.pk)
    return _render_editor(
        request,
        _form_or_404(form.pk),
        panel="new_step",
        step_form=step_form,
        branch_formset=branches,
        status=400,
    )


def _step_with_form_or_404(step_id: int) -> tuple[Step, Form]:
    form_id = Step.objects.filter(pk=step_id).values_list("form_id", flat=True).first()
    form = _form_or_404(form_id) if form_id is not None else None
    step = next((s for s in form.steps.all() if s.pk == step_id), None) if form else None
    if step is None:
        raise Http404("No such question.")
    return step, form


def step_edit(request, step_id):
    step, form = _step_with_form_or_404(step_id)
    step_form, branches = step_forms(_posted(request), steps=list(form.steps.all()), step=step)
    if request.method == "POST":
        return _step_save(request, form, step, step_form, branches)
    return _render_editor(
        request, form, panel="step", step=step, step_form=step_form, branch_formset=branches
    )


@admin_required
def _step_save(request, form, step, step_form, branches):
    if step_form.is_valid() and branches.is_valid():
        try:
            services.step_update(step=step, **step_fields(step_form, branches))
        except ValidationError as error:
            _add_service_errors(step_form, error)
        else:
            messages.success(request, "Question saved.")
            return redirect("step_edit", step_id=step.pk)
    step, form = _step_with_form_or_404(step.pk)
    return _render_editor(
        request,
        form,
        panel="step",
        step=step,
        step_form=step_form,
        branch_formset=branches,
        status=400,
    )


@require_POST
@admin_required
def step_delete(request, step_id):
    step = get_object_or_404(Step.objects.select_related("form"), pk=step_id)
    services.step_delete(step=step)
    messages.success(request, "Question deleted.")
    return redirect("form_edit", form_id=step.form_id)


@require_POST
@admin_required
def steps_reorder(request, form_id):
    form = get_object_or_404(Form, pk=form_id)
    try:
        services.steps_reorder(form=form, keys=request.POST.getlist("keys"))
    except ValidationError as error:
        messages.error(request, f"{error.messages[0]} Reload the page and try again.")
        return _render_editor(request, _form_or_404(form.pk), status=400)
    # Keep the question being edited open when the list is reordered beside it.
    editing = request.POST.get("editing", "")
    if editing.isdigit() and form.steps.filter(pk=editing).exists():
        return redirect("step_edit", step_id=int(editing))
    return redirect("form_edit", form_id=form.pk)


@require_POST
@admin_required
def form_publish(request, form_id):
    # Not the prefetched form: publishing reads the steps after locking the form.
    form = get_object_or_404(Form, pk=form_id)
    try:
        version = services.form_publish(form=form, published_by=request.user)
    except ValidationError as error:
        return _render_editor(
            request, _form_or_404(form.pk), publish_problems=error.messages, status=400
        )
    messages.success(request, f"Version {version.number} is live.")
    return redirect("form_edit", form_id=form.pk)


def _render_editor(
    request,
    form,
    *,
    panel="settings",
    settings_form=None,
    step=None,
    step_form=None,
    branch_formset=None,
    publish_problems=(),
    status=200,
):
    can_edit = _can_edit(request)
    if settings_form is None:
        settings_form = FormSettingsForm(initial=FormSettingsForm.initial_for(form))
    if not can_edit:
        for django_form in (settings_form, step_form, *(branch_formset or ())):
            for field in getattr(django_form, "fields", {}).values():
                field.disabled = True
    steps = list(form.steps.all())
    definition = services.form_definition(form)
    context = {
        "form": form,
        "can_edit": can_edit,
        "panel": panel,
        "settings_form": settings_form,
        "editing_step": step,
        "editing_number": next(
            (n for n, s in enumerate(steps, start=1) if step is not None and s.pk == step.pk), None
        ),
        "step_form": step_form,
        "branch_formset": branch_formset,
        "kind_fields": StepForm.KIND_FIELDS,
        "step_rows": [
            {"step": s, "number": number, "icon": KIND_ICONS[s.kind]}
            for number, s in enumerate(steps, start=1)
        ],
        "kinds": [(kind, label, KIND_ICONS[kind]) for kind, label in StepKind.choices],
        "preview_steps": _preview_steps(definition),
        "skip_label": SKIP.get(form.language, SKIP["en"]),
        "problems": services.form_definition_problems(definition),
        "publish_problems": publish_problems,
        "unpublished_changes": selectors.form_has_unpublished_changes(form=form),
        "share": _share_links(request, form),
    }
    return render(request, "forms_builder/editor.html", context, status=status)


def _share_links(request, form) -> dict | None:
    """The public link and the embed snippets of a live form, with absolute URLs to paste."""
    if form.status != FormStatus.PUBLISHED:
        return None
    page = request.build_absolute_uri(reverse("form_page", args=[form.slug]))
    script = request.build_absolute_uri(static("forms_builder/embed.js"))
    tag = f'<script src="{script}" data-form="{page}"'
    end = "></script>"
    return {
        "page": page,
        "snippets": [
            ("Bubble", "A chat launcher in the corner.", f'{tag} data-mode="bubble" defer{end}'),
            (
                "Inline",
                "The chat inside the page, where the snippet stands (or in data-target).",
                f'{tag} data-mode="inline"{end}',
            ),
            (
                "Popup",
                "Opens over the page from any element with data-parley-open, or Parley.open().",
                '<button type="button" data-parley-open>Talk to us</button>\n'
                f'{tag} data-mode="popup" defer{end}',
            ),
        ],
    }


def _preview_steps(definition: dict) -> list[dict]:
    """Each question as the visitor meets it: its text, then quick replies or an answer box."""
    language = definition["language"]
    words = MESSAGES.get(language, MESSAGES["en"])
    placeholders = PLACEHOLDERS.get(language, PLACEHOLDERS["en"])
    rows = []
    for step in definition["steps"]:
        replies = step_options(step)
        if step["kind"] == StepKind.YES_NO:
            replies = [words["yes"], words["no"]]
        placeholder = placeholders.get(step["kind"], placeholders[""])
        rows.append(
            {
                "key": step["key"],
                "prompt": step["prompt"],
                "replies": replies,
                "multiple": step["kind"] == StepKind.MULTIPLE_CHOICE,
                "placeholder": None if replies else placeholder,
                "long": step["kind"] == StepKind.LONG_TEXT,
                "optional": not step["required"],
            }
        )
    return rows
