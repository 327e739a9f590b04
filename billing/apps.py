from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # Registers the eraser of the qualified-lead records (leads/privacy/erasure.py).
        from billing import privacy  # noqa: F401
