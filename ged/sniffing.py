"""What a file really is, judged from its first bytes rather than from its name."""

import filetype

# filetype reads this many bytes at most.
HEAD_BYTES = 8192

OCTET_STREAM = "application/octet-stream"
# Office 97-2003 files (.doc, .xls) are OLE compound files; filetype names only some of them.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_STORAGE = "application/x-ole-storage"
# filetype names a HEIF image only when its brands say "heic" in the order it expects: plain
# "mif1" files and Canon's 10-bit "heix" ones get no name. Their image brands make them HEIF;
# sequences ("msf1", "hevc") are not photos, and AV1 files are AVIF (filetype names still ones).
HEIF = "image/heif"
HEIF_BRANDS = frozenset({b"mif1", b"mif2", b"heic", b"heix", b"heim", b"heis"})
AV1_BRANDS = frozenset({b"avif", b"avis"})


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(head) - 3:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def _is_heif_image(head: bytes) -> bool:
    """An ISO base media file (an "ftyp" box first) whose major or compatible brands say HEIF
    image, and none AV1."""
    if head[4:8] != b"ftyp":
        return False
    end = min(int.from_bytes(head[:4], "big"), len(head))
    brands = {head[8:12]} | {head[offset : offset + 4] for offset in range(16, end - 3, 4)}
    return not brands.isdisjoint(HEIF_BRANDS) and brands.isdisjoint(AV1_BRANDS)


def sniff_content_type(head: bytes) -> str:
    """The MIME type of a file from its first bytes (`HEAD_BYTES` of them).

    Binary formats come from filetype's signatures, and HEIF images it misses from their brands;
    text is told apart from the rest, with HTML and SVG named as such so that they are never
    served as harmless text."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if _is_heif_image(head):
        return HEIF
    if head.startswith(OLE_MAGIC):
        return OLE_STORAGE
    if not head or not _looks_like_text(head):
        return OCTET_STREAM
    start = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in start:
        return "image/svg+xml"
    if start.startswith((b"<!doctype html", b"<html", b"<script")) or b"<script" in start:
        return "text/html"
    return "text/plain"


# What a browser shows by itself and runs nothing in: pictures (SVG aside: it is XML, and runs
# scripts), sound, video, PDF (in its own viewer), plain text.
INERT_FAMILIES = ("image/", "audio/", "video/")
INERT_TYPES = frozenset({"application/pdf", "text/plain"})


def inert_content_type(content_type: str) -> str:
    """The type a file may be announced with where no sandbox policy goes with it (the signed URL
    of a bucket): its own when browsers only display that kind of file, application/octet-stream
    for anything else: what they render as a page or run (HTML, SVG and every XML type, scripts)
    and whatever is not known to be inert."""
    kind = content_type.split(";", 1)[0].strip().lower()
    subtype = kind.partition("/")[2]
    if subtype == "xml" or subtype.endswith("+xml"):
        return OCTET_STREAM
    if kind in INERT_TYPES or kind.startswith(INERT_FAMILIES):
        return kind
    return OCTET_STREAM
