from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from welyb_portal.tenancy.plurals import nplural

from ...services.tree import annual_folder_name, annual_folders_create


class Command(BaseCommand):
    help = "Crée le « Dossier comptable annuel » de l'année pour chaque entreprise (sans doublon)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="par défaut, l'année en cours")

    def handle(self, *args, year=None, **options):
        year = year or timezone.localdate().year
        if not 2000 <= year <= 2100:
            raise CommandError("Année attendue entre 2000 et 2100.")
        created = annual_folders_create(year=year)
        message = nplural(
            "« %(folder)s » créé pour %(n)s entreprise.",
            "« %(folder)s » créé pour %(n)s entreprises.",
            created,
        )
        self.stdout.write(message % {"folder": annual_folder_name(year), "n": created})
