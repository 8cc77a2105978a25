"""Collection addresses imported from a CSV file: a preview of every row, then one transaction
for all the valid ones."""

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Cabinet, Company, User
from welyb_portal.tenancy.validators import normalize_siren

from ..connectors import connector_for
from ..models import PartnerApp
from .authorizations import authorization_set

CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 5000
COMPANY_HEADERS = {"entreprise", "societe", "nom", "siren", "company"}
ADDRESS_HEADERS = {"adresse", "adresse de collecte", "email", "e-mail", "mail", "address"}


class RowStatus:
    OK = "ok"
    UNKNOWN_COMPANY = "unknown_company"
    AMBIGUOUS_COMPANY = "ambiguous_company"
    INVALID_ADDRESS = "invalid_address"
    REPEATED = "repeated"


@dataclass
class ImportRow:
    line: int
    company_label: str
    address: str
    status: str = RowStatus.OK
    message: str = ""
    company: Company | None = None
    clean_address: str = ""

    @property
    def is_valid(self) -> bool:
        return self.status == RowStatus.OK


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_count(self) -> int:
        return len(self.rows) - len(self.valid_rows)


def _plain(text: str) -> str:
    """Header or company name compared without case or accents."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _decode(content: bytes) -> str:
    if len(content) > CSV_MAX_BYTES:
        raise ValidationError(_("Fichier trop volumineux (1 Mo maximum)."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _(
                "Ce fichier n'est pas encodé en UTF-8. Dans Excel, enregistrez-le au format "
                "« CSV UTF-8 (délimité par des virgules) »."
            )
        ) from error


def _records(text: str) -> tuple[list[str], list[list[str]]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValidationError(_("Le fichier est vide."))
    if len(lines) == 1:
        raise ValidationError(
            _("Le fichier n'a que sa ligne d'en-tête : aucune adresse à importer.")
        )
    # French spreadsheets separate with ";" (the comma is the decimal mark): it wins when present.
    if ";" in lines[0]:
        delimiter = ";"
    else:
        try:
            delimiter = csv.Sniffer().sniff(lines[0], delimiters=",\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ValidationError(_("Fichier CSV illisible : %(error)s") % {"error": error}) from error
    return records[0], records[1:]


def _columns(header: list[str]) -> tuple[int, int]:
    names = [_plain(cell) for cell in header]
    company = next((i for i, name in enumerate(names) if name in COMPANY_HEADERS), None)
    address = next((i for i, name in enumerate(names) if name in ADDRESS_HEADERS), None)
    if company is None or address is None:
        raise ValidationError(
            _(
                "Colonnes attendues sur la première ligne : « entreprise » (nom ou SIREN) et "
                "« adresse »."
            )
        )
    return company, address


def _cell(record: list[str], index: int) -> str:
    return record[index].strip() if index < len(record) else ""


def authorizations_csv_read(*, cabinet: Cabinet, app: PartnerApp, content: bytes) -> ImportPreview:
    """Reads a CSV of (company name or SIREN, collection address) and judges every row,
    saving nothing. Refused as a whole (ValidationError): not UTF-8, over 1 MB or 5,000 rows,
    no header naming the two columns."""
    header, records = _records(_decode(content))
    company_column, address_column = _columns(header)
    if len(records) > CSV_MAX_ROWS:
        raise ValidationError(_("Trop de lignes (5 000 au plus)."))
    by_name: dict[str, list[Company]] = {}
    by_siren: dict[str, Company] = {}
    for company in Company.objects.filter(cabinet=cabinet):
        by_name.setdefault(_plain(company.name), []).append(company)
        if company.siren:
            by_siren[company.siren] = company
    connector = connector_for(app)
    preview, seen = ImportPreview(), set()
    for line, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        row = ImportRow(
            line=line,
            company_label=_cell(record, company_column),
            address=_cell(record, address_column),
        )
        # A label that is one of the cabinet's SIRENs names that company; anything else, a name.
        siren = normalize_siren(row.company_label)
        matches = (
            [by_siren[siren]] if siren in by_siren else by_name.get(_plain(row.company_label), [])
        )
        if not matches:
            row.status, row.message = (
                RowStatus.UNKNOWN_COMPANY,
                _("Entreprise inconnue du cabinet."),
            )
        elif len(matches) > 1:
            row.status = RowStatus.AMBIGUOUS_COMPANY
            row.message = _("Plusieurs entreprises portent ce nom : indiquez le SIREN.")
        else:
            row.company = matches[0]
            try:
                row.clean_address = connector.address_clean(row.address)
            except ValidationError as error:
                row.status, row.message = RowStatus.INVALID_ADDRESS, " ".join(error.messages)
            else:
                if row.company.pk in seen:
                    row.status = RowStatus.REPEATED
                    row.message = _("Entreprise déjà présente plus haut dans le fichier.")
                seen.add(row.company.pk)
        preview.rows.append(row)
    return preview


def authorizations_csv_apply(*, cabinet: Cabinet, app: PartnerApp, content: bytes, by: User) -> int:
    """Authorises every valid row of the file with its address, all in one transaction;
    returns how many rows were applied."""
    preview = authorizations_csv_read(cabinet=cabinet, app=app, content=content)
    # A valid row names one company of the cabinet.
    rows = [(row.company, row) for row in preview.valid_rows if row.company is not None]
    with transaction.atomic():
        for company, row in rows:
            authorization_set(
                company=company,
                app=app,
                enabled=True,
                collection_email=row.clean_address,
                by=by,
            )
    return len(rows)
