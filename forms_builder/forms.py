"""Input of the builder pages. They parse and check shapes; the services in
forms_builder/services.py decide what a form or step may be."""

from django import forms

from forms_builder.models import CHOICE_KINDS, Language, LeadField, StepKind, hex_colour
from forms_builder.runtime import END
from forms_builder.services import form_settings


class FormCreateForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Demo request", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(
        choices=Language.choices,
        initial=Language.ENGLISH,
        help_text="Every built-in text of the chat follows it.",
    )


class FormSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    language = forms.ChoiceField(
        choices=Language.choices, help_text="Buttons and hints of the chat follow it."
    )
    offer_description = forms.CharField(
        label="What you sell",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few sentences: qualification reads it to judge whether a need fits.",
    )
    welcome_message = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    closing_message = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    accent_color = forms.CharField(
        label="Accent colour",
        max_length=7,
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    hidden_fields = forms.CharField(
        label="Hidden fields",
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "plan, campaign", "autocomplete": "off"}),
        help_text="Comma-separated names filled from the page URL (?plan=pro) or the embed "
        "code. UTM parameters, referrer and landing page are always captured.",
    )

    @classmethod
    def initial_for(cls, form) -> dict:
        initial = form_settings(form)
        initial["hidden_fields"] = ", ".join(initial["hidden_fields"])
        return initial

    def clean_accent_color(self):
        return self.cleaned_data["accent_color"].lower()

    def clean_hidden_fields(self):
        return [name.strip() for name in self.cleaned_data["hidden_fields"].split(",")]


class StepForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=StepKind.choices)
    prompt = forms.CharField(
        label="Question",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What would you like to ask?"}),
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)
    options = forms.CharField(
        label="Choices",
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "One choice per line"}),
        help_text="One choice per line.",
    )
    min_value = forms.DecimalField(label="Minimum", required=False, max_digits=14, decimal_places=2)
    max_value = forms.DecimalField(label="Maximum", required=False, max_digits=14, decimal_places=2)
    lead_field = forms.ChoiceField(
        label="Save the answer to the lead as",
        required=False,
        choices=[("", "Not saved to a lead field"), *LeadField.choices],
    )

    # Which kinds each optional field applies to (the editor hides the others).
    KIND_FIELDS = {
        "options": " ".join(sorted(CHOICE_KINDS)),
        "min_value": StepKind.NUMBER,
        "max_value": StepKind.NUMBER,
    }

    @classmethod
    def initial_for(cls, step) -> dict:
        return {
            "kind": step.kind,
            "prompt": step.prompt,
            "required": step.required,
            "options": "\n".join(step.options),
            "min_value": step.min_value,
            "max_value": step.max_value,
            "lead_field": step.lead_field,
        }

    def clean_options(self):
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class BranchForm(forms.Form):
    """One "if the answer is X, go to Y" row; a row left empty is ignored."""

    equals = forms.CharField(label="If the answer is", required=False, max_length=200)
    goto = forms.ChoiceField(label="go to", required=False)

    def __init__(self, *args, goto_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goto"].choices = [("", "Choose…"), *goto_choices]

    def clean(self):
        cleaned = super().clean()
        equals, goto = cleaned.get("equals", "").strip(), cleaned.get("goto")
        if equals and not goto:
            self.add_error("goto", "Choose where this answer leads.")
        elif goto and not equals:
            self.add_error("equals", "Type the answer that leads there.")
        cleaned["equals"] = equals
        return cleaned


BranchFormSet = forms.formset_factory(BranchForm, extra=1, max_num=20, validate_max=True)
BRANCH_PREFIX = "branches"


def branch_goto_choices(steps, step=None) -> list[tuple[str, str]]:
    """Where a step's branches may lead: a later question, or the end."""
    # A new step is added last, so only the end lies after it.
    later = [s for s in steps if s.position > step.position] if step is not None else []
    numbers = {s.key: number for number, s in enumerate(steps, start=1)}
    return [
        (END, "End of the conversation"),
        *((s.key, f"Question {numbers[s.key]}: {s.prompt[:50]}") for s in later),
    ]


def step_forms(data, *, steps, step=None) -> tuple[StepForm, BranchFormSet]:
    """The step form and its branch rows, bound to `data` (or showing `step` when None)."""
    kwargs = {"form_kwargs": {"goto_choices": branch_goto_choices(steps, step)}}
    if data is not None:
        return StepForm(data), BranchFormSet(data, prefix=BRANCH_PREFIX, **kwargs)
    if step is None:
        return StepForm(), BranchFormSet(prefix=BRANCH_PREFIX, **kwargs)
    return (
        StepForm(initial=StepForm.initial_for(step)),
        BranchFormSet(initial=step.branches, prefix=BRANCH_PREFIX, **kwargs),
    )


def step_fields(step_form: StepForm, branches: BranchFormSet) -> dict:
    """The cleaned values of both, as the keyword arguments of step_create / step_update."""
    fields = dict(step_form.cleaned_data)
    fields["branches"] = [
        {"equals": row.cleaned_data["equals"], "goto": row.cleaned_data["goto"]}
        for row in branches
        if row.cleaned_data.get("equals")
    ]
    return fields
