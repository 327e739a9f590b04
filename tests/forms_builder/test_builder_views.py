"""The form builder pages: list, editor, steps, reorder, publish, roles, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from forms_builder.models import Form, FormStatus, FormVersion, Step, StepKind
from forms_builder.services import form_create, form_publish
from tests.factories import FormFactory, StepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(workspace_a):
    """Run ORM code in workspace A's schema: `with in_a(): ...`."""
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def form(in_a, owner):
    with in_a():
        return form_create(name="Demo request", created_by=owner)


@pytest.fixture
def forms_url(workspace_a):
    return f"/w/{workspace_a.slug}/forms/"


def settings_data(**overrides):
    data = {
        "name": "Demo request",
        "language": "en",
        "offer_description": "Payroll software for small companies.",
        "welcome_message": "Hello there!",
        "closing_message": "Talk soon.",
        "accent_color": "#0e9384",
        "hidden_fields": "plan, campaign",
    }
    return {**data, **overrides}


def step_data(kind=StepKind.SHORT_TEXT, prompt="Anything else?", branches=(), **overrides):
    data = {
        "kind": kind,
        "prompt": prompt,
        "required": "on",
        "options": "",
        "min_value": "",
        "max_value": "",
        "lead_field": "",
        "branches-TOTAL_FORMS": str(len(branches)),
        "branches-INITIAL_FORMS": "0",
    }
    for index, (equals, goto) in enumerate(branches):
        data[f"branches-{index}-equals"] = equals
        data[f"branches-{index}-goto"] = goto
    return {**data, **overrides}


def steps_of(in_a, form):
    with in_a():
        return list(Step.objects.filter(form_id=form.pk).order_by("position"))


# --- Form list -------------------------------------------------------------------------------


def test_admin_creates_a_form_that_starts_with_qualifying_questions(
    admin_client_a, in_a, forms_url
):
    response = admin_client_a.post(forms_url, {"name": "Devis", "language": "fr"})

    with in_a():
        created = Form.objects.get(name="Devis")
        kinds = list(created.steps.values_list("kind", flat=True))
    assert response.status_code == 302
    assert response["Location"] == f"{forms_url}{created.pk}/"
    assert created.language == "fr"
    assert StepKind.EMAIL in kinds and len(kinds) == 6
    page = admin_client_a.get(response["Location"])
    assert "Quelle est votre adresse e-mail professionnelle ?" in page.content.decode()


def test_creating_a_form_without_a_name_is_refused(owner_client, in_a, forms_url):
    response = owner_client.post(forms_url, {"name": "  ", "language": "en"})

    assert response.status_code == 400
    assert response.context["create_form"].errors["name"]
    with in_a():
        assert not Form.objects.exists()


def test_form_list_separates_active_and_archived_forms(owner_client, in_a, forms_url):
    with in_a():
        FormFactory(name="Live one")
        FormFactory(name="Old one", status=FormStatus.ARCHIVED)

    active = owner_client.get(forms_url).content.decode()
    archived = owner_client.get(f"{forms_url}archived/").content.decode()

    assert "Live one" in active and "Old one" not in active
    assert "Old one" in archived and "Live one" not in archived


def test_duplicate_makes_a_draft_copy_with_the_same_questions(owner_client, in_a, form, forms_url):
    with in_a():
        form_publish(form=form)

    response = owner_client.post(f"{forms_url}{form.pk}/duplicate/")

    with in_a():
        copy = Form.objects.get(name="Demo request (copy)")
    assert response.status_code == 302
    assert response["Location"] == f"{forms_url}{copy.pk}/"
    assert copy.status == FormStatus.DRAFT
    assert [s.prompt for s in steps_of(in_a, copy)] == [s.prompt for s in steps_of(in_a, form)]


def test_archive_then_restore_a_form(owner_client, in_a, form, forms_url):
    archived = owner_client.post(f"{forms_url}{form.pk}/archive/")
    with in_a():
        form.refresh_from_db()
    assert archived.status_code == 302
    assert form.status == FormStatus.ARCHIVED
    assert 'class="form-card"' not in owner_client.get(forms_url).content.decode()

    restored = owner_client.post(f"{forms_url}{form.pk}/restore/")
    with in_a():
        form.refresh_from_db()
    assert restored.status_code == 302
    assert form.status == FormStatus.DRAFT


