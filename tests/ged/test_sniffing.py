"""The type a document is stored and served with comes from its bytes, never from its name."""

import io
import random
import zipfile

import pytest
from PIL import Image

from ged.sniffing import HEAD_BYTES, sniff_content_type
from tests.helpers.documents import CSV, PDF, PNG, deposit, folder_at, with_brands

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def image_bytes(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, format_)
    return buffer.getvalue()


def office_bytes(main_part: str, main_type: str) -> bytes:
    """A minimal Office Open XML package, its parts in the order Office writes them."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    )
    relationships = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="' + main_part + '" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", relationships)
        package.writestr(main_part, "<root/>")
    return buffer.getvalue()


DOCX = office_bytes(
    "word/document.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
)
XLSX = office_bytes(
    "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)


@pytest.fixture
def achats(world):
    return folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("facture.pdf", PDF, "application/pdf"),
        ("ticket.png", PNG, "image/png"),
        ("ticket-pillow.png", image_bytes("PNG"), "image/png"),
        ("photo-ticket.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("contrat.docx", DOCX, DOCX_TYPE),
        ("grand-livre.xlsx", XLSX, XLSX_TYPE),
        ("releve.csv", CSV, "text/plain"),
    ],
    ids=["pdf", "png", "png_pillow", "jpeg_pillow", "docx", "xlsx", "csv"],
)
def test_a_deposited_file_is_stored_with_the_type_its_bytes_show(
    achats, name, content, content_type
):
    document = deposit(achats, name=name, content=content)

    assert document.content_type == content_type


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (image_bytes("HEIF"), "image/heic"),
        (with_brands(image_bytes("HEIF"), b"mif1", (b"mif1", b"heic", b"miaf")), "image/heic"),
        (with_brands(image_bytes("HEIF"), b"mif1", (b"mif1", b"miaf", b"MiHE")), "image/heif"),
        (with_brands(image_bytes("HEIF"), b"heix", (b"mif1", b"heix", b"miaf")), "image/heif"),
        (image_bytes("AVIF"), "image/avif"),
        (image_bytes("WEBP"), "image/webp"),
        (image_bytes("TIFF"), "image/tiff"),
    ],
    ids=["heic", "mif1_heic", "mif1", "heix", "avif", "webp", "tiff"],
)
def test_a_photo_is_stored_with_the_type_its_bytes_show_whichever_camera_wrote_it(
    achats, content, content_type
):
    document = deposit(achats, name="IMG_0001", content=content)

    assert document.content_type == content_type


def test_a_heif_image_sequence_is_not_named_a_photo(achats):
    sequence = with_brands(image_bytes("HEIF"), b"msf1", (b"msf1", b"hevc", b"miaf"))

    document = deposit(achats, name="rafale.heic", content=sequence)

    assert document.content_type == "application/octet-stream"


def test_a_pdf_that_is_really_text_is_stored_as_text_not_as_pdf(achats):
    document = deposit(achats, name="facture.pdf", content=b"Ceci n'est pas un PDF.\n")

    assert document.content_type == "text/plain"
    assert document.extension == "pdf"  # the name's extension is kept beside the sniffed type


def test_an_image_named_as_a_pdf_is_stored_as_an_image(achats):
    document = deposit(achats, name="facture.pdf", content=image_bytes("JPEG"))

    assert document.content_type == "image/jpeg"


def test_a_spreadsheet_named_csv_is_stored_as_a_spreadsheet(achats):
    document = deposit(achats, name="export.csv", content=XLSX)

    assert document.content_type == XLSX_TYPE


@pytest.mark.parametrize(
    "content",
    [
        "date;libellé;montant\n2026-01-05;Café;3,20\n".encode(),
        "date;libellé;montant\n2026-01-05;Café;3,20\n".encode("cp1252"),
        "\ufeffRelevé de compte – février\n".encode(),
        "Écritures: ça, là, où, ê, ï, œ\r\n".encode(),
    ],
    ids=["utf8_csv", "windows_1252_csv", "utf8_with_bom", "accented_text"],
)
def test_text_and_csv_with_accents_are_plain_text(achats, content):
    document = deposit(achats, name="releve.csv", content=content)

    assert document.content_type == "text/plain"


def test_a_long_text_whose_accent_straddles_the_sniffed_window_is_still_text():
    content = ("a" * (HEAD_BYTES - 1) + "é et la suite").encode()
    assert content[:HEAD_BYTES].endswith(b"\xc3")  # the "é" is cut in two by the window

    assert sniff_content_type(content[:HEAD_BYTES]) == "text/plain"


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>Facture</body></html>",
        b"\xef\xbb\xbf\n  <html lang='fr'><head></head></html>",
        b"<HTML><BODY>FACTURE</BODY></HTML>",
        b"<p>Bonjour</p><script>alert(1)</script>",
    ],
    ids=["doctype", "bom_and_spaces", "upper_case", "script"],
)
def test_an_html_page_is_named_html_whatever_its_file_name(achats, content):
    document = deposit(achats, name="facture.txt", content=content)

    assert document.content_type == "text/html"


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
    ids=["bare", "with_xml_declaration"],
)
def test_an_svg_image_is_named_svg_whatever_its_file_name(achats, content):
    document = deposit(achats, name="logo.png", content=content)

    assert document.content_type == "image/svg+xml"


def test_random_bytes_are_an_octet_stream(achats):
    content = b"\x00\x9f" + random.Random(20260105).randbytes(4096)

    document = deposit(achats, name="inconnu.pdf", content=content)

    assert document.content_type == "application/octet-stream"


def test_invalid_utf8_that_is_not_windows_1252_either_is_an_octet_stream():
    # 0x81 is undefined in Windows-1252 and cannot start a UTF-8 character.
    assert sniff_content_type(b"abc\x81\x81\x81 def" + b"x" * 100) == "application/octet-stream"


def test_a_big_pdf_is_judged_by_its_signature_not_by_what_follows(achats):
    content = PDF + b"\x00" * (3 * HEAD_BYTES)

    document = deposit(achats, name="gros.pdf", content=content)

    assert document.content_type == "application/pdf"
    assert document.size == len(content)
