"""Writes about forms: create, edit, order steps, duplicate, archive, publish."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from forms_builder.defaults import CLOSING, STARTER_STEPS, WELCOME
from forms_builder.models import (
    CHOICE_KINDS,
    Form,
    FormStatus,
    FormVersion,
    Language,
    Step,
    StepKind,
)
from forms_builder.runtime import END

# Hidden field names travel in page URLs (?plan=pro) and embed attributes: keep them plain.
HIDDEN_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
MAX_HIDDEN_FIELDS = 20
# Always captured by the conversation, so declaring them again would shadow the real values.
ALWAYS_CAPTURED = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "referrer",
        "landing_page",
    }
)
MAX_OPTIONS = 30
MAX_OPTION_LENGTH = 200
MAX_BRANCHES = 20

FORM_SETTINGS = (
    "name",
    "language",
    "offer_description",
    "welcome_message",
    "closing_message",
    "accent_color",
    "hidden_fields",
)


def form_settings(form: Form) -> dict:
    """A form's settings as plain data (hidden fields as a list)."""
    settings = {name: getattr(form, name) for name in FORM_SETTINGS}
    settings["hidden_fields"] = list(form.hidden_fields)
    return settings


STEP_FIELDS = frozenset(
    {"kind", "prompt", "required", "options", "min_value", "max_value", "lead_field", "branches"}
)


def _unique_form_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "form"
    slug, suffix = base, 2
    while Form.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


@transaction.atomic
def form_create(*, name: str, language: str = Language.ENGLISH, created_by=None) -> Form:
    if not name.strip():
        raise ValidationError("Give the form a name.", "name")
    if language not in Language.values:
        raise ValidationError("Choose English or French.", "language")
    form = Form.objects.create(
        name=name.strip(),
        slug=_unique_form_slug(name),
        language=language,
        welcome_message=WELCOME[language],
        closing_message=CLOSING[language],
        created_by=created_by,
    )
    Step.objects.bulk_create(
        Step(form=form, position=position, kind=kind, prompt=prompt, lead_field=lead_field)
        for position, (kind, prompt, lead_field) in enumerate(STARTER_STEPS[language])
    )
    return form


@transaction.atomic
def form_duplicate(*, form: Form, created_by=None) -> Form:
    steps = list(form.steps.all())
    # Shortened so that a name at the length limit still fits with its suffix.
    suffix = " (copy)"
    name_length = Form._meta.get_field("name").max_length - len(suffix)
    copy = Form.objects.create(
        name=f"{form.name[:name_length]}{suffix}",
        slug=_unique_form_slug(f"{form.name} copy"),
        language=form.language,
        offer_description=form.offer_description,
        welcome_message=form.welcome_message,
        closing_message=form.closing_message,
        accent_color=form.accent_color,
        hidden_fields=list(form.hidden_fields),
        created_by=created_by,
    )
    # Keys are kept so that the copy's branches still point at the copy's own steps.
    for step in steps:
        step.pk = None
        step.form = copy
    Step.objects.bulk_create(steps)
    return copy


def form_archive(*, form: Form) -> Form:
    form.status = FormStatus.ARCHIVED
    form.save(update_fields=["status", "updated_at"])
    return form


def form_restore(*, form: Form) -> Form:
    form.status = FormStatus.PUBLISHED if form.published_version_id else FormStatus.DRAFT
    form.save(update_fields=["status", "updated_at"])
    return form


def hidden_fields_validate(names: list[str]) -> list[str]:
    """The declared hidden field names, stripped and without duplicates."""
    cleaned: list[str] = []
    for name in (n.strip() for n in names):
        if not name or name in cleaned:
            continue
        if not HIDDEN_FIELD_NAME.match(name):
            raise ValidationError(
                {
                    "hidden_fields": f"\u201c{name}\u201d is not a usable name: use letters, "
                    "digits and underscores, starting with a letter (at most 40)."
                }
            )
        if name.lower() in ALWAYS_CAPTURED:
            raise ValidationError(
                {"hidden_fields": f"\u201c{name}\u201d is always captured; no need to declare it."}
            )
        cleaned.append(name)
    if len(cleaned) > MAX_HIDDEN_FIELDS:
        raise ValidationError({"hidden_fields": f"Declare at most {MAX_HIDDEN_FIELDS} names."})
    return cleaned


def form_update(*, form: Form, **settings) -> Form:
    """Change a form's settings (any of FORM_SETTINGS); its steps are edited one by one."""
    unknown = set(settings) - set(FORM_SETTINGS)
    if unknown:
        raise TypeError(f"Not a form setting: {', '.join(sorted(unknown))}")
    for name, value in settings.items():
        setattr(form, name, value)
    form.name = form.name.strip()
    form.hidden_fields = hidden_fields_validate(list(form.hidden_fields))
    form.full_clean(exclude=["slug", "published_version", "created_by", "status"])
    form.save()
    return form


def _step_normalize_and_validate(step: Step) -> None:
    """Drop what the step's kind does not use, then check what is left."""
    step.prompt = step.prompt.strip()
    if step.kind in CHOICE_KINDS:
        options: list[str] = []
        for option in (str(o).strip() for o in step.options):
            if option and option not in options:
                options.append(option)
        if len(options) > MAX_OPTIONS:
            raise ValidationError({"options": f"Offer at most {MAX_OPTIONS} choices."})
        if any(len(option) > MAX_OPTION_LENGTH for option in options):
            raise ValidationError(
                {"options": f"Keep each choice under {MAX_OPTION_LENGTH} characters."}
            )
        step.options = options
    else:
        step.options = []
    if step.kind != StepKind.NUMBER:
        step.min_value = step.max_value = None
    elif (
        step.min_value is not None
        and step.max_value is not None
        and step.min_value > step.max_value
    ):
        raise ValidationError({"max_value": "The maximum must not be below the minimum."})
    _branches_validate(step)
    step.full_clean(exclude=["form"])


