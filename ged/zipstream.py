"""A zip archive written as a stream, and the names that are safe in one.

`ZipStream` hands out the archive's bytes as each entry is written, so that an archive of any
size costs one chunk of memory: Python's zipfile, given a stream it cannot seek, writes each
entry's CRC and sizes after its data (a data descriptor) instead of going back to its header.
ZIP64 comes where it is needed: for an entry whose size is unknown or may pass 4 GiB, and for
the central directory of an archive past 4 GiB or 65,535 entries (zipfile does both)."""

import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from .names import extension_of

# Windows refuses these in a file name; the other systems take them.
_FORBIDDEN = set('<>:"|?*/\\')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10))}
_RESERVED |= {f"LPT{n}" for n in range(1, 10)}
FALLBACK_COMPONENT = "_"


def zip_component(name: str) -> str:
    """One folder or file name, safe to extract on Windows, macOS and Linux alike: no path
    separator, no character Windows refuses (each becomes « _ »), no control character, no
    « . » or « .. », no trailing dot or space, no device name (« CON »)."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(
        "_" if ch in _FORBIDDEN else ch for ch in name if unicodedata.category(ch)[0] != "C"
    )
    name = name.strip().rstrip(".").strip()
    if not name.strip("."):
        return FALLBACK_COMPONENT
    if name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    return name


def numbered(name: str, number: int) -> str:
    """« facture.pdf », 2 -> « facture (2).pdf »."""
    extension = extension_of(name)
    if extension:
        stem = name[: -(len(extension) + 1)]
        return f"{stem} ({number}).{name[-len(extension) :]}"
    return f"{name} ({number})"


class UniqueNames:
    """The names already given in one folder of the archive, compared as a case-insensitive
    file system does (Windows, macOS): a name taken is numbered « (2) », « (3) »…"""

    def __init__(self, taken: Iterable[str] = ()):
        self._taken = {name.casefold() for name in taken}

    def claim(self, name: str) -> str:
        candidate, number = name, 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = numbered(name, number)
        self._taken.add(candidate.casefold())
        return candidate


class _Sink:
    """Where zipfile writes: the bytes wait here until the stream hands them out."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # zipfile never closes a file it was given; typeshed asks for the method

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    # The format counts from 1980; later moments keep their local date and time.
    return max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))


class ZipStream:
    """Entries written one after the other; each method yields the archive's bytes as they are
    produced, `close()` the central directory. `size` counts the bytes handed out."""

    def __init__(self):
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", allowZip64=True)
        self.size = 0

    def _out(self) -> Iterator[bytes]:
        data = self._sink.take()
        if data:
            self.size += len(data)
            yield data

    def directory(self, path: str, *, modified: datetime) -> Iterator[bytes]:
        info = zipfile.ZipInfo(f"{path.rstrip('/')}/", date_time=_zip_time(modified))
        info.external_attr = (0o40755 << 16) | 0x10  # a directory, for Unix and for DOS
        info.CRC = info.compress_size = info.file_size = 0
        self._zip.mkdir(info)
        yield from self._out()

    def file(
        self,
        path: str,
        chunks: Iterable[bytes],
        *,
        modified: datetime,
        size: int | None = None,
        compress: bool = False,
    ) -> Iterator[bytes]:
        """One file from its chunks. Stored as is unless `compress` (documents are PDFs, photos
        and office files, already compressed); `size`, when known, spares ZIP64 to files under
        4 GiB (some unzip tools still stumble on it)."""
        info = zipfile.ZipInfo(path, date_time=_zip_time(modified))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o100644 << 16
        info.file_size = size or 0
        with self._zip.open(info, "w", force_zip64=size is None) as entry:
            for chunk in chunks:
                entry.write(chunk)
                yield from self._out()
        yield from self._out()

    def close(self) -> Iterator[bytes]:
        self._zip.close()
        yield from self._out()
