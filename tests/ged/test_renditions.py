"""A photo from a phone or a scan in a format partners refuse (HEIC, HEIF, AVIF, WebP, TIFF) is
sent as what they take: a JPEG the right way up, or a PDF of every page in order. The files are
made here, with Pillow and libheif, as cameras and scanners make them."""

import contextlib
import hashlib
import io
import random
import struct

import pytest
from django.core.files.storage import default_storage
from PIL import ExifTags, Image, ImageCms, PdfParser

from ged.renditions import (
    CONVERTIBLE_TYPES,
    MAX_SIDE,
    ImageTooLarge,
    Rendition,
    UnreadableFile,
    document_rendition,
    rendition_convert,
)
from tests.helpers.documents import PNG, deposit, folder_at, with_brands

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 160, 0), (0, 0, 255), (255, 255, 255)
UNREADABLE = "Le fichier est illisible ou endommagé : il ne peut pas être converti."

# What each format is, for Pillow, and the type the GED sniffs for it.
HEIC = ("HEIF", "image/heic")
AVIF = ("AVIF", "image/avif")
WEBP = ("WEBP", "image/webp")
TIFF = ("TIFF", "image/tiff")


def encoded(image: Image.Image, format_: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_, **options)
    return buffer.getvalue()


def convert(content: bytes, content_type: str, name: str = "photo") -> Rendition:
    return rendition_convert(file=io.BytesIO(content), name=name, content_type=content_type)


def opened(rendition: Rendition) -> Image.Image:
    assert rendition.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(rendition.content))
    assert image.format == "JPEG"
    return image


