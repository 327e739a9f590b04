"""Input of the lead pages: the filters of the lead list, read from the query string."""

from django import forms

from forms_builder.models import Form
from leads.models import ConversationStatus


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

    def filters(self) -> dict:
        """The selector's arguments; a filter given an unknown value is left out."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "form_id": data["form"].pk if data.get("form") else None,
            "status": data.get("status") or None,
            "search": data.get("q", ""),
        }
