"""The export of a company's GED: one zip archive of its live documents, streamed.

Each document sits under its folders' names (« Dossier comptable annuel 2026/Achats/
facture.pdf »), every live folder is there (empty ones too), and `manifeste.csv` at the root
says, for each document, where it is in the archive, its name, SHA-256, size, deposit (when, by
whom, by which channel) and what the apps built on the GED sent of it, where and when
(settings.GED_DOCUMENT_SENDS). The trash is not exported: the archive is the GED as its users
see it.

Memory stays flat whatever the company's size: the documents are read from the database in
batches through one query, and from storage by chunks of CHUNK_SIZE, and each chunk leaves as
zip bytes before the next is read; the manifest waits in a temporary file (on disk past 1 MiB)
until the last document is in."""

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, Protocol

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import Channel
from ..selectors import FolderNode, document_export_batches, folder_tree
from ..selectors_offboarding import EXPORTED_ACTION
from ..sends import DocumentSend, document_sends
from ..zipstream import UniqueNames, ZipStream, zip_component

MANIFEST_NAME = "manifeste.csv"
CHUNK_SIZE = 1024 * 1024
BATCH_SIZE = 500
MANIFEST_IN_MEMORY = 1024 * 1024
NOBODY = "—"
CHANNELS = dict(Channel.choices)


def _manifest_headers() -> list[str]:
    return [
        _("Chemin"),
        _("Nom"),
        _("SHA-256"),
        _("Taille (octets)"),
        _("Déposé le"),
        _("Déposé par"),
        _("Canal"),
        _("Envois"),
        _("Remarque"),
    ]


