from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads"

    def ready(self):
        # Registers the erasers of the leads tables (leads/privacy/erasure.py).
        from leads.privacy import erasers  # noqa: F401
