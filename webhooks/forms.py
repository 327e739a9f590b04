"""Input of the webhooks pages: an endpoint's address, description and events. Whether the
address may receive webhooks (SSRF) is the service's check; its errors land on the fields."""

from django import forms

from webhooks.models import EventType


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Endpoint URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where Parley POSTs each event, e.g. https://example.com/parley/webhooks.",
        error_messages={"invalid": "Give a full address, such as https://example.com/hooks."},
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one event.",
            "invalid_choice": "Unknown event: %(value)s.",
        },
    )
