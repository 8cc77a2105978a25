"""`document_deposit`, the one way a document enters the GED: what it records, what it stores,
what it refuses (storing nothing then), how it marks duplicates and how it announces itself."""

import hashlib
import io
import random
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.models import Channel, Document, DocumentStatus, Folder
from ged.services.deposit import document_deposit
from ged.services.documents import document_trash
from ged.services.folders import folder_trash
from ged.signals import document_deposited
from tests.helpers.documents import CSV, PDF, PNG, deposit, folder_at, upload

MIB = 1024 * 1024


def stored_files(settings) -> list[Path]:
    """Every file the storage holds (the tests' storage lives under MEDIA_ROOT)."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def assert_nothing_stored(settings) -> None:
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def some_bytes(size: int, seed: int = 2026) -> bytes:
    return PDF + random.Random(seed).randbytes(size - len(PDF))


@pytest.fixture
def achats(world):
    return folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")


@pytest.fixture
def heard():
    """What `document_deposited` announced during the test."""
    announcements = []

    def listener(sender, document, by, first_of_its_bytes, **kwargs):
        announcements.append(
            {
                "document": document,
                "by": by,
                "first_of_its_bytes": first_of_its_bytes,
                "row_exists": Document.objects.filter(pk=document.pk).exists(),
                "in_transaction": connection.in_atomic_block,
            }
        )

    document_deposited.connect(listener, weak=False, dispatch_uid="tests.deposit.heard")
    yield announcements
    document_deposited.disconnect(dispatch_uid="tests.deposit.heard")


class ListenerFailed(Exception):
    pass


@pytest.fixture
def failing_listener():
    def listener(sender, document, by, **kwargs):
        raise ListenerFailed("a listener of the deposit failed")

    document_deposited.connect(listener, weak=False, dispatch_uid="tests.deposit.failing")
    yield
    document_deposited.disconnect(dispatch_uid="tests.deposit.failing")


# --- What a deposit records and stores -----------------------------------------------------------


@pytest.mark.parametrize("content", [PDF, PNG, CSV, b"x"], ids=["pdf", "png", "csv", "one_byte"])
def test_the_sha256_of_a_deposit_is_the_sha256_of_its_bytes(achats, content):
    document = deposit(achats, content=content)

    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)


def test_a_multi_megabyte_upload_on_disk_is_hashed_and_stored_byte_for_byte(
    world, achats, settings, tmp_path, monkeypatch
):
    """Uploads arrive as temporary files. Storage must copy them through the hashing reader:
    moving the temporary file into place would skip the hash."""

    def no_move(*args, **kwargs):
        raise AssertionError("the temporary file was moved into storage instead of read")

    monkeypatch.setattr("django.core.files.storage.filesystem.file_move_safe", no_move)
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir()
    content = some_bytes(5 * MIB + 123)
    file = TemporaryUploadedFile("Relevé annuel.pdf", "application/pdf", len(content), None)
    file.write(content)
    file.seek(0)

    try:
        document = document_deposit(
            folder=achats, file=file, by=world.a.client, channel=Channel.WEB
        )
        assert Path(file.temporary_file_path()).exists()
    finally:
        file.close()

    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.name == "Relevé annuel.pdf"
    assert document.content_type == "application/pdf"
    assert (Path(settings.MEDIA_ROOT) / document.file.name).read_bytes() == content


class ChunkedOnlyFile(io.BytesIO):
    """A stream that fails when asked for all of its bytes at once, or for a big part of them."""

    largest_read = 0

    def read(self, size=-1):
        if size is None or not 0 < size <= 256 * 1024:
            raise AssertionError(f"read({size}): the whole file at once")
        self.largest_read = max(self.largest_read, size)
        return super().read(size)


def test_a_big_file_is_read_chunk_by_chunk_never_whole(achats, settings):
    content = some_bytes(3 * MIB + 17)
    file = ChunkedOnlyFile(content)

    document = document_deposit(
        folder=achats, file=file, by=None, channel=Channel.API, name="gros.pdf"
    )

    assert 0 < file.largest_read <= 256 * 1024
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert (Path(settings.MEDIA_ROOT) / document.file.name).read_bytes() == content


def test_a_deposit_read_from_the_middle_of_a_file_still_stores_and_hashes_all_of_it(achats):
    file = SimpleUploadedFile("facture.pdf", PDF)
    file.read(10)

    document = document_deposit(folder=achats, file=file, by=None, channel=Channel.API)

    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.file.open("rb").read() == PDF


@pytest.mark.parametrize("channel", Channel.values)
def test_the_channel_and_the_depositor_are_recorded(world, achats, channel):
    document = deposit(achats, by=world.a.client, channel=channel)

    document.refresh_from_db()
    assert document.channel == channel
    assert document.deposited_by == world.a.client
    assert document.company == world.a.company
    assert document.folder == achats
    assert document.status == DocumentStatus.PENDING
    assert document.trashed_at is None


def test_an_unknown_channel_is_a_programming_error_and_stores_nothing(achats, settings):
    with pytest.raises(ValueError, match="fax"):
        deposit(achats, channel="fax")

    assert_nothing_stored(settings)


def test_a_file_is_stored_under_a_random_key_that_does_not_carry_its_name(world, achats, settings):
    first = deposit(achats, name="Facture Dupont SARL.pdf")
    second = deposit(achats, name="Facture Dupont SARL.pdf")

    for document in (first, second):
        assert re.fullmatch(rf"documents/{world.a.company.pk}/[0-9a-f]{{32}}", document.file.name)
        assert "Dupont" not in document.file.name
        assert (Path(settings.MEDIA_ROOT) / document.file.name).read_bytes() == PDF
    assert first.file.name != second.file.name
    assert first.name == second.name == "Facture Dupont SARL.pdf"


# --- Refusals: a clear message, nothing stored ---------------------------------------------------


def test_an_empty_file_is_refused_and_nothing_is_stored(achats, settings):
    with pytest.raises(ValidationError) as error:
        document_deposit(folder=achats, file=upload(content=b""), by=None, channel=Channel.WEB)

    assert error.value.message_dict == {"file": ["Le fichier est vide."]}
    assert_nothing_stored(settings)


def test_no_file_at_all_is_refused_and_nothing_is_stored(achats, settings):
    with pytest.raises(ValidationError) as error:
        document_deposit(folder=achats, file=None, by=None, channel=Channel.WEB)

    assert error.value.message_dict == {"file": ["Aucun fichier reçu."]}
    assert_nothing_stored(settings)


def test_a_file_over_the_limit_is_refused_with_the_limit_in_mo_and_nothing_is_stored(
    achats, settings
):
    settings.DOCUMENT_MAX_MB = 1

    with pytest.raises(ValidationError) as error:
        document_deposit(
            folder=achats, file=upload(content=some_bytes(MIB + 1)), by=None, channel=Channel.WEB
        )

    assert error.value.message_dict == {"file": ["Fichier trop volumineux (1 Mo maximum)"]}
    assert_nothing_stored(settings)


def test_a_stream_over_the_limit_without_a_known_size_is_refused_too(achats, settings):
    settings.DOCUMENT_MAX_MB = 1

    with pytest.raises(ValidationError) as error:
        deposit(achats, content=some_bytes(MIB + 1))

    assert error.value.messages == ["Fichier trop volumineux (1 Mo maximum)"]
    assert_nothing_stored(settings)


def test_a_file_of_exactly_the_limit_is_accepted(achats, settings):
    settings.DOCUMENT_MAX_MB = 1
    content = some_bytes(MIB)

    document = document_deposit(
        folder=achats, file=upload(content=content), by=None, channel=Channel.WEB
    )

    assert document.size == MIB
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert len(stored_files(settings)) == 1


class SimpleUploadedFileOfSize(SimpleUploadedFile):
    """An upload that says it is big without holding the bytes (the size is checked first)."""

    def __init__(self, name: str, size: int):
        super().__init__(name, PDF)
        self.size = size


def test_the_default_limit_is_100_mo(achats, settings):
    assert settings.DOCUMENT_MAX_MB == 100

    with pytest.raises(ValidationError) as error:
        document_deposit(
            folder=achats,
            file=SimpleUploadedFileOfSize("enorme.pdf", 100 * MIB + 1),
            by=None,
            channel=Channel.WEB,
        )

    assert error.value.messages == ["Fichier trop volumineux (100 Mo maximum)"]
    assert_nothing_stored(settings)


def test_a_folder_in_the_trash_refuses_deposits_and_nothing_is_stored(world, achats, settings):
    folder_trash(folder=achats, by=world.a.admin)
    achats.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        deposit(achats)

    assert error.value.message_dict == {"folder": ["Ce dossier est dans la corbeille."]}
    assert_nothing_stored(settings)


# --- Duplicates ----------------------------------------------------------------------------------


def test_the_same_bytes_twice_in_a_company_are_accepted_and_marked_duplicates_of_the_first(world):
    achats = folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")
    banque = folder_at(world.a.company, "Dossier comptable annuel 2026/Banque")

    first = deposit(achats, name="facture.pdf")
    second = deposit(banque, name="copie de facture.pdf")
    third = deposit(achats, name="facture (1).pdf")

    assert first.duplicate_of is None
    assert second.duplicate_of == first
    assert third.duplicate_of == first
    assert Document.objects.filter(company=world.a.company).count() == 3


def test_different_bytes_in_the_same_company_are_not_duplicates(world, achats):
    deposit(achats, content=PDF)

    other = deposit(achats, content=PNG, name="facture.pdf")

    assert other.duplicate_of is None


def test_the_same_bytes_in_another_company_or_another_cabinet_are_not_duplicates(world):
    first = deposit(folder_at(world.a.company, "Achats"))

    in_other_company = deposit(folder_at(world.a.other_company, "Achats"))
    in_other_cabinet = deposit(folder_at(world.b.company, "Achats"))

    assert first.sha256 == in_other_company.sha256 == in_other_cabinet.sha256
    assert in_other_company.duplicate_of is None
    assert in_other_cabinet.duplicate_of is None


# --- The announcement ----------------------------------------------------------------------------


def test_a_deposit_is_announced_once_with_the_document_and_its_depositor(world, achats, heard):
    document = deposit(achats, by=world.a.client)

    assert len(heard) == 1
    assert heard[0]["document"] == document
    assert heard[0]["by"] == world.a.client
    assert heard[0]["row_exists"]


def test_a_deposit_says_whether_the_company_ever_had_its_bytes(world, achats, heard):
    first = deposit(achats, name="facture.pdf")
    document_trash(document=first, by=world.a.collaborator)
    # Only a copy in the trash: no duplicate for the GED, but not new bytes either.
    after_trash = deposit(achats, name="encore.pdf")
    again = deposit(achats, name="copie.pdf")
    elsewhere = deposit(folder_at(world.a.other_company, "Achats"), name="facture.pdf")

    assert [h["first_of_its_bytes"] for h in heard] == [True, False, False, True]
    assert after_trash.duplicate_of is None
    assert again.duplicate_of == after_trash
    assert elsewhere.duplicate_of is None


def test_a_refused_deposit_is_not_announced(achats, heard):
    with pytest.raises(ValidationError):
        deposit(achats, content=b"")

    assert heard == []


def test_the_deposit_is_announced_inside_its_own_transaction(transactional_db, world, heard):
    """Without the test's own transaction around it, the listener still runs in one: the
    deposit's, so that what listeners write commits or rolls back with the document."""
    achats = folder_at(world.a.company, "Achats")
    assert not connection.in_atomic_block

    deposit(achats)

    assert len(heard) == 1
    assert heard[0]["in_transaction"]