def _iso(moment: datetime) -> str:
    """ISO 8601 in the portal's time zone, with its offset: « 2026-03-02T10:15:00+01:00 »."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _cell(value: str) -> str:
    # A spreadsheet would run a name such as « =HYPERLINK(…) » as a formula (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _sends_text(sends: list[DocumentSend]) -> str:
    """« achat.x@inqombox.com : Envoyé le 2026-03-02T10:15:00+01:00 | … »"""
    return " | ".join(
        f"{send.target or NOBODY} : {send.status}"
        + (f" {_('le')} {_iso(send.sent_at)}" if send.sent_at else "")
        for send in sends
    )


def _folder_places(nodes: list[FolderNode]) -> tuple[dict[int, str], dict[int | None, UniqueNames]]:
    """Each folder's path in the archive, by id, and the names taken in each (its subfolders'),
    the root's holding the manifest's. Sibling names that only the archive's rules make equal
    (« A:B » and « A_B ») are numbered like documents."""
    paths: dict[int, str] = {}
    taken: dict[int | None, UniqueNames] = {None: UniqueNames([MANIFEST_NAME])}
    for node in nodes:  # parents before their children
        folder = node.folder
        name = taken[folder.parent_id].claim(zip_component(folder.name))
        paths[folder.pk] = f"{paths[folder.parent_id]}/{name}" if folder.parent_id else name
        taken[folder.pk] = UniqueNames()
    return paths, taken


def _folder_path(folder_id: int, paths: dict[int, str], taken: dict) -> str:
    """The folder's path in the archive; a live folder out of the live tree (under a folder in
    the trash: the trash takes its content along, so this should never be) goes to the root
    under its id rather than be left out."""
    if folder_id not in paths:
        paths[folder_id] = taken[None].claim(f"_{folder_id}")
    return paths[folder_id]


class _Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def _chunks(file: IO[bytes], digest: _Digest) -> Iterator[bytes]:
    with file:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
            yield chunk


class CompanyExport:
    """The archive's bytes, produced as it is iterated; then what went in it. Iterated to its
    end, it writes `company.exported` in the audit trail; an export stopped halfway (the
    download cancelled) writes nothing: it is no export."""

    def __init__(self, *, company: Company, by: User | None, batch_size: int = BATCH_SIZE):
        self.company = company
        self.by = by
        self.batch_size = batch_size
        self.documents = 0
        self.document_bytes = 0
        self.missing = 0
        self.archive_bytes = 0
        self.as_of: datetime | None = None

    def __iter__(self) -> Iterator[bytes]:
        # Before the documents are read: what was deposited after it may be missing.
        self.as_of = timezone.now()
        archive = ZipStream()
        nodes = folder_tree(company=self.company)
        paths, taken = _folder_places(nodes)
        for node in nodes:
            yield from archive.directory(
                paths[node.folder.pk], modified=timezone.localtime(node.folder.created_at)
            )
        with tempfile.SpooledTemporaryFile(max_size=MANIFEST_IN_MEMORY) as spool:
            manifest = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
            writer = csv.writer(manifest, delimiter=";", lineterminator="\r\n")
            yield from self._documents(archive, paths, taken, writer)
            manifest.flush()
            spool.seek(0)
            yield from archive.file(
                MANIFEST_NAME,
                iter(lambda: spool.read(CHUNK_SIZE), b""),
                modified=timezone.localtime(),
                compress=True,
            )
        yield from archive.close()
        self.archive_bytes = archive.size
        self._record()

    def _documents(
        self,
        archive: ZipStream,
        paths: dict[int, str],
        taken: dict[int | None, UniqueNames],
        writer: _RowWriter,
    ) -> Iterator[bytes]:
        """Every document into the archive, and its line into the manifest."""
        writer.writerow(_manifest_headers())
        folder_id, folder = None, ""
        for batch in document_export_batches(company=self.company, batch_size=self.batch_size):
            sends = document_sends(document_ids=[row["pk"] for row in batch])
            for row in batch:
                if row["folder_id"] != folder_id:
                    # Rows come folder by folder: a folder done, its names are forgotten.
                    if folder_id is not None:
                        taken.pop(folder_id, None)
                    folder_id = row["folder_id"]
                    folder = _folder_path(folder_id, paths, taken)
                names = taken.setdefault(folder_id, UniqueNames())
                path = f"{folder}/{names.claim(zip_component(row['name']))}"
                yield from self._document(archive, row, path, sends, writer)

    def _document(
        self,
        archive: ZipStream,
        row: dict[str, Any],
        path: str,
        sends: dict[int, list[DocumentSend]],
        writer: _RowWriter,
    ) -> Iterator[bytes]:
        remark = ""
        try:
            # Raised at once by the file system and by django-storages' S3 alike.
            file = default_storage.open(row["file"], "rb")
        except FileNotFoundError:
            self.missing += 1
            remark = _("Fichier introuvable dans le stockage : absent de l'archive.")
            path = ""
        else:
            digest = hashlib.sha256()
            yield from archive.file(
                path,
                _chunks(file, digest),
                modified=timezone.localtime(row["deposited_at"]),
                size=row["size"],
            )
            if digest.hexdigest() != row["sha256"]:
                remark = _("Octets stockés différents de ceux du dépôt (SHA-256 %(sha)s).") % {
                    "sha": digest.hexdigest()
                }
        self.documents += 1
        self.document_bytes += row["size"]
        writer.writerow(
            [
                _cell(path),
                _cell(row["name"]),
                row["sha256"],
                row["size"],
                _iso(row["deposited_at"]),
                _cell(row["deposited_by__email"] or NOBODY),
                str(CHANNELS.get(row["channel"], row["channel"])),
                _cell(_sends_text(sends.get(row["pk"], []))),
                remark,
            ]
        )

    def _record(self) -> None:
        audit_record(
            cabinet=self.company.cabinet,
            actor=self.by,
            action=EXPORTED_ACTION,
            target=self.company,
            data={
                "as_of": timezone.localtime(self.as_of).isoformat(),  # to the microsecond
                "documents": self.documents,
                "bytes": self.document_bytes,
                "archive_bytes": self.archive_bytes,
                "missing": self.missing,
            },
        )


def company_export(
    *, company: Company, by: User | None, batch_size: int = BATCH_SIZE
) -> CompanyExport:
    """The export of `company`'s live documents as a zip archive, to iterate (a streamed
    response, a file): see the module. `by` is None for the command. Iterated to its end, the
    export writes `company.exported` in the audit trail (`as_of`, when it began to read the
    documents; the documents, their bytes, the archive's bytes, files missing from storage):
    the company's offboarding asks for one newer than its last deposit. A deposit made while
    a long export streams is not in it but precedes the entry: `as_of` is the exact bound."""
    return CompanyExport(company=company, by=by, batch_size=batch_size)
