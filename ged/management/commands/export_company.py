import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from welyb_portal.tenancy.models import Cabinet, Company
from welyb_portal.tenancy.plurals import nplural
from welyb_portal.tenancy.validators import request_id

from ...services.export import company_export


class Command(BaseCommand):
    help = (
        "Exporte les documents d'une entreprise (hors corbeille) dans une archive zip, avec "
        "son manifeste, comme le bouton « Exporter les documents (zip) »."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cabinet", required=True, help="le slug du cabinet")
        parser.add_argument("--company", required=True, help="l'identifiant de l'entreprise")
        parser.add_argument(
            "--output", required=True, help="le fichier .zip à écrire, ou « - » pour stdout"
        )

    def handle(self, *args, cabinet, company, output, **options):
        company = self._company(cabinet, company)
        export = company_export(company=company, by=None)
        if output == "-":
            for chunk in export:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        else:
            _write_whole(export, Path(output))
        summary = nplural(
            "%(n)s document exporté (%(bytes)s octets d'archive).",
            "%(n)s documents exportés (%(bytes)s octets d'archive).",
            export.documents,
        ) % {"n": export.documents, "bytes": export.archive_bytes}
        if export.missing:
            missing = nplural(
                "%(n)s fichier introuvable dans le stockage : voir manifeste.csv.",
                "%(n)s fichiers introuvables dans le stockage : voir manifeste.csv.",
                export.missing,
            )
            summary += " " + missing % {"n": export.missing}
        # stdout may be the archive itself: the summary goes to stderr.
        self.stderr.write(summary)

    def _company(self, slug: str, company_id: str) -> Company:
        cabinet = Cabinet.objects.filter(slug=slug).first()
        if cabinet is None:
            raise CommandError(f"Cabinet inconnu : « {slug} ».")
        pk = request_id(company_id)
        found = (
            Company.objects.filter(cabinet=cabinet, pk=pk).select_related("cabinet").first()
            if pk is not None
            else None
        )
        if found is None:
            raise CommandError(f"Le cabinet « {slug} » n'a pas d'entreprise n° {company_id}.")
        return found


def _write_whole(export, path: Path) -> None:
    """The archive at `path` once complete, never half-written: it is written beside it, then
    renamed."""
    if not path.parent.is_dir():
        raise CommandError(f"Dossier introuvable : « {path.parent} ».")
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            for chunk in export:
                file.write(chunk)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
