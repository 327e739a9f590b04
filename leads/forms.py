"""Input of the lead pages: the filters of the lead list, read from the query string, and an
admin's corrections of a lead's qualification."""

from django import forms

from forms_builder.models import Form
from leads.models import (
    Authority,
    BudgetStatus,
    ConversationStatus,
    Disqualification,
    Need,
    Timing,
)


class LeadFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, e-mail or company",
                "autocomplete": "off",
            }
        ),
    )
    form = forms.ModelChoiceField(
        label="Form",
        queryset=Form.objects.order_by("name", "pk"),
        required=False,
        empty_label="All forms",
        error_messages={"invalid_choice": "That form does not exist."},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "Any status"), *ConversationStatus.choices],
        required=False,
        error_messages={"invalid_choice": "Unknown status."},
    )

    order = forms.ChoiceField(
        label="Order",
        choices=[("priority", "Call first"), ("activity", "Latest activity")],
        required=False,
        error_messages={"invalid_choice": "Unknown order."},
    )

    def filters(self) -> dict:
        """The selector's arguments; a filter given an unknown value is left out."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "form_id": data["form"].pk if data.get("form") else None,
            "status": data.get("status") or None,
            "search": data.get("q", ""),
            "order": data.get("order") or "priority",
        }


class LeadCorrectionForm(forms.Form):
    """Every correctable box, shown with what the lead holds now; only changed ones are kept."""

    budget = forms.ChoiceField(label="Budget", choices=BudgetStatus.choices)
    authority = forms.ChoiceField(label="Authority", choices=Authority.choices)
    need = forms.ChoiceField(label="Need", choices=Need.choices)
    timing = forms.ChoiceField(label="Timing", choices=Timing.choices)
    disqualification = forms.ChoiceField(
        label="Disqualified",
        choices=[("", "No: a genuine prospect"), *Disqualification.choices],
        required=False,
    )
