from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """The floor every app stands on: cabinets, companies, users, host routing, audit trail."""

    name = "welyb_portal.tenancy"
    label = "tenancy"
    verbose_name = "Cabinets et utilisateurs"

    def ready(self):
        # Connects the receiver that writes a login lock to the audit trail, and the one that
        # marks a staff session at login (its activity, whether a code must verify it).
        from . import session_guards, throttling  # noqa: F401
