from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        # Registers the eraser of what this app keeps about a person (leads/privacy/erasure.py).
        from webhooks import privacy  # noqa: F401
