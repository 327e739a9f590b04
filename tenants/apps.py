from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Workspaces and people"

    def ready(self):
        from tenants import routing  # noqa: F401  (connects its receiver)
