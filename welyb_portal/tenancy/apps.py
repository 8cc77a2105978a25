from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """The floor every app stands on: cabinets, companies, users, host routing, audit trail."""

    name = "welyb_portal.tenancy"
    label = "tenancy"
    verbose_name = "Cabinets et utilisateurs"

    def ready(self):
        # Connect their receivers: a login lock goes to the audit trail, a new password
        # revokes the account's API tokens, a staff session is marked at login (its activity,
        # whether a code must verify it).
        from . import session_guards, throttling  # noqa: F401
        from .services import tokens  # noqa: F401