def test_archive_and_duplicate_only_answer_post(owner_client, form, forms_url):
    assert owner_client.get(f"{forms_url}{form.pk}/archive/").status_code == 405
    assert owner_client.get(f"{forms_url}{form.pk}/duplicate/").status_code == 405


# --- Settings --------------------------------------------------------------------------------


def test_admin_saves_the_settings(admin_client_a, in_a, form, forms_url):
    response = admin_client_a.post(f"{forms_url}{form.pk}/", settings_data(name="Book a demo"))

    with in_a():
        form.refresh_from_db()
    assert response.status_code == 302
    assert form.name == "Book a demo"
    assert form.accent_color == "#0e9384"
    assert form.hidden_fields == ["plan", "campaign"]
    assert form.offer_description == "Payroll software for small companies."


def test_bad_accent_colour_is_refused_with_a_field_error(owner_client, in_a, form, forms_url):
    response = owner_client.post(f"{forms_url}{form.pk}/", settings_data(accent_color="red"))

    assert response.status_code == 400
    assert response.context["settings_form"].errors["accent_color"]
    with in_a():
        form.refresh_from_db()
    assert form.accent_color == "#4f46e5"


def test_empty_name_is_refused_with_a_field_error(owner_client, form, forms_url):
    response = owner_client.post(f"{forms_url}{form.pk}/", settings_data(name=""))

    assert response.status_code == 400
    assert response.context["settings_form"].errors["name"]


def test_malformed_hidden_field_name_is_refused(owner_client, in_a, form, forms_url):
    response = owner_client.post(
        f"{forms_url}{form.pk}/", settings_data(hidden_fields="plan, two words")
    )

    assert response.status_code == 400
    assert "two words" in response.context["settings_form"].errors["hidden_fields"][0]
    with in_a():
        form.refresh_from_db()
    assert form.hidden_fields == []


# --- Steps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        (StepKind.SHORT_TEXT, {}, {}),
        (StepKind.LONG_TEXT, {}, {}),
        (StepKind.EMAIL, {"lead_field": "email"}, {"lead_field": "email"}),
        (StepKind.PHONE, {"lead_field": "phone"}, {"lead_field": "phone"}),
        (StepKind.URL, {}, {}),
        (StepKind.NUMBER, {"min_value": "1", "max_value": "500"}, {"max_value": 500}),
        (
            StepKind.SINGLE_CHOICE,
            {"options": "Starter\n\n Growth \nStarter\nEnterprise"},
            {"options": ["Starter", "Growth", "Enterprise"]},
        ),
        (StepKind.MULTIPLE_CHOICE, {"options": "CRM\nPayroll"}, {"options": ["CRM", "Payroll"]}),
        (StepKind.YES_NO, {}, {}),
        (StepKind.COMPANY_SIZE, {"lead_field": "company_size"}, {}),
        (StepKind.DATE, {}, {}),
    ],
)
def test_admin_adds_a_question_of_each_kind(
    owner_client, in_a, form, forms_url, kind, extra, expected
):
    response = owner_client.post(
        f"{forms_url}{form.pk}/steps/new/", step_data(kind=kind, prompt="Tell me?", **extra)
    )

    added = steps_of(in_a, form)[-1]
    assert response.status_code == 302
    assert response["Location"] == f"{forms_url}steps/{added.pk}/"
    assert (added.kind, added.prompt, added.position) == (kind, "Tell me?", 6)
    for name, value in expected.items():
        assert getattr(added, name) == value


def test_options_are_dropped_from_a_question_that_is_not_a_choice(
    owner_client, in_a, form, forms_url
):
    owner_client.post(
        f"{forms_url}{form.pk}/steps/new/", step_data(kind=StepKind.EMAIL, options="a\nb")
    )

    assert steps_of(in_a, form)[-1].options == []


