from django.apps import AppConfig


class InqomConnectorConfig(AppConfig):
    """The Inqom connectors: collection-address rules, accepted formats, the email sent."""

    name = "inqom_connector"
    verbose_name = "Connecteur Inqom"
