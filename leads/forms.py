"""Input of the lead pages: the filters of the lead list, read from the query string, an
admin's corrections of a lead's qualification, and the sales side: who calls a lead and what
came of it."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

from forms_builder.models import Form
from leads.models import (
    Authority,
    Band,
    BudgetStatus,
    ConversationStatus,
    Disqualification,
    LostReason,
    Need,
    Outcome,
    QualificationStatus,
    Timing,
)
from leads.selectors import NOT_QUALIFIED, UNASSIGNED
from leads.services.sales import LEADS_ASSIGN_MAX
from tenants.models import Membership

ME = "me"
ANYONE = ""


def _member_choices(members) -> list[tuple[str, str]]:
    return [(str(membership.user_id), membership.user.email) for membership in members]


class LeadFilterForm(forms.Form):
    """The inbox's filters, from the query string. A filter given a bad value gets an error
    and is left out; the list still shows."""

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
    band = forms.ChoiceField(
        label="Band",
        choices=[("", "Any band"), *Band.choices],
        required=False,
        error_messages={"invalid_choice": "Unknown band."},
    )
    qualification = forms.ChoiceField(
        label="Qualification",
        choices=[
            ("", "Any qualification"),
            (QualificationStatus.SQL, "SQL"),
            (QualificationStatus.MQL, "MQL"),
            (QualificationStatus.DISQUALIFIED, "Disqualified"),
            (NOT_QUALIFIED, "Not qualified yet"),
        ],
        required=False,
        error_messages={"invalid_choice": "Unknown qualification."},
    )
    status = forms.ChoiceField(
        label="Conversation",
        choices=[("", "Any conversation"), *ConversationStatus.choices],
        required=False,
        error_messages={"invalid_choice": "Unknown status."},
    )
    form = forms.ModelChoiceField(
        label="Form",
        queryset=Form.objects.order_by("name", "pk"),
        required=False,
        empty_label="All forms",
        error_messages={"invalid_choice": "That form does not exist."},
    )
    assignee = forms.ChoiceField(
        label="Assignee",
        required=False,
        error_messages={"invalid_choice": "Unknown assignee."},
    )
    created_from = forms.DateField(
        label="Created from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the start date as YYYY-MM-DD."},
    )
    created_to = forms.DateField(
        label="Created to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the end date as YYYY-MM-DD."},
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)

    order = forms.ChoiceField(
        label="Order",
        choices=[("priority", "Call first"), ("activity", "Latest activity")],
        required=False,
        error_messages={"invalid_choice": "Unknown order."},
    )

    def __init__(self, *args, user, members, **kwargs):
        """`members`: the workspace's memberships (with their users), for the assignee filter."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["assignee"].choices = [
            (ANYONE, "Anyone"),
            (ME, "Me"),
            (UNASSIGNED, "Unassigned"),
            *_member_choices(members),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date is before the start date.")
        return data

    def filters(self) -> dict:
        """The selector's arguments; a filter given a bad value is left out."""
        self.is_valid()
        data = self.cleaned_data
        assignee = data.get("assignee") or None
        if assignee == ME:
            assignee = self.user.pk
        elif assignee not in (None, UNASSIGNED):
            assignee = int(assignee)
        return {
            "form_id": data["form"].pk if data.get("form") else None,
            "status": data.get("status") or None,
            "search": data.get("q", ""),
            "band": data.get("band") or None,
            "qualification": data.get("qualification") or None,
            "assignee": assignee,
            "created_from": _day_start(data.get("created_from")),
            # The end date is a whole day: leads created before the next one.
            "created_before": _day_start(data.get("created_to"), days_after=1),
            "overdue": bool(data.get("overdue")),
            "order": data.get("order") or "priority",
        }


def _day_start(day: date | None, days_after: int = 0) -> datetime | None:
    """Midnight of `day` (plus `days_after` days) in the current time zone."""
    if day is None:
        return None
    try:
        day += timedelta(days=days_after)
    except OverflowError:  # the day after 9999-12-31: no bound at all
        return None
    return timezone.make_aware(datetime.combine(day, time.min))


class LeadIdsField(forms.Field):
    """Lead ids from checkboxes (`lead=1&lead=2`), at most `max_count`."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_count: int, **kwargs):
        self.max_count = max_count
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        values = value or []
        if not isinstance(values, (list, tuple)):
            values = [values]
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise forms.ValidationError("Choose leads from the list.", "invalid") from None
        if any(pk <= 0 or pk > 2**63 - 1 for pk in ids):
            raise forms.ValidationError("Choose leads from the list.", "invalid")
        if len(ids) > self.max_count:
            raise forms.ValidationError(
                f"Assign at most {self.max_count} leads at a time.", "too_many"
            )
        return ids


class LeadsAssignForm(forms.Form):
    """The inbox's "Assign to…": the ticked leads to a member or to nobody, or one lead to
    the person clicking ("Assign to me", which names the lead in `me`)."""

    lead = LeadIdsField(max_count=LEADS_ASSIGN_MAX, required=False)
    assignee = forms.ChoiceField(
        required=False, error_messages={"invalid_choice": "Choose a member of this workspace."}
    )
    me = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody"), *_member_choices(members)]

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("me") and not data.get("lead"):
            raise forms.ValidationError("Tick the leads to assign first.", "no_leads")
        return data


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
        label="Currency", required=False, max_length=3, help_text="An ISO 4217 code, such as EUR."
    )
    lost_reason = forms.ChoiceField(
        label="Why it was lost", choices=[("", "—"), *LostReason.choices], required=False
    )
    note = forms.CharField(
        label="Note", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
