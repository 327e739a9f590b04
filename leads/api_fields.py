"""Input fields shared by the tracking endpoint (leads/public_views.py) and the REST API
(leads/api.py)."""

from django.core.validators import URLValidator
from rest_framework import serializers

URL_MAX_LENGTH = 2000  # LeadEvent.url and .referrer


class HttpUrlField(serializers.URLField):
    """An http(s) address: no javascript:, data: or ftp: in a lead's timeline."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", URL_MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators.append(
            URLValidator(schemes=["http", "https"], message="Enter an http or https address.")
        )


class VisitorIdField(serializers.RegexField):
    """The first-party id embed.js keeps in the visitor's browser (a UUID, usually)."""

    def __init__(self, **kwargs):
        super().__init__(
            r"^[A-Za-z0-9-]{8,64}$",
            error_messages={"invalid": "8 to 64 letters, digits or dashes."},
            **kwargs,
        )
