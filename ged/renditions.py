"""Renditions: a document's file in a format a partner accepts, the GED keeping the original.

A phone photo (HEIC, HEIF, AVIF, WebP) or a one-page TIFF becomes one JPEG; a TIFF of several
pages becomes one PDF, a page for each of its pages, in order. Any partner may ask for one at
send time: nothing here knows who asks, and nothing is stored.
"""

import io
from dataclasses import dataclass
from typing import IO

import pillow_heif
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, TiffImagePlugin

from .models import Document
from .names import extension_of

# HEIC and HEIF photos open through libheif like any other image; AVIF is Pillow's own.
pillow_heif.register_heif_opener()

JPEG = "image/jpeg"
PDF = "application/pdf"

# The sniffed type of each file converted (see ged/sniffing.py), and the one decoder allowed to
# read it: bytes that are not what their type says are unreadable, whatever else they are.
_DECODERS = {
    "image/heic": "HEIF",
    "image/heif": "HEIF",
    "image/avif": "AVIF",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
}
CONVERTIBLE_TYPES = frozenset(_DECODERS)

# The long side of an image or page, in pixels, at most; never enlarged. A 12 MP phone photo
# (4032 x 3024) and an A4 page scanned at 300 dpi (2480 x 3508) keep their size; a 48 MP photo
# (8064 x 6048) comes out at 4096 x 3072, where a receipt's smallest print is still sharp.
MAX_SIDE = 4096
# The pixels an image or page may hold to be decoded at all: more than any phone's own photos
# (48 MP iPhones, 50 and 64 MP Android sensors), fewer than those at which Pillow starts to warn
# of a decompression bomb (89.5 MP). A few bytes can declare billions. Decoding a HEIF photo
# takes about 7 bytes a pixel at its peak (libheif's copy, then Pillow's): 350 MB for 48 MP
# (docs/benchmarks.md), some 560 MB at this cap.
MAX_PIXELS = 80_000_000
# Pillow's scale (1-95) for a photo: smaller files than the phone's own, no visible loss on a
# document. A PDF's grey and colour pages have Pillow's default (75): its PDF writer hands its
# options to every page, and a bilevel page, written as a fax (CCITT G4), refuses a JPEG quality.
JPEG_QUALITY = 85

# What Pillow's and libheif's decoders raise on damaged bytes, found by mutating real files of
# each format (the tests keep doing so). To the depositor they all say the same thing.
_DAMAGED = (OSError, SyntaxError, ValueError, TypeError, LookupError, EOFError, RuntimeError)


@dataclass(frozen=True)
class Rendition:
    """A file made from a document for a partner: its name, its type and its bytes."""

    name: str
    content_type: str
    content: bytes


class UnreadableFile(Exception):
    """The file cannot be converted: damaged, cut short, empty, or not what its type says.
    `message` says so in French, in words fit for the depositor."""

    def __init__(self, message: str = ""):
        self.message = message or _(
            "Le fichier est illisible ou endommagé : il ne peut pas être converti."
        )
        super().__init__(self.message)


class ImageTooLarge(UnreadableFile):
    """The file declares more pixels than MAX_PIXELS in an image or page: it is not decoded."""

    def __init__(self):
        super().__init__(
            _("L'image est trop grande pour être convertie (%(megapixels)s mégapixels au plus).")
            % {"megapixels": MAX_PIXELS // 1_000_000}
        )


def rendition_convert(*, file: IO[bytes], name: str, content_type: str) -> Rendition:
    """The file (seekable, binary) as one JPEG, or as one PDF when it is a TIFF of several pages.

    `name` keeps its stem and takes the new extension ("IMG_0001.HEIC" is "IMG_0001.jpg").
    Each image or page comes out upright (its EXIF orientation applied), on white where it was
    transparent, in 8-bit grey or RGB, its long side at most MAX_SIDE pixels, never enlarged.
    A photo keeps its colour profile but no EXIF (no location, and no orientation left to apply
    twice); a bilevel page stays bilevel in the PDF unless it must be scaled down. Of an animated
    WebP, or a HEIF holding several pictures, the picture shown first stands for the file: only
    a TIFF's frames are pages.

    Raises UnreadableFile when the bytes cannot be decoded as `content_type` (ImageTooLarge when
    an image or page holds more than MAX_PIXELS), and ValueError when `content_type` is not one
    of CONVERTIBLE_TYPES: the caller asks for a rendition of those only.
    """
    if content_type not in CONVERTIBLE_TYPES:
        raise ValueError(f"no rendition for {content_type!r}")
    try:
        with Image.open(file, formats=[_DECODERS[content_type]]) as image:
            if isinstance(image, TiffImagePlugin.TiffImageFile) and image.n_frames > 1:
                return Rendition(name=_renamed(name, "pdf"), content_type=PDF, content=_pdf(image))
            return Rendition(name=_renamed(name, "jpg"), content_type=JPEG, content=_jpeg(image))
    except Image.DecompressionBombError as error:
        raise ImageTooLarge from error
    except _DAMAGED as error:
        raise UnreadableFile from error


def document_rendition(*, document: Document) -> Rendition:
    """The rendition of a document's stored file (see `rendition_convert`), under the document's
    name and sniffed type. The document and its file stay as they are.

    Raises what `rendition_convert` raises, and FileNotFoundError when storage lost the file."""
    with default_storage.open(document.file.name, "rb") as file:
        return rendition_convert(file=file, name=document.name, content_type=document.content_type)


def _renamed(name: str, extension: str) -> str:
    """The name with another extension, its stem as the GED cuts it (`Document.extension`)."""
    old = extension_of(name)
    stem = name[: -len(old) - 1] if old else name
    return f"{stem}.{extension}"


def _jpeg(image: Image.Image) -> bytes:
    profile = image.info.get("icc_profile")
    picture = _fitted(image, keep_bilevel=False)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY, icc_profile=_matching(profile, picture.mode))
    return buffer.getvalue()


