"""Input of the lead pages: the filters of the lead list, read from the query string, an
admin's corrections of a lead's qualification, and the sales side: who calls a lead and what
came of it."""

from collections.abc import Iterable

from django import forms

from forms_builder.models import Form
from leads.models import (
    Authority,
    BudgetStatus,
    ConversationStatus,
    Disqualification,
    LostReason,
    Need,
    Outcome,
    Timing,
)
from tenants.models import Membership


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


class LeadAssignForm(forms.Form):
    """Who calls the lead: one of the workspace's members, or nobody."""

    assignee = forms.ChoiceField(
        label="Assignee",
        required=False,
        error_messages={"invalid_choice": "Choose a member of this workspace, or nobody."},
    )

    def __init__(self, *args, members: Iterable[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(membership.user_id): membership.user for membership in members}
        self.fields["assignee"].choices = [
            ("", "Nobody"),
            *((user_id, user.display_name) for user_id, user in self.users.items()),
        ]

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        return self.users[value] if value else None


class LeadOutcomeForm(forms.Form):
    """What came of a lead. Which fields go with which outcome is the service's rule
    (leads.services.sales.lead_outcome_record); its errors come back on these fields."""

    kind = forms.ChoiceField(label="Outcome", choices=Outcome.choices)
    amount = forms.DecimalField(label="Amount won", required=False, max_digits=14, decimal_places=2)
    currency = forms.CharField(
        label="Currency", required=False, max_length=3, help_text="Three letters, such as EUR."
    )
    lost_reason = forms.ChoiceField(
        label="Why it was lost", choices=[("", "—"), *LostReason.choices], required=False
    )
    note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
