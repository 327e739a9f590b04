"""The period a report covers, from the query string: the last 7, 30 or 90 days, or days
chosen from and to (both included). A bad value gets an error on its field and the report
shows the default period, saying so."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone

LAST_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
CUSTOM = "custom"
# A report over more than this is refused: the figures would mix years of different forms and
# rules, and the query would read the whole history.
MAX_DAYS = 731


@dataclass(frozen=True)
class Period:
    """Whole days, in the current time zone: [start, end) as datetimes, and as days."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first_day, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def period_last_days(days: int, today: date | None = None) -> Period:
    """The last `days` days, today included."""
    today = today or timezone.localdate()
    return Period(first_day=today - timedelta(days=days - 1), last_day=today)


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label="Period",
        choices=[*((str(days), f"Last {days} days") for days in LAST_DAYS), (CUSTOM, "From … to")],
        required=False,
        error_messages={"invalid_choice": "Choose the last 7, 30 or 90 days, or dates."},
    )
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the first day as YYYY-MM-DD."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Give the last day as YYYY-MM-DD."},
    )

    def clean(self):
        data = super().clean()
        if data.get("period") != CUSTOM:
            return data
        start, end = data.get("start"), data.get("end")
        if "start" not in self.errors and start is None:
            self.add_error("start", "Give the first day of the period.")
        if "end" not in self.errors and end is None:
            self.add_error("end", "Give the last day of the period.")
        if end and end >= date.max:
            self.add_error("end", "Give a last day before 31 December 9999.")
        elif start and end:
            if start > end:
                self.add_error("end", "The last day is before the first.")
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", f"A report covers {MAX_DAYS} days at most.")
        return data

    def chosen_period(self, today: date | None = None) -> Period:
        """The period asked for, or the default one when the input is bad (see `errors`)."""
        if not self.is_valid():
            return period_last_days(DEFAULT_DAYS, today)
        data = self.cleaned_data
        if data.get("period") == CUSTOM:
            return Period(first_day=data["start"], last_day=data["end"])
        return period_last_days(int(data.get("period") or DEFAULT_DAYS), today)


class RuleChoiceForm(forms.Form):
    """The rules whose suggested points to preview or apply: only rules with a suggestion that
    changes their points may be chosen."""

    rule = forms.TypedMultipleChoiceField(
        label="Rules",
        coerce=int,
        error_messages={
            "required": "Tick at least one rule.",
            "invalid_choice": "There is no suggestion to apply for one of these rules.",
        },
    )

    def __init__(self, *args, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [
            (s.rule.pk, s.rule.name) for s in suggestions if s.changes_points
        ]
