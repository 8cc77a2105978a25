from django.conf import settings
from django.core.management.base import BaseCommand

from welyb_portal.tenancy.plurals import nplural

from ...services.trash_retention import trash_purge


class Command(BaseCommand):
    help = (
        "Supprime définitivement, fichiers compris, les documents et dossiers mis à la "
        "corbeille depuis plus de TRASH_RETENTION_DAYS jours (ce que Celery beat fait chaque "
        "nuit)."
    )

    def handle(self, *args, **options):
        counts = trash_purge()
        self.stdout.write(
            nplural(
                "%(n)s document supprimé définitivement",
                "%(n)s documents supprimés définitivement",
                counts.documents,
            )
            % {"n": counts.documents}
            + nplural(", %(n)s dossier", ", %(n)s dossiers", counts.folders) % {"n": counts.folders}
            + nplural(
                " (corbeille de plus de %(n)s jour).",
                " (corbeille de plus de %(n)s jours).",
                settings.TRASH_RETENTION_DAYS,
            )
            % {"n": settings.TRASH_RETENTION_DAYS}
        )
