from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """The floor every app stands on: cabinets, companies, users, host routing, audit trail."""

    name = "welyb_portal.tenancy"
    label = "tenancy"
    verbose_name = "Cabinets et utilisateurs"