def test_minimum_above_maximum_is_refused(owner_client, in_a, form, forms_url):
    response = owner_client.post(
        f"{forms_url}{form.pk}/steps/new/",
        step_data(kind=StepKind.NUMBER, min_value="10", max_value="2"),
    )

    assert response.status_code == 400
    assert response.context["step_form"].errors["max_value"]
    assert len(steps_of(in_a, form)) == 6


def test_question_without_text_or_management_data_is_a_400(owner_client, in_a, form, forms_url):
    no_text = owner_client.post(f"{forms_url}{form.pk}/steps/new/", step_data(prompt=""))
    garbage = owner_client.post(f"{forms_url}{form.pk}/steps/new/", {"kind": "nonsense"})

    assert no_text.status_code == garbage.status_code == 400
    assert no_text.context["step_form"].errors["prompt"]
    assert len(steps_of(in_a, form)) == 6


def test_choice_question_without_options_is_refused_at_publish_with_a_clear_message(
    owner_client, in_a, form, forms_url
):
    added = owner_client.post(
        f"{forms_url}{form.pk}/steps/new/",
        step_data(kind=StepKind.SINGLE_CHOICE, prompt="Which plan?"),
    )

    response = owner_client.post(f"{forms_url}{form.pk}/publish/")

    assert added.status_code == 302
    assert response.status_code == 400
    assert response.context["publish_problems"] == ["Question 7 needs at least two choices."]
    assert "This form cannot be published yet" in response.content.decode()
    with in_a():
        assert not FormVersion.objects.filter(form=form).exists()


def test_admin_edits_a_question_and_its_conditions(owner_client, in_a, form, forms_url):
    first, _, third, *_ = steps_of(in_a, form)

    response = owner_client.post(
        f"{forms_url}steps/{first.pk}/",
        step_data(
            kind=StepKind.SINGLE_CHOICE,
            prompt="Why are you here?",
            options="Just browsing\nBuying",
            branches=[("Just browsing", "end"), ("Buying", third.key), ("", "")],
            required="",
        ),
    )

    with in_a():
        first.refresh_from_db()
    assert response.status_code == 302
    assert (first.kind, first.prompt, first.required) == (
        "single_choice",
        "Why are you here?",
        False,
    )
    assert first.branches == [
        {"equals": "Just browsing", "goto": "end"},
        {"equals": "Buying", "goto": third.key},
    ]


def test_condition_leading_backwards_is_refused(owner_client, in_a, form, forms_url):
    first, second, *_ = steps_of(in_a, form)

    response = owner_client.post(
        f"{forms_url}steps/{second.pk}/", step_data(branches=[("yes", first.key)])
    )

    assert response.status_code == 400
    assert response.context["branch_formset"].errors[0]["goto"]
    with in_a():
        second.refresh_from_db()
    assert second.branches == []


def test_condition_without_a_destination_is_refused(owner_client, form, in_a, forms_url):
    first = steps_of(in_a, form)[0]

    response = owner_client.post(f"{forms_url}steps/{first.pk}/", step_data(branches=[("x", "")]))

    assert response.status_code == 400
    assert "Choose where this answer leads." in response.content.decode()


def test_admin_deletes_a_question(owner_client, in_a, form, forms_url):
    first, second, *_ = steps_of(in_a, form)
    with in_a():
        first.branches = [{"equals": "x", "goto": second.key}]
        first.save()

    response = owner_client.post(f"{forms_url}steps/{second.pk}/delete/")

    remaining = steps_of(in_a, form)
    assert response.status_code == 302
    assert response["Location"] == f"{forms_url}{form.pk}/"
    assert second.pk not in [s.pk for s in remaining] and len(remaining) == 5
    assert remaining[0].branches == []


def test_reorder_saves_the_new_order(owner_client, in_a, form, forms_url):
    keys = [s.key for s in steps_of(in_a, form)]
    new_order = list(reversed(keys))

    response = owner_client.post(f"{forms_url}{form.pk}/steps/reorder/", {"keys": new_order})

    assert response.status_code == 302
    assert [s.key for s in steps_of(in_a, form)] == new_order