def test_a_listener_that_fails_makes_the_deposit_fail_leaving_no_row_and_no_file(
    world, achats, settings, failing_listener
):
    with pytest.raises(ListenerFailed):
        deposit(achats, by=world.a.client)

    assert_nothing_stored(settings)


def test_after_a_failed_listener_is_gone_deposits_work_again(world, achats, settings):
    def listener(sender, **kwargs):
        raise ListenerFailed

    document_deposited.connect(listener, weak=False, dispatch_uid="tests.deposit.once")
    try:
        with pytest.raises(ListenerFailed):
            deposit(achats)
    finally:
        document_deposited.disconnect(dispatch_uid="tests.deposit.once")

    document = deposit(achats)

    assert list(Document.objects.all()) == [document]
    assert stored_files(settings) == [Path(settings.MEDIA_ROOT) / document.file.name]


# --- Cost ----------------------------------------------------------------------------------------


def test_a_deposit_costs_as_many_queries_at_depth_20_as_at_depth_2_and_one_fewer_at_the_root(
    world, django_assert_num_queries
):
    """The audit trail names the folder's whole path: its ancestors' names are one query
    whatever their number, and none for a folder at the company's root."""
    company = world.a.company
    warm_up = folder_at(company, "Chauffe")
    # Read afresh, as a deposit's caller finds them (the ones just created know their parent).
    root, shallow, deep = (
        Folder.objects.get(pk=folder_at(company, path).pk)
        for path in ("Achats", "Ventes/Janvier", "/".join(f"Niveau {n}" for n in range(1, 21)))
    )
    assert (len(root.ancestor_ids), len(shallow.ancestor_ids), len(deep.ancestor_ids)) == (0, 1, 19)
    deposit(warm_up, by=world.a.client)

    with CaptureQueriesContext(connection) as at_depth_2:
        deposit(shallow, by=world.a.client, content=some_bytes(4096, seed=1))
    assert len(at_depth_2) > 0

    with django_assert_num_queries(len(at_depth_2)):
        deposit(deep, by=world.a.client, content=some_bytes(4096, seed=2))
    with django_assert_num_queries(len(at_depth_2) - 1):
        deposit(root, by=world.a.client, content=some_bytes(4096, seed=3))
