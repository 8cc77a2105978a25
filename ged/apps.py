from django.apps import AppConfig


class GedConfig(AppConfig):
    """The document space of each company: folders, documents, the one deposit service.

    May import the tenancy core, never the partner apps: it announces deposits with signals."""

    name = "ged"
    verbose_name = "GED"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the receivers
