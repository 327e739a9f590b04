"""An admin's scoring rule: its kind and points, and the few settings its kind needs, kept in
the rule's params."""

from django import forms

from forms_builder.models import FormStatus, Step
from leads.models import BEHAVIOUR_RULE_KINDS, RuleKind, ScoringRule


def form_steps() -> list[Step]:
    """The steps a `replied_to_step` rule may name: those of the forms in use."""
    return list(
        Step.objects.exclude(form__status=FormStatus.ARCHIVED)
        .select_related("form")
        .order_by("form__name", "position", "pk")
    )


# The settings each kind needs: form field → key in ScoringRule.params.
KIND_PARAMS = {
    RuleKind.JOB_TITLE_MATCHES: ["words"],
    RuleKind.COMPANY_SIZE_AT_LEAST: ["headcount"],
    RuleKind.EMAIL_FREE_WEBMAIL: [],
    RuleKind.ANSWER_EQUALS: ["field", "value"],
    RuleKind.HIDDEN_FIELD_EQUALS: ["field", "value"],
    RuleKind.COUNTRY_IN: ["countries"],
    RuleKind.VISITED_URL_CONTAINS: ["text"],
    RuleKind.VISITED_PRICING: [],
    RuleKind.VISITS_AT_LEAST_IN_DAYS: ["visits", "days"],
    RuleKind.EMAIL_OPENED_AT_LEAST: ["count"],
    RuleKind.EMAIL_CLICKED: [],
    RuleKind.REPLIED_TO_STEP: ["step"],
}

# Params given as a comma-separated list in the form.
LIST_PARAMS = {"words", "countries"}

MAX_POINTS = 1000


class ScoringRuleForm(forms.ModelForm):
    words = forms.CharField(
        label="Words (job title)",
        required=False,
        max_length=1000,
        help_text="Separated by commas; any of them, whole words, accents and case ignored.",
    )
    countries = forms.CharField(
        label="Countries",
        required=False,
        max_length=1000,
        help_text="Separated by commas, as visitors write them (France, FR); accents and case "
        "ignored.",
    )
    step = forms.ChoiceField(label="Form step", required=False)
    headcount = forms.IntegerField(label="At least (people)", required=False, min_value=1)
    field = forms.CharField(
        label="Field",
        required=False,
        max_length=100,
        help_text="A hidden field's name, a step's key, or a contact field (job_title, company…).",
    )
    value = forms.CharField(label="Equals", required=False, max_length=200)
    text = forms.CharField(label="Page address contains", required=False, max_length=200)
    visits = forms.IntegerField(label="Page views, at least", required=False, min_value=1)
    days = forms.IntegerField(label="Within (days)", required=False, min_value=1, max_value=3650)
    count = forms.IntegerField(label="E-mails opened, at least", required=False, min_value=1)

    class Meta:
        model = ScoringRule
        fields = ["name", "kind", "points", "decay_days", "active"]
        labels = {"decay_days": "Fades to 0 over (days)"}
        help_texts = {
            "points": "Negative points lower the score.",
            "decay_days": "Behaviour rules only: points fade from the latest event. Empty: never.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        params = self.instance.params or {}
        for name in self.param_fields:
            if name in params:
                value = params[name]
                self.initial[name] = ", ".join(value) if name in LIST_PARAMS else value
        self.fields["points"].min_value = -MAX_POINTS
        self.fields["points"].max_value = MAX_POINTS
        self.fields["decay_days"].max_value = 3650
        steps = form_steps()
        self.step_prompts = {step.key: step.prompt for step in steps}
        self.fields["step"].choices = [
            ("", "Choose a step"),
            *((step.key, f"{step.form.name}: {step.prompt}"[:200]) for step in steps),
        ]

    @property
    def param_fields(self) -> set[str]:
        return {p for ps in KIND_PARAMS.values() for p in ps}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind not in KIND_PARAMS:
            return data
        params = {}
        for name in KIND_PARAMS[kind]:
            value = data.get(name)
            if name in LIST_PARAMS:
                value = [w.strip() for w in (value or "").split(",") if w.strip()]
            elif isinstance(value, str):
                value = value.strip()
            if value in (None, "", []):
                self.add_error(name, "This kind of rule needs it.")
            params[name] = value
        if kind == RuleKind.REPLIED_TO_STEP and params["step"]:
            # The reason a lead's breakdown gives, readable without the step's key.
            params["question"] = self.step_prompts[params["step"]][:200]
        if data.get("decay_days") and kind not in BEHAVIOUR_RULE_KINDS:
            self.add_error("decay_days", "Only behaviour rules fade over time.")
        self.instance.params = params
        return data