def test_reorder_keeps_the_edited_question_open(owner_client, in_a, form, forms_url):
    steps = steps_of(in_a, form)
    keys = [s.key for s in reversed(steps)]

    response = owner_client.post(
        f"{forms_url}{form.pk}/steps/reorder/", {"keys": keys, "editing": str(steps[2].pk)}
    )

    assert response["Location"] == f"{forms_url}steps/{steps[2].pk}/"


@pytest.mark.parametrize("problem", ["missing", "foreign", "duplicated", "empty"])
def test_reorder_that_does_not_list_every_step_once_is_refused(
    owner_client, in_a, form, forms_url, problem
):
    keys = [s.key for s in steps_of(in_a, form)]
    with in_a():
        other = form_create(name="Other")
    foreign_key = steps_of(in_a, other)[0].key
    posted = {
        "missing": keys[:-1],
        "foreign": [*keys[:-1], foreign_key],
        "duplicated": [*keys[:-1], keys[0]],
        "empty": [],
    }[problem]

    response = owner_client.post(f"{forms_url}{form.pk}/steps/reorder/", {"keys": posted})

    assert response.status_code == 400
    assert "every step of the form exactly once" in response.content.decode()
    assert [s.key for s in steps_of(in_a, form)] == keys


# --- Publish ---------------------------------------------------------------------------------


def test_publish_freezes_versions_and_shows_unpublished_changes(
    owner_client, in_a, form, forms_url
):
    editor = f"{forms_url}{form.pk}/"

    first = owner_client.post(f"{editor}publish/")
    after_first = owner_client.get(editor).content.decode()
    owner_client.post(editor, settings_data(welcome_message="Welcome back!"))
    edited = owner_client.get(editor).content.decode()
    second = owner_client.post(f"{editor}publish/")
    after_second = owner_client.get(editor).content.decode()

    with in_a():
        versions = {v.number: v.definition for v in FormVersion.objects.filter(form=form)}
    assert first.status_code == second.status_code == 302
    assert "Version 1" in after_first and "Unpublished changes" not in after_first
    assert "Unpublished changes" in edited
    assert "Version 2" in after_second and "Unpublished changes" not in after_second
    assert (
        versions[1]["welcome_message"]
        == "Hi! A few quick questions so the right person gets back to you."
    )
    assert versions[2]["welcome_message"] == "Welcome back!"


def test_editor_shows_the_published_date(owner_client, in_a, form, forms_url):
    with in_a():
        version = form_publish(form=form)

    page = owner_client.get(f"{forms_url}{form.pk}/").content.decode()

    assert f"published {version.published_at:%-d %b %Y}" in page


# --- Preview and escaping --------------------------------------------------------------------


def test_preview_shows_welcome_questions_and_quick_replies_in_the_accent_colour(
    owner_client, in_a, form, forms_url
):
    with in_a():
        form.accent_color = "#e11d48"
        form.save()
        StepFactory(
            form=form, position=9, kind=StepKind.SINGLE_CHOICE, options=["Starter", "Scale"]
        )
        StepFactory(form=form, position=10, kind=StepKind.YES_NO, prompt="Ready?")

    page = owner_client.get(f"{forms_url}{form.pk}/").content.decode()
    preview = page[page.index('class="preview"') :]

    assert "--pv-accent: #e11d48" in preview
    assert preview.index(form.welcome_message) < preview.index("What is your work e-mail?")
    assert '<span class="pv-reply">Starter</span>' in preview
    assert '<span class="pv-reply">Yes</span><span class="pv-reply">No</span>' in preview
    assert "1-10" in preview


def test_user_text_is_escaped_everywhere(owner_client, in_a, form, forms_url):
    attack = '<img src=x onerror="alert(1)">'
    with in_a():
        form.name = attack
        form.welcome_message = attack
        form.save()
        StepFactory(
            form=form, position=9, prompt=attack, kind=StepKind.SINGLE_CHOICE, options=[attack, "b"]
        )

    editor = owner_client.get(f"{forms_url}{form.pk}/").content.decode()
    listing = owner_client.get(forms_url).content.decode()

    assert attack not in editor and attack not in listing
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in editor


