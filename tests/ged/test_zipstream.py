"""The streamed zip (ged/zipstream.py): names safe to extract on every system, names taken
numbered, and an archive that any unzip reads although it was written without going back."""

import io
import zipfile
from datetime import datetime

import pytest

from ged.zipstream import UniqueNames, ZipStream, zip_component

MOMENT = datetime(2026, 3, 2, 10, 15, 30)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("facture.pdf", "facture.pdf"),
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        ("../../etc/passwd", ".._.._etc_passwd"),
        ("/racine", "_racine"),
        ("a\\b.pdf", "a_b.pdf"),
        ("devis: mars?.pdf", "devis_ mars_.pdf"),
        ('"<*|>".pdf', "______.pdf"),
        ("note\x00\x1f.pdf", "note.pdf"),
        ("nul.pdf", "_nul.pdf"),
        (" espace. ", "espace"),
        ("CON", "_CON"),
        ("com1.txt", "_com1.txt"),
        ("Console.pdf", "Console.pdf"),
        ("Relevé", "Relevé"),
    ],
)
def test_a_name_is_made_safe_for_every_system(name, safe):
    assert zip_component(name) == safe


def test_names_taken_in_a_folder_are_numbered_without_regard_to_case():
    names = UniqueNames(["Achats"])

    claimed = [names.claim(n) for n in ["a.pdf", "A.PDF", "a.pdf", "achats", "a (2).pdf", "LISEZ"]]

    assert claimed == ["a.pdf", "A (2).PDF", "a (3).pdf", "achats (2)", "a (2) (2).pdf", "LISEZ"]


def test_the_archive_comes_out_entry_by_entry_and_reads_back():
    stream = ZipStream()
    data = bytes(range(256)) * 8192  # 2 MiB
    parts = [
        b"".join(stream.directory("Dossier/Achats", modified=MOMENT)),
        *stream.file(
            "Dossier/Achats/facture é.pdf",
            (data[i : i + 65536] for i in range(0, len(data), 65536)),
            modified=MOMENT,
            size=len(data),
        ),
        *stream.file("inconnu.bin", [b"abc", b"def"], modified=MOMENT),
        b"".join(stream.close()),
    ]

    # Bytes leave as each chunk is written: the directory's header at once, then the file's.
    assert parts[0].startswith(b"PK\x03\x04")
    assert len(parts) > 30
    archive = zipfile.ZipFile(io.BytesIO(b"".join(parts)))
    assert stream.size == sum(map(len, parts))
    assert archive.testzip() is None
    assert archive.namelist() == ["Dossier/Achats/", "Dossier/Achats/facture é.pdf", "inconnu.bin"]
    assert archive.read("Dossier/Achats/facture é.pdf") == data
    assert archive.read("inconnu.bin") == b"abcdef"
    infos = {info.filename: info for info in archive.infolist()}
    assert infos["Dossier/Achats/"].is_dir()
    assert infos["Dossier/Achats/facture é.pdf"].date_time == (2026, 3, 2, 10, 15, 30)
    assert infos["Dossier/Achats/facture é.pdf"].compress_type == zipfile.ZIP_STORED
    # A size unknown beforehand takes ZIP64's local header (its extra field, id 1), in case it
    # passes 4 GiB; a known size under 4 GiB does not.
    raw = b"".join(parts)
    assert b"inconnu.bin\x01\x00" in raw
    assert "facture é.pdf\x01\x00".encode() not in raw


def test_a_moment_before_1980_is_written_as_1980():
    stream = ZipStream()
    data = b"".join(
        [*stream.file("vieux.txt", [b"x"], modified=datetime(1970, 1, 1)), *stream.close()]
    )

    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("vieux.txt").date_time == (1980, 1, 1, 0, 0, 0)
