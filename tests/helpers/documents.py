"""Building blocks of the GED tests: folders at a path, files with real signatures, deposits."""

import io

import pillow_heif
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ged.models import Channel, Document, Folder
from ged.services.deposit import document_deposit
from ged.services.folders import folder_path_ensure
from welyb_portal.tenancy.models import Company, User

# Small files whose first bytes are what they claim to be.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
CSV = "date;libellé;montant\n2026-01-05;Farine;120,50\n".encode()

# Pillow writes HEIF photos, as phones do, with libheif (the portal reads them with it).
pillow_heif.register_heif_opener()


def with_brands(heif: bytes, major: bytes, compatible: tuple[bytes, bytes, bytes]) -> bytes:
    """A HEIF file as pillow-heif writes it ("ftyp" box: major brand "heic", then "mif1",
    "heic", "miaf"), under the brands another camera or program writes."""
    assert heif[:8] == b"\x00\x00\x00\x1cftyp"  # a box of 28 bytes
    return heif[:8] + major + heif[12:16] + b"".join(compatible) + heif[28:]


def phone_photo(format_: str = "HEIF", *, orientation: int = 1, size=(64, 48)) -> bytes:
    """A photo with a red mark in its top left corner, as a phone stores it: its pixels as the
    sensor saw them, and the orientation to show them in (EXIF)."""
    image = Image.new("RGB", size, (240, 240, 240))
    image.paste((220, 20, 20), (0, 0, 12, 12))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format_, exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def folder_at(company: Company, path: str, by: User | None = None) -> Folder:
    """The folder at "A/B/C" in the company's GED, created where missing."""
    return folder_path_ensure(company=company, names=path.split("/"), by=by)


def upload(name: str = "facture.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def deposit(
    folder: Folder,
    name: str = "facture.pdf",
    content: bytes = PDF,
    by: User | None = None,
    channel: str = Channel.WEB,
) -> Document:
    return document_deposit(
        folder=folder, file=io.BytesIO(content), name=name, by=by, channel=channel
    )