def _branches_validate(step: Step) -> None:
    if len(step.branches) > MAX_BRANCHES:
        raise ValidationError({"branches": f"Add at most {MAX_BRANCHES} conditions."})
    # Branches jump forward only (see Step), so a conversation cannot loop.
    later = set(
        step.form.steps.filter(position__gt=step.position)
        .exclude(pk=step.pk)
        .values_list("key", flat=True)
    )
    branches = []
    for branch in step.branches:
        equals, goto = str(branch.get("equals", "")).strip(), branch.get("goto")
        if not equals:
            raise ValidationError({"branches": "Each condition needs the answer it matches."})
        if goto != END and goto not in later:
            raise ValidationError(
                {"branches": "A condition may only lead to a later question or to the end."}
            )
        branches.append({"equals": equals, "goto": goto})
    step.branches = branches


def step_create(*, form: Form, kind: str, prompt: str, **fields) -> Step:
    last = form.steps.aggregate(last=Max("position"))["last"]
    step = Step(form=form, kind=kind, prompt=prompt, position=0 if last is None else last + 1)
    for name, value in fields.items():
        setattr(step, name, value)
    _step_normalize_and_validate(step)
    step.save()
    form.save(update_fields=["updated_at"])
    return step


def step_update(*, step: Step, **fields) -> Step:
    """Change a step (any of STEP_FIELDS); its key and position stay."""
    unknown = set(fields) - STEP_FIELDS
    if unknown:
        raise TypeError(f"Not a step field: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(step, name, value)
    _step_normalize_and_validate(step)
    step.save()
    step.form.save(update_fields=["updated_at"])
    return step


@transaction.atomic
def step_delete(*, step: Step) -> None:
    form = step.form
    # Branches that pointed at the deleted step fall through to the next step instead.
    for other in form.steps.exclude(pk=step.pk):
        kept = [b for b in other.branches if b.get("goto") != step.key]
        if kept != other.branches:
            other.branches = kept
            other.save(update_fields=["branches"])
    step.delete()
    form.save(update_fields=["updated_at"])


@transaction.atomic
def steps_reorder(*, form: Form, keys: list[str]) -> None:
    steps = {step.key: step for step in form.steps.select_for_update()}
    if sorted(keys) != sorted(steps):
        raise ValidationError("The new order must list every step of the form exactly once.")
    for position, key in enumerate(keys):
        steps[key].position = position
    Step.objects.bulk_update(steps.values(), ["position"])
    form.save(update_fields=["updated_at"])


def form_definition(form: Form) -> dict:
    """The form as plain data: what a published version freezes."""
    return {
        **form_settings(form),
        "steps": [
            {
                "key": step.key,
                "kind": step.kind,
                "prompt": step.prompt,
                "required": step.required,
                "options": list(step.options),
                "min_value": None if step.min_value is None else str(step.min_value),
                "max_value": None if step.max_value is None else str(step.max_value),
                "lead_field": step.lead_field,
                "branches": list(step.branches),
            }
            for step in form.steps.all()
        ],
    }


def form_definition_problems(definition: dict) -> list[str]:
    """Why a form cannot be published yet, in words an admin can act on."""
    steps = definition["steps"]
    problems = []
    if not steps:
        problems.append("Add at least one question.")
    later_keys: dict[str, set[str]] = {}
    for index, step in enumerate(steps):
        later_keys[step["key"]] = {s["key"] for s in steps[index + 1 :]}
    for number, step in enumerate(steps, start=1):
        if not step["prompt"].strip():
            problems.append(f"Question {number} has no text.")
        if step["kind"] in CHOICE_KINDS and len(step["options"]) < 2:
            problems.append(f"Question {number} needs at least two choices.")
        for branch in step["branches"]:
            goto = branch.get("goto")
            if goto != END and goto not in later_keys[step["key"]]:
                problems.append(
                    f"Question {number} jumps to a question that is not after it: "
                    "branches may only go forward or to the end."
                )
    if not any(step["kind"] == StepKind.EMAIL for step in steps):
        problems.append("Ask for an e-mail address, so each conversation becomes a lead.")
    return problems


def _live_form_room_problems() -> list[str]:
    """The plan's limit on live forms, as a publishing problem (billing/quotas.py)."""
    from billing.quotas import plan_room_ensure
    from billing.selectors import workspace_live_form_count
    from tenants.selectors import workspace_current

    try:
        plan_room_ensure(
            workspace=workspace_current(), limit_name="forms", used=workspace_live_form_count()
        )
    except ValidationError as error:
        return error.messages
    return []


@transaction.atomic
def form_publish(*, form: Form, published_by=None) -> FormVersion:
    # Lock the form so two publishes cannot both take the same version number.
    Form.objects.select_for_update().filter(pk=form.pk).first()
    definition = form_definition(form)
    problems = form_definition_problems(definition)
    if form.status != FormStatus.PUBLISHED:
        problems += _live_form_room_problems()
    if problems:
        raise ValidationError(problems)
    last = form.versions.aggregate(last=Max("number"))["last"] or 0
    version = FormVersion.objects.create(
        form=form,
        number=last + 1,
        definition=definition,
        published_at=timezone.now(),
        published_by=published_by,
    )
    form.published_version = version
    form.status = FormStatus.PUBLISHED
    form.save(update_fields=["published_version", "status", "updated_at"])
    return version
