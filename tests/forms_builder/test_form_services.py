"""What the form services promise an admin: a new form that already qualifies, copies that stand
on their own, steps kept in order with branches that stay valid, and publishing that freezes a
version only once nothing stands in its way. Forms live in a workspace's schema: every test here
runs in workspace A's, unless it says otherwise."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from forms_builder.defaults import CLOSING, STARTER_STEPS, WELCOME
from forms_builder.models import Form, FormStatus, FormVersion, LeadField, Step, StepKind
from forms_builder.selectors import form_has_unpublished_changes, form_list
from forms_builder.services import (
    form_archive,
    form_create,
    form_duplicate,
    form_publish,
    form_restore,
    step_create,
    step_delete,
    steps_reorder,
)
from tests.factories import FormFactory, StepFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_workspace_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield workspace_a


def _keys(form: Form) -> list[str]:
    return list(form.steps.values_list("key", flat=True))


def _publishable_form(**fields) -> Form:
    """A form that passes every publishing check: an e-mail step and a well-formed choice."""
    form = FormFactory(**fields)
    StepFactory(form=form, position=0, kind=StepKind.EMAIL, lead_field=LeadField.EMAIL)
    StepFactory(form=form, position=1, kind=StepKind.SINGLE_CHOICE, options=["Yes", "No"])
    StepFactory(form=form, position=2, kind=StepKind.LONG_TEXT)
    return form


def _publish_problems(form: Form) -> list[str]:
    with pytest.raises(ValidationError) as error:
        form_publish(form=form)
    return error.value.messages


# --- form_create -------------------------------------------------------------------------------


def test_new_form_starts_with_the_starter_steps_in_order():
    form = form_create(name="Demo request")

    assert list(form.steps.values_list("position", "kind", "prompt")) == [
        (position, kind, prompt) for position, (kind, prompt, _) in enumerate(STARTER_STEPS["en"])
    ]
    assert form.status == FormStatus.DRAFT
    assert form.published_version is None


def test_new_french_form_asks_its_questions_in_french():
    form = form_create(name="Demande de démo", language="fr")

    prompts = list(form.steps.values_list("prompt", flat=True))
    assert prompts == [prompt for _, prompt, _ in STARTER_STEPS["fr"]]
    assert "Quelle est votre adresse e-mail professionnelle ?" in prompts
    assert form.language == "fr"
    assert form.welcome_message == WELCOME["fr"]
    assert form.closing_message == CLOSING["fr"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_starter_contact_steps_fill_the_lead_fields(language):
    form = form_create(name="Demo request", language=language)

    filled = dict(form.steps.exclude(lead_field="").values_list("lead_field", "kind"))
    assert filled == {
        LeadField.EMAIL: StepKind.EMAIL,
        LeadField.FULL_NAME: StepKind.SHORT_TEXT,
        LeadField.COMPANY: StepKind.SHORT_TEXT,
        LeadField.JOB_TITLE: StepKind.SHORT_TEXT,
        LeadField.COMPANY_SIZE: StepKind.COMPANY_SIZE,
    }


def test_new_form_can_be_published_as_it_is():
    form = form_create(name="Demo request")

    assert form_publish(form=form).number == 1


def test_forms_with_the_same_name_get_distinct_slugs():
    forms = [form_create(name="Demo request") for _ in range(3)]

    assert [form.slug for form in forms] == ["demo-request", "demo-request-2", "demo-request-3"]
    assert {form.name for form in forms} == {"Demo request"}


def test_new_form_records_who_created_it():
    person = UserFactory()

    form = form_create(name="  Demo request ", created_by=person)

    form.refresh_from_db()
    assert form.created_by_id == person.pk
    assert form.name == "Demo request"


# --- form_duplicate ----------------------------------------------------------------------------


def test_copy_has_the_settings_of_the_original_under_a_new_slug():
    original = form_create(name="Demo request", language="fr")
    Form.objects.filter(pk=original.pk).update(
        offer_description="CRM for dentists",
        accent_color="#112233",
        hidden_fields=["plan", "utm_source"],
        welcome_message="Salut !",
        closing_message="À bientôt.",
    )
    original.refresh_from_db()
    person = UserFactory()

    copy = form_duplicate(form=original, created_by=person)

    copy.refresh_from_db()
    assert copy.pk != original.pk
    assert copy.name == "Demo request (copy)"
    assert copy.slug not in {original.slug, ""}
    for field in (
        "language",
        "offer_description",
        "accent_color",
        "hidden_fields",
        "welcome_message",
        "closing_message",
    ):
        assert getattr(copy, field) == getattr(original, field), field
    assert copy.created_by_id == person.pk


def test_copy_keeps_step_keys_and_order_so_its_branches_point_at_its_own_steps():
    original = _publishable_form()
    first, _, last = original.steps.all()
    first.branches = [{"equals": "ceo@example.com", "goto": last.key}]
    first.save()

    copy = form_duplicate(form=original)

    assert _keys(copy) == _keys(original)
    copied_first, _, copied_last = copy.steps.all()
    assert copied_first.pk != first.pk
    assert copied_first.branches == [{"equals": "ceo@example.com", "goto": copied_last.key}]
    assert form_publish(form=copy).number == 1


def test_copy_of_a_published_form_is_an_unpublished_draft():
    original = _publishable_form()
    form_publish(form=original)

    copy = form_duplicate(form=original)

    assert copy.status == FormStatus.DRAFT
    assert copy.published_version is None
    assert not copy.versions.exists()


def test_editing_the_copy_leaves_the_original_as_it_was():
    original = _publishable_form(hidden_fields=["plan"])
    before = list(original.steps.values_list("pk", "prompt", "options", "branches"))

    copy = form_duplicate(form=original)
    copied_choice = copy.steps.get(kind=StepKind.SINGLE_CHOICE)
    copied_choice.prompt = "Changed in the copy"
    copied_choice.options.append("Maybe")
    copied_choice.branches = [{"equals": "Maybe", "goto": "end"}]
    copied_choice.save()
    step_delete(step=copy.steps.get(kind=StepKind.LONG_TEXT))
    copy.hidden_fields.append("utm_source")
    copy.save()

    original.refresh_from_db()
    assert original.hidden_fields == ["plan"]
    assert list(original.steps.values_list("pk", "prompt", "options", "branches")) == before


def test_each_copy_gets_its_own_slug():
    original = _publishable_form(name="Demo request")

    slugs = {form_duplicate(form=original).slug for _ in range(3)}

    assert len(slugs) == 3
    assert original.slug not in slugs


def test_form_with_the_longest_name_can_be_copied():
    original = _publishable_form(name="N" * Form._meta.get_field("name").max_length)

    copy = form_duplicate(form=original)

    assert copy.name.endswith(" (copy)")
    assert len(copy.name) <= Form._meta.get_field("name").max_length


# --- form_archive / form_restore ---------------------------------------------------------------


def test_archived_form_moves_to_the_archive_list():
    form = _publishable_form()

    form_archive(form=form)

    form.refresh_from_db()
    assert form.status == FormStatus.ARCHIVED
    assert form not in form_list()
    assert form in form_list(archived=True)


def test_restored_form_that_had_a_published_version_is_published_again():
    form = _publishable_form()
    version = form_publish(form=form)
    form_archive(form=form)

    form_restore(form=form)

    form.refresh_from_db()
    assert form.status == FormStatus.PUBLISHED
    assert form.published_version == version


def test_restored_form_that_was_never_published_is_a_draft():
    form = _publishable_form()
    form_archive(form=form)

    form_restore(form=form)

    form.refresh_from_db()
    assert form.status == FormStatus.DRAFT
    assert form in form_list()


# --- step_create -------------------------------------------------------------------------------


def test_first_step_of_an_empty_form_comes_first():
    form = FormFactory()

    step = step_create(form=form, kind=StepKind.EMAIL, prompt="Your e-mail?")

    assert step.position == 0
    assert list(form.steps.all()) == [step]


def test_new_step_is_appended_after_the_last_one():
    form = form_create(name="Demo request")
    keys_before = _keys(form)

    step = step_create(
        form=form,
        kind=StepKind.SINGLE_CHOICE,
        prompt="Which plan?",
        options=["Starter", "Pro"],
        required=False,
    )

    assert _keys(form) == [*keys_before, step.key]
    step.refresh_from_db()
    assert (step.options, step.required) == (["Starter", "Pro"], False)


def test_new_step_goes_last_even_after_a_step_in_the_middle_was_deleted():
    form = _publishable_form()
    step_delete(step=form.steps.get(position=1))

    step = step_create(form=form, kind=StepKind.PHONE, prompt="Your phone?")

    assert _keys(form)[-1] == step.key


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "telepathy", "prompt": "Think of a number"},
        {"kind": StepKind.SHORT_TEXT, "prompt": ""},
        {"kind": StepKind.SHORT_TEXT, "prompt": "Your shoe size?", "lead_field": "shoe_size"},
    ],
    ids=["unknown kind", "no prompt", "unknown lead field"],
)
def test_invalid_step_is_refused_and_not_saved(fields):
    form = _publishable_form()
    keys_before = _keys(form)

    with pytest.raises(ValidationError):
        step_create(form=form, **fields)

    assert _keys(form) == keys_before


# --- step_delete -------------------------------------------------------------------------------


def test_deleted_step_is_gone_and_branches_to_it_are_dropped():
    form = FormFactory()
    ask = StepFactory(form=form, position=0, kind=StepKind.YES_NO)
    detour = StepFactory(form=form, position=1)
    StepFactory(form=form, position=2, kind=StepKind.EMAIL)
    ask.branches = [
        {"equals": "yes", "goto": detour.key},
        {"equals": "no", "goto": "end"},
    ]
    ask.save()

    step_delete(step=detour)

    assert not Step.objects.filter(pk=detour.pk).exists()
    ask.refresh_from_db()
    assert ask.branches == [{"equals": "no", "goto": "end"}]
    assert form_publish(form=form).number == 1


# --- steps_reorder -----------------------------------------------------------------------------


def test_steps_take_the_new_order():
    form = _publishable_form()
    first, second, third = _keys(form)

    steps_reorder(form=form, keys=[third, first, second])

    assert _keys(form) == [third, first, second]


@pytest.mark.parametrize(
    "new_order",
    [
        lambda keys: keys[:2],
        lambda keys: [*keys, "not-a-step"],
        lambda keys: [keys[0], keys[0], keys[1]],
        lambda keys: [*keys, keys[0]],
        lambda keys: [],
    ],
    ids=["one missing", "unknown key", "one twice, one missing", "one twice", "empty"],
)
def test_order_must_list_every_step_exactly_once(new_order):
    form = _publishable_form()
    keys = _keys(form)

    with pytest.raises(ValidationError):
        steps_reorder(form=form, keys=new_order(list(keys)))

    assert _keys(form) == keys


def test_steps_of_another_form_cannot_be_ordered_into_this_one():
    form, other = _publishable_form(), _publishable_form()
    keys = _keys(form)

    with pytest.raises(ValidationError):
        steps_reorder(form=form, keys=_keys(other))

    assert _keys(form) == keys


# --- form_publish ------------------------------------------------------------------------------


def test_publishing_numbers_versions_one_two_three():
    form = _publishable_form()
    person = UserFactory()

    versions = [form_publish(form=form, published_by=person) for _ in range(3)]

    assert [version.number for version in versions] == [1, 2, 3]
    form.refresh_from_db()
    assert form.status == FormStatus.PUBLISHED
    assert form.published_version == versions[-1]
    assert versions[0].published_by_id == person.pk


def test_version_holds_the_settings_and_the_steps_in_order():
    form = _publishable_form(name="Demo request", hidden_fields=["plan"])
    step_create(form=form, kind=StepKind.NUMBER, prompt="Budget?", min_value=10, max_value=5000)

    definition = form_publish(form=form).definition

    assert definition["name"] == "Demo request"
    assert definition["hidden_fields"] == ["plan"]
    assert definition["welcome_message"] == form.welcome_message
    assert [step["key"] for step in definition["steps"]] == _keys(form)
    assert definition["steps"][1]["options"] == ["Yes", "No"]
    assert (definition["steps"][-1]["min_value"], definition["steps"][-1]["max_value"]) == (
        "10.00",
        "5000.00",
    )


def test_editing_the_form_after_publishing_leaves_the_version_as_it_was():
    form = _publishable_form()
    version = form_publish(form=form)
    frozen = FormVersion.objects.get(pk=version.pk).definition

    choice = form.steps.get(kind=StepKind.SINGLE_CHOICE)
    choice.prompt = "Rewritten"
    choice.options = ["A", "B", "C"]
    choice.save()
    step_create(form=form, kind=StepKind.PHONE, prompt="Your phone?")
    form.welcome_message = "New welcome"
    form.save()

    version.refresh_from_db()
    assert version.definition == frozen
    assert "Rewritten" not in str(version.definition)
    assert form_publish(form=form).definition["steps"][1]["prompt"] == "Rewritten"


def _form_without_steps():
    return FormFactory()


def _choice_with_one_option():
    form = _publishable_form()
    step_create(form=form, kind=StepKind.MULTIPLE_CHOICE, prompt="Pick", options=["Only"])
    return form


def _branch_backwards():
    form = _publishable_form()
    first, second, _ = form.steps.all()
    second.branches = [{"equals": "No", "goto": first.key}]
    second.save()
    return form


def _branch_to_itself():
    form = _publishable_form()
    second = form.steps.get(position=1)
    second.branches = [{"equals": "No", "goto": second.key}]
    second.save()
    return form


def _branch_to_an_unknown_step():
    form = _publishable_form()
    second = form.steps.get(position=1)
    second.branches = [{"equals": "No", "goto": "nowhere"}]
    second.save()
    return form


def _no_email_step():
    form = _publishable_form()
    form.steps.filter(kind=StepKind.EMAIL).delete()
    return form


@pytest.mark.parametrize(
    ("make_form", "problem"),
    [
        (_form_without_steps, "Add at least one question."),
        (_choice_with_one_option, "Question 4 needs at least two choices."),
        (_branch_backwards, "Question 2 jumps to a question that is not after it"),
        (_branch_to_itself, "Question 2 jumps to a question that is not after it"),
        (_branch_to_an_unknown_step, "Question 2 jumps to a question that is not after it"),
        (_no_email_step, "Ask for an e-mail address"),
    ],
    ids=[
        "no steps",
        "choice with one option",
        "branch backwards",
        "branch to itself",
        "branch to unknown key",
        "no e-mail step",
    ],
)
def test_form_with_a_problem_is_not_published(make_form, problem):
    form = make_form()

    problems = _publish_problems(form)

    assert any(message.startswith(problem) for message in problems), problems
    assert not FormVersion.objects.filter(form=form).exists()
    form.refresh_from_db()
    assert form.status == FormStatus.DRAFT
    assert form.published_version is None


def test_every_problem_is_listed_at_once():
    form = FormFactory()
    StepFactory(form=form, position=0, kind=StepKind.SINGLE_CHOICE, options=[])
    StepFactory(form=form, position=1, prompt="   ", branches=[{"equals": "x", "goto": "?"}])

    problems = _publish_problems(form)

    assert problems == [
        "Question 1 needs at least two choices.",
        "Question 2 has no text.",
        "Question 2 jumps to a question that is not after it: branches may only go forward or "
        "to the end.",
        "Ask for an e-mail address, so each conversation becomes a lead.",
    ]


def test_failed_republish_keeps_the_live_version():
    form = _publishable_form()
    live = form_publish(form=form)
    form.steps.filter(kind=StepKind.EMAIL).delete()

    _publish_problems(form)

    form.refresh_from_db()
    assert form.published_version == live
    assert form.status == FormStatus.PUBLISHED
    assert list(form.versions.all()) == [live]


def test_branch_to_the_end_or_a_later_step_is_accepted():
    form = _publishable_form()
    first, _, last = form.steps.all()
    first.branches = [{"equals": "a@b.c", "goto": last.key}, {"equals": "x@y.z", "goto": "end"}]
    first.save()

    assert form_publish(form=form).number == 1


# --- form_has_unpublished_changes --------------------------------------------------------------


def test_form_never_published_has_unpublished_changes():
    assert form_has_unpublished_changes(form=_publishable_form())


def test_form_just_published_has_no_unpublished_changes():
    form = _publishable_form()
    form_publish(form=form)

    assert not form_has_unpublished_changes(form=form)
    assert not form_has_unpublished_changes(form=Form.objects.get(pk=form.pk))


@pytest.mark.parametrize(
    "edit",
    [
        lambda form: form.steps.filter(position=2).update(prompt="Rewritten"),
        lambda form: step_create(form=form, kind=StepKind.PHONE, prompt="Your phone?"),
        lambda form: step_delete(step=form.steps.get(position=2)),
        lambda form: steps_reorder(form=form, keys=list(reversed(_keys(form)))),
        lambda form: Form.objects.filter(pk=form.pk).update(accent_color="#000000"),
    ],
    ids=["step edited", "step added", "step deleted", "steps reordered", "setting changed"],
)
def test_edit_after_publishing_is_an_unpublished_change_until_published_again(edit):
    form = _publishable_form()
    form_publish(form=form)

    edit(form)

    form = Form.objects.get(pk=form.pk)
    assert form_has_unpublished_changes(form=form)
    form_publish(form=form)
    assert not form_has_unpublished_changes(form=Form.objects.get(pk=form.pk))


# --- People in the public schema, forms in the workspace's ------------------------------------


def test_deleting_a_person_who_created_and_published_forms_keeps_the_forms(workspace_a):
    """Regression: forms point at their author by plain id (no database constraint, nothing done
    on delete), because Django cannot cascade from the public schema into a workspace's tables."""
    person = UserFactory()
    form = form_create(name="Demo request", created_by=person)
    version = form_publish(form=form, published_by=person)
    copy = form_duplicate(form=form, created_by=person)
    person_id = person.pk

    with schema_context(get_public_schema_name()):
        person.delete()
        with connection.cursor() as cursor:
            # Constraints are checked at commit, which a test never reaches: check them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert set(Form.objects.filter(pk__in=[form.pk, copy.pk]).values_list("created_by_id")) == {
        (person_id,)
    }
    assert FormVersion.objects.get(pk=version.pk).published_by_id == person_id
    assert Form.objects.get(pk=form.pk).published_version == version


# --- Each workspace its own forms -------------------------------------------------------------


def test_form_of_a_is_out_of_reach_in_b(workspace_b):
    form = form_create(name="Secret plans of A")
    keys = _keys(form)

    with schema_context(workspace_b.schema_name):
        assert not Form.objects.filter(slug=form.slug).exists()
        assert not Step.objects.filter(key__in=keys).exists()
        assert "Secret plans of A" not in [form.name for form in form_list()]


def test_the_same_form_id_names_a_different_form_in_each_workspace(workspace_b):
    form_of_a = form_create(name="Form of A")

    with schema_context(workspace_b.schema_name):
        # The same id, taken in B's own table: no clash with A's.
        form_of_b = FormFactory(pk=form_of_a.pk, name="Form of B", slug=form_of_a.slug)
        assert Form.objects.get(pk=form_of_a.pk).name == "Form of B"

    assert form_of_b.pk == form_of_a.pk
    assert Form.objects.get(pk=form_of_a.pk).name == "Form of A"
