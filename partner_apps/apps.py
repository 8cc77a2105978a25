from django.apps import AppConfig


class PartnerAppsConfig(AppConfig):
    """The store of partner apps, company authorisations, folder automations and the outbox of
    deliveries. Listens to the GED's deposits; never imports a connector."""

    name = "partner_apps"
    verbose_name = "Applications partenaires"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the receivers
