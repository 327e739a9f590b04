from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports"

    def ready(self):
        # Registers the eraser of what this app keeps about a person (leads/privacy/erasure.py).
        from exports import privacy  # noqa: F401