def near(pixel, expected, tolerance: int = 24) -> bool:
    """Colours as a reader sees them: lossy codecs move them a little."""
    pixel = pixel if isinstance(pixel, tuple) else (pixel,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# A portrait photo of a receipt, as the person saw it: a red mark in the top left corner.
UPRIGHT_SIZE = (48, 64)
MARK = 16


def upright_photo() -> Image.Image:
    image = Image.new("RGB", UPRIGHT_SIZE, WHITE)
    image.paste(RED, (0, 0, MARK, MARK))
    return image


# How a camera stores a photo taken sideways or upside down: the sensor's pixels, and the
# EXIF orientation that turns them upright (the inverse of each transposition).
STORED_AS = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def taken_with_orientation(orientation: int, format_: str, **options) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    stored = upright_photo().transpose(STORED_AS[orientation])
    return encoded(stored, format_, exif=exif.tobytes(), **options)


def assert_upright(image: Image.Image) -> None:
    assert image.size == UPRIGHT_SIZE
    right, bottom = UPRIGHT_SIZE[0] - MARK // 2, UPRIGHT_SIZE[1] - MARK // 2
    centre = MARK // 2
    assert near(image.getpixel((centre, centre)), RED)
    for corner in ((right, centre), (centre, bottom), (right, bottom)):
        assert near(image.getpixel(corner), WHITE), corner


def test_an_iphone_photo_taken_sideways_is_sent_upright_as_a_jpeg():
    content = taken_with_orientation(6, "HEIF", quality=90)
    assert Image.open(io.BytesIO(content)).size == UPRIGHT_SIZE  # libheif turned it on opening

    rendition = convert(content, "image/heic", name="IMG_0001.HEIC")

    assert rendition.name == "IMG_0001.jpg"
    assert_upright(opened(rendition))


@pytest.mark.parametrize(
    ("format_", "content_type", "orientation", "options"),
    [
        ("HEIF", "image/heic", 8, {}),
        ("WEBP", "image/webp", 3, {"quality": 90}),
        ("WEBP", "image/webp", 6, {"quality": 90}),
        ("WEBP", "image/webp", 8, {"quality": 90}),
        ("TIFF", "image/tiff", 6, {"compression": "jpeg"}),
        ("AVIF", "image/avif", 6, {"quality": 90}),
    ],
    ids=["heic_8", "webp_3", "webp_6", "webp_8", "jpeg_in_tiff_6", "avif_6"],
)
def test_a_photo_taken_sideways_or_upside_down_is_sent_upright(
    format_, content_type, orientation, options
):
    content = taken_with_orientation(orientation, format_, **options)

    assert_upright(opened(convert(content, content_type)))


def test_what_is_transparent_in_a_webp_is_white_in_the_jpeg():
    image = Image.new("RGBA", (32, 16), (0, 0, 0, 0))
    image.paste((*RED, 255), (16, 0, 32, 16))

    jpeg = opened(convert(encoded(image, "WEBP", lossless=True), "image/webp"))

    assert jpeg.mode == "RGB"
    assert near(jpeg.getpixel((4, 8)), WHITE)
    assert near(jpeg.getpixel((28, 8)), RED)


def palette_image() -> Image.Image:
    image = Image.new("P", (16, 16), 1)
    image.putpalette([*WHITE, *GREEN])
    return image


@pytest.mark.parametrize(
    ("image", "mode", "pixel"),
    [
        (Image.new("1", (16, 16), 0), "L", 0),
        (Image.new("L", (16, 16), 90), "L", 90),
        (Image.new("LA", (16, 16), (0, 128)), "L", 128),  # black at half opacity, on white
        (Image.new("I;16", (16, 16), 32768), "L", 128),  # 16-bit mid-grey, not clipped to white
        (palette_image(), "RGB", GREEN),
        (Image.new("RGBA", (16, 16), (*BLUE, 255)), "RGB", BLUE),
        (Image.new("CMYK", (16, 16), (255, 0, 0, 0)), "RGB", (0, 255, 255)),  # cyan ink
    ],
    ids=["bilevel", "grey", "grey_with_alpha", "grey_16_bit", "palette", "rgba", "cmyk"],
)
def test_every_kind_of_pixel_is_sent_as_8_bit_grey_or_rgb(image, mode, pixel):
    jpeg = opened(convert(encoded(image, "TIFF"), "image/tiff"))

    assert jpeg.mode == mode
    assert near(jpeg.getpixel((8, 8)), pixel)


def pdf_pages(content: bytes) -> list[tuple[dict, PdfParser.PdfStream]]:
    """Each page of a PDF, in reading order, with the one image drawn on it."""
    assert content.startswith(b"%PDF-")
    pdf = PdfParser.PdfParser(buf=content)
    pages = []
    for reference in pdf.pages:
        page = pdf.read_indirect(reference)
        image = pdf.read_indirect(page[b"Resources"][b"XObject"][b"image"])
        pages.append((page, image))
    return pages


def test_a_three_page_tiff_is_sent_as_one_pdf_with_its_pages_in_order():
    first, *others = [Image.new("RGB", (60, 80), colour) for colour in (RED, GREEN, BLUE)]
    content = encoded(first, "TIFF", save_all=True, append_images=others)

    rendition = convert(content, "image/tiff", name="scan.tiff")

    assert rendition.name == "scan.pdf"
    assert rendition.content_type == "application/pdf"
    pages = pdf_pages(rendition.content)
    assert len(pages) == 3
    for (_page, image), colour in zip(pages, (RED, GREEN, BLUE), strict=True):
        assert image.dictionary[b"Filter"] == PdfParser.PdfName("DCTDecode")
        assert near(Image.open(io.BytesIO(image.buf)).getpixel((30, 40)), colour)


def test_a_bilevel_page_stays_bilevel_and_a_grey_page_grey_in_the_pdf():
    first, *others = [
        Image.new("1", (64, 64), 1),
        Image.new("L", (64, 64), 90),
        Image.new("RGB", (64, 64), BLUE),
    ]
    content = encoded(first, "TIFF", save_all=True, append_images=others)

    (_, bilevel), (_, grey), (_, colour) = pdf_pages(convert(content, "image/tiff").content)

    assert bilevel.dictionary[b"Filter"] == [PdfParser.PdfName("CCITTFaxDecode")]
    assert bilevel.dictionary[b"BitsPerComponent"] == 1
    assert grey.dictionary[b"ColorSpace"] == PdfParser.PdfName("DeviceGray")
    assert colour.dictionary[b"ColorSpace"] == PdfParser.PdfName("DeviceRGB")


def test_a_page_of_the_pdf_keeps_the_size_on_paper_of_the_scanned_page():
    # A strip 8200 pixels long scanned at 600 dpi: 13.67 inches, 984 points, however many
    # pixels are left once it is scaled down.
    first, other = Image.new("L", (8200, 100), 200), Image.new("L", (8200, 100), 100)
    content = encoded(first, "TIFF", save_all=True, append_images=[other], dpi=(600, 600))

    pages = pdf_pages(convert(content, "image/tiff").content)

    for page, image in pages:
        assert image.dictionary[b"Width"] == MAX_SIDE
        assert page[b"MediaBox"][2] == pytest.approx(984, abs=1)


def test_a_one_page_tiff_is_sent_as_a_jpeg():
    content = encoded(Image.new("RGB", (60, 80), GREEN), "TIFF", compression="tiff_lzw")

    rendition = convert(content, "image/tiff", name="scan.tiff")

    assert rendition.name == "scan.jpg"
    assert near(opened(rendition).getpixel((30, 40)), GREEN)


def test_a_48_megapixel_photo_is_scaled_down_to_4096_pixels_on_its_long_side():
    content = encoded(Image.new("RGB", (8064, 6048), BLUE), "TIFF", compression="jpeg")

    jpeg = opened(convert(content, "image/tiff"))

    assert jpeg.size == (4096, 3072)
    assert near(jpeg.getpixel((2048, 1536)), BLUE)


@pytest.mark.parametrize("size", [(4032, 3024), (64, 48)], ids=["12_megapixels", "small"])
def test_a_photo_within_the_cap_keeps_its_size_and_is_never_enlarged(size):
    content = encoded(Image.new("RGB", size, GREEN), "TIFF", compression="jpeg")

    assert opened(convert(content, "image/tiff")).size == size


# Pillow warns of what it skips in a damaged TIFF ("Tag data larger than file", "Corrupt EXIF
# data") before the file is found unreadable.
damaged_tiff_warnings = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")


def tiff_declaring(width: int, height: int) -> bytes:
    """The first bytes of a grey TIFF of width x height pixels: an IFD, and no pixels."""
    entries = [(256, width), (257, height), (258, 8), (259, 1), (262, 1), (273, 8), (278, height)]
    directory = struct.pack("<H", len(entries) + 1)
    for tag, value in entries:
        directory += struct.pack("<HHII", tag, 4, 1, value)  # LONG values
    directory += struct.pack("<HHII", 279, 4, 1, 2**32 - 1) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + directory


@pytest.mark.parametrize(
    "size", [(9000, 9000), (40000, 40000)], ids=["81_megapixels", "1.6_gigapixels"]
)
def test_a_file_declaring_too_many_pixels_is_refused_without_decoding_them(size):
    with pytest.raises(ImageTooLarge) as refusal:
        convert(tiff_declaring(*size), "image/tiff")

    assert refusal.value.message == (
        "L'image est trop grande pour être convertie (80 mégapixels au plus)."
    )


def picture(size: tuple[int, int]) -> Image.Image:
    """Something like a photo, the same every time: colours that change across the frame."""
    across, around = Image.linear_gradient("L"), Image.radial_gradient("L")
    return Image.merge("RGB", (across, around, across.rotate(90))).resize(size)


HEIC_PHOTO = encoded(picture((64, 48)), "HEIF")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (HEIC_PHOTO[: len(HEIC_PHOTO) // 2], "image/heic"),
        (random.Random(13).randbytes(4096), "image/heic"),
        (b"RIFF\x00\x10\x00\x00WEBPVP8 " + random.Random(14).randbytes(4096), "image/webp"),
        (b"II*\x00" + random.Random(15).randbytes(4096), "image/tiff"),
        (b"", "image/tiff"),
        (PNG, "image/heic"),
        (encoded(Image.new("RGB", (8, 8)), "WEBP"), "image/tiff"),
    ],
    ids=[
        "truncated_heic",
        "random_bytes",
        "webp_header_and_noise",
        "tiff_header_and_noise",
        "empty",
        "png_said_heic",
        "webp_said_tiff",
    ],
)
@damaged_tiff_warnings
def test_a_damaged_file_or_one_that_is_not_what_its_type_says_is_unreadable(content, content_type):
    with pytest.raises(UnreadableFile) as refusal:
        convert(content, content_type)

    assert refusal.value.message == UNREADABLE


@pytest.mark.parametrize(
    ("format_", "content_type", "options"),
    [
        (*HEIC, {}),
        (*AVIF, {}),
        (*WEBP, {}),
        (*TIFF, {"compression": "jpeg"}),
        (
            *TIFF,
            {
                "compression": "tiff_lzw",
                "save_all": True,
                "append_images": [Image.new("L", (32, 24))],
            },
        ),
    ],
    ids=["heic", "avif", "webp", "jpeg_in_tiff", "two_page_tiff"],
)
@damaged_tiff_warnings
def test_a_file_damaged_anywhere_is_converted_or_unreadable_and_nothing_else(
    format_, content_type, options
):
    sound = encoded(picture((32, 24)), format_, **options)
    rng = random.Random(f"{format_}{options.get('compression')}")
    for _ in range(40):
        damaged = bytearray(sound[: rng.randrange(len(sound))] if rng.random() < 0.3 else sound)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        # Any other exception fails the test: the caller could not tell the depositor why.
        with contextlib.suppress(UnreadableFile):
            convert(bytes(damaged), content_type)


@pytest.mark.parametrize(
    ("name", "renamed"),
    [
        ("IMG_0001.HEIC", "IMG_0001.jpg"),
        ("Reçu café – été 2026.webp", "Reçu café – été 2026.jpg"),
        ("領収書 3.tif", "領収書 3.jpg"),
        ("ticket.de.caisse.webp", "ticket.de.caisse.jpg"),
        ("photo", "photo.jpg"),
    ],
)
def test_the_rendition_keeps_the_name_and_takes_its_own_extension(name, renamed):
    content = encoded(Image.new("RGB", (8, 8), RED), "TIFF")

    assert convert(content, "image/tiff", name=name).name == renamed


def test_the_colour_profile_is_kept_and_the_exif_location_is_not():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    content = encoded(upright_photo(), "HEIF", icc_profile=profile, exif=exif.tobytes())
    assert Image.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    jpeg = opened(convert(content, "image/heic"))

    assert jpeg.info["icc_profile"] == profile
    assert "exif" not in jpeg.info


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "image/png"])
def test_asking_a_rendition_of_a_type_that_needs_none_is_a_programming_error(content_type):
    assert content_type not in CONVERTIBLE_TYPES

    with pytest.raises(ValueError, match="no rendition"):
        convert(PNG, content_type)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "brands", "content_type", "renamed"),
    [
        ("IMG_0042.HEIC", None, "image/heic", "IMG_0042.jpg"),
        ("_MG_0042.HIF", (b"heix", (b"mif1", b"heix", b"miaf")), "image/heif", "_MG_0042.jpg"),
    ],
    ids=["iphone", "canon_10_bit"],
)
def test_a_deposited_photo_is_sent_as_a_jpeg_and_stays_as_it_was_in_the_ged(
    world, name, brands, content_type, renamed
):
    folder = folder_at(world.a.company, "Dossier comptable annuel 2026/Notes de frais")
    content = taken_with_orientation(6, "HEIF")
    content = with_brands(content, *brands) if brands else content
    document = deposit(folder, name=name, content=content, by=world.a.client)
    assert document.content_type == content_type

    rendition = document_rendition(document=document)

    assert rendition.name == renamed
    assert_upright(opened(rendition))
    document.refresh_from_db()
    assert (document.name, document.content_type, document.size) == (
        name,
        content_type,
        len(content),
    )
    with default_storage.open(document.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == document.sha256