# --- Roles -----------------------------------------------------------------------------------


def _writes(forms_url, form, step):
    return [
        (forms_url, {"name": "Taken", "language": "en"}),
        (f"{forms_url}{form.pk}/", settings_data(name="Taken")),
        (f"{forms_url}{form.pk}/duplicate/", {}),
        (f"{forms_url}{form.pk}/archive/", {}),
        (f"{forms_url}{form.pk}/restore/", {}),
        (f"{forms_url}{form.pk}/publish/", {}),
        (f"{forms_url}{form.pk}/steps/new/", step_data()),
        (f"{forms_url}{form.pk}/steps/reorder/", {"keys": [step.key]}),
        (f"{forms_url}steps/{step.pk}/", step_data(prompt="Taken?")),
        (f"{forms_url}steps/{step.pk}/delete/", {}),
    ]


def test_member_gets_403_on_every_write(member_client, in_a, form, forms_url):
    step = steps_of(in_a, form)[0]
    with in_a():
        before = (list(Form.objects.values()), list(Step.objects.values()))

    statuses = {
        url: member_client.post(url, data).status_code
        for url, data in _writes(forms_url, form, step)
    }

    assert set(statuses.values()) == {403}, statuses
    with in_a():
        assert (list(Form.objects.values()), list(Step.objects.values())) == before
        assert not FormVersion.objects.exists()


def test_member_sees_the_list_and_the_editor_read_only(member_client, in_a, form, forms_url):
    step = steps_of(in_a, form)[0]

    listing = member_client.get(forms_url)
    editor = member_client.get(f"{forms_url}{form.pk}/")
    step_page = member_client.get(f"{forms_url}steps/{step.pk}/")

    assert listing.status_code == editor.status_code == step_page.status_code == 200
    assert "Create form" not in listing.content.decode()
    assert "Publish" not in editor.content.decode()
    assert "data-sortable" not in editor.content.decode()
    assert all(f.disabled for f in editor.context["settings_form"].fields.values())
    assert all(f.disabled for f in step_page.context["step_form"].fields.values())


def test_unknown_form_or_step_is_a_404(owner_client, forms_url):
    assert owner_client.get(f"{forms_url}999999/").status_code == 404
    assert owner_client.get(f"{forms_url}steps/999999/").status_code == 404
    assert owner_client.post(f"{forms_url}999999/publish/").status_code == 404


# --- Query counts ----------------------------------------------------------------------------


def _form_with_steps(count):
    form = FormFactory()
    for position in range(count):
        StepFactory(
            form=form,
            position=position,
            kind=StepKind.SINGLE_CHOICE,
            options=["a", "b"],
            branches=[{"equals": "a", "goto": "end"}],
        )
    return form


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_editor_runs_as_many_queries_with_2_or_6_steps(
    owner_client, in_a, forms_url, django_assert_num_queries
):
    with in_a():
        small, large = _form_with_steps(2), _form_with_steps(6)
    owner_client.get(f"{forms_url}{small.pk}/")  # warm-up: session and caches

    expected = _queries(owner_client, f"{forms_url}{small.pk}/")
    with django_assert_num_queries(expected):
        owner_client.get(f"{forms_url}{large.pk}/")
    step = steps_of(in_a, large)[1]
    expected = _queries(owner_client, f"{forms_url}steps/{steps_of(in_a, small)[1].pk}/")
    with django_assert_num_queries(expected):
        owner_client.get(f"{forms_url}steps/{step.pk}/")


def test_form_list_runs_as_many_queries_with_2_or_6_forms(
    owner_client, in_a, forms_url, django_assert_num_queries
):
    with in_a():
        for _ in range(2):
            form_publish(form=form_create(name="Form"))
    owner_client.get(forms_url)

    expected = _queries(owner_client, forms_url)
    with in_a():
        for _ in range(4):
            form_publish(form=form_create(name="Form"))
    with django_assert_num_queries(expected):
        response = owner_client.get(forms_url)
    assert response.content.decode().count('class="form-card"') == 6
