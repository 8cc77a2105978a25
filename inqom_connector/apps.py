from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def catalogue_reseed(
    sender: object, *, using: str = DEFAULT_DB_ALIAS, apps: Apps = global_apps, **kwargs: object
) -> None:
    """Puts the Inqom apps back after every `migrate` and `flush` (a TransactionTestCase's
    teardown, `manage.py flush`), as Django does for content types: a flush empties the tables
    the data migration seeded, and nothing else would refill them. Idempotent."""
    from .catalogue import catalogue_seed

    try:
        partner_app = apps.get_model("partner_apps", "PartnerApp")
    except LookupError:  # migrated back to before the catalogue existed
        return
    catalogue_seed(partner_app)


class InqomConnectorConfig(AppConfig):
    """The Inqom connectors: collection-address rules, accepted formats, the email sent."""

    name = "inqom_connector"
    verbose_name = "Connecteur Inqom"

    def ready(self) -> None:
        from partner_apps.connectors import connector_register

        from .connectors import INQOM_CONNECTORS

        for connector in INQOM_CONNECTORS:
            connector_register(connector)
        # Sent per app with models: this app has none, so listen for partner_apps'.
        post_migrate.connect(
            catalogue_reseed,
            sender=global_apps.get_app_config("partner_apps"),
            dispatch_uid="inqom_connector.catalogue_reseed",
        )