def _pdf(tiff: TiffImagePlugin.TiffImageFile) -> bytes:
    """The TIFF's pages as a PDF, each page keeping its size on paper when the scan says it."""
    dpi, scanned_size = tiff.info.get("dpi"), tiff.size
    pages = _Pages(tiff)
    options = {}
    if dpi and min(dpi) > 0:
        scale = max(pages.size) / max(scanned_size)
        options["dpi"] = (dpi[0] * scale, dpi[1] * scale)
    buffer = io.BytesIO()
    pages.save(buffer, "PDF", save_all=True, **options)
    return buffer.getvalue()


class _Pages(Image.Image):
    """A TIFF's pages, each made fit for the PDF (see `_fitted`) when Pillow's writer seeks to
    it. Given a list of pages, the writer would hold every one until the end (26 MB for an A4
    page scanned in colour at 300 dpi); given this, it holds one at a time."""

    def __init__(self, tiff: TiffImagePlugin.TiffImageFile):
        super().__init__()
        self._tiff = tiff
        self._page = -1
        self.n_frames = tiff.n_frames
        self.seek(0)

    def seek(self, frame: int) -> None:
        if frame == self._page:
            return
        if not 0 <= frame < self.n_frames:
            raise EOFError("no such page")
        self._tiff.seek(frame)
        page = _fitted(self._tiff, keep_bilevel=True)
        # An image is its pixels, mode and size: this one takes the page's, as Pillow's own
        # multi-frame files do when they seek.
        self.im, self._mode, self._size = page.im, page.mode, page.size
        self._page = frame

    def tell(self) -> int:
        return self._page


def _fitted(frame: Image.Image, *, keep_bilevel: bool) -> Image.Image:
    """The frame decoded, upright, flattened (see `_flattened`) and no larger than MAX_SIDE;
    a bilevel frame that needs no scaling stays bilevel if `keep_bilevel`."""
    if frame.width * frame.height > MAX_PIXELS:
        raise ImageTooLarge
    frame.load()
    # HEIF and TIFF frames were turned upright as they loaded, and say so: this turns the others.
    ImageOps.exif_transpose(frame, in_place=True)
    if keep_bilevel and frame.mode == "1" and max(frame.size) <= MAX_SIDE:
        return frame
    picture = _flattened(frame)
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    return picture


def _flattened(image: Image.Image) -> Image.Image:
    """The image in 8-bit grey ("L") or RGB, as it shows on white where it is transparent.
    16-bit grey (scanners' "I;16") is scaled to 8 bits rather than clipped at white."""
    base = "L" if Image.getmodebase(image.mode) == "L" else "RGB"
    if image.mode.startswith("I"):
        image = image.convert("I").point(lambda value: value / 256)
    if image.has_transparency_data:
        with_alpha = image.convert(f"{base}A")
        canvas = Image.new(base, image.size, "white")
        canvas.paste(with_alpha, mask=with_alpha.getchannel("A"))
        return canvas
    return image if image.mode == base else image.convert(base)


def _matching(profile: bytes | None, mode: str) -> bytes | None:
    """The colour profile if it describes `mode`'s colours: a CMYK profile on RGB pixels would
    mislead every viewer. An ICC profile names its colour space at bytes 16 to 20."""
    space = {"RGB": b"RGB ", "L": b"GRAY"}[mode]
    return profile if profile and profile[16:20] == space else None
