"""Names as depositors and staff type them: file names are made safe (never refused), folder
names are refused with a French reason when they cannot be used."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from ged.models import Folder
from ged.names import document_name_clean
from ged.services.folders import folder_create, folder_rename
from tests.helpers.documents import deposit, folder_at


@pytest.fixture
def achats(world):
    return folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")


def has_invisible_characters(name: str) -> bool:
    """Control (Cc) and format (Cf: right-to-left override, zero-width...) characters."""
    return any(unicodedata.category(ch).startswith("C") for ch in name)


# --- File names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\x.pdf", "x.pdf"),
        ("C:\\Users\\Paul\\Documents\\facture.pdf", "facture.pdf"),
        ("/home/paul/releve.pdf", "releve.pdf"),
        ("dossier/sous-dossier/", "document"),
    ],
)
def test_a_file_name_with_path_components_is_stored_with_its_last_component_only(
    achats, given, stored
):
    document = deposit(achats, name=given)

    assert document.name == stored
    assert "/" not in document.name
    assert "\\" not in document.name


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("fact\x00ure.pdf", ["fact", "ure"]),
        ("evil.exe\x00.pdf", ["evil.exe"]),
        ("Relevé\r\nbancaire.pdf", ["Relevé", "bancaire"]),
        ("Note\tde\x07frais\x1b.pdf", ["Note", "de", "frais"]),
        ("facture\u202efdp.exe.pdf", ["facture", "fdp.exe"]),
        ("\ufeffdevis\u200b2026.pdf", ["devis", "2026"]),
    ],
    ids=["nul", "nul_truncation", "newline", "tab_bell_escape", "rtl_override", "zero_width"],
)
def test_control_and_invisible_characters_never_reach_the_stored_name(achats, given, words):
    document = deposit(achats, name=given)

    assert not has_invisible_characters(document.name), repr(document.name)
    for word in words:
        assert word in document.name
    assert document.name.endswith(".pdf")
    assert document.extension == "pdf"


def test_a_newline_between_two_words_becomes_one_space(achats):
    document = deposit(achats, name="Relevé\nbancaire   mars.pdf")

    assert document.name == "Relevé bancaire mars.pdf"


def test_a_name_typed_on_a_mac_in_decomposed_form_is_stored_composed(achats):
    decomposed = unicodedata.normalize("NFD", "Reçu café été.pdf")
    assert decomposed != "Reçu café été.pdf"

    document = deposit(achats, name=decomposed)

    assert document.name == "Reçu café été.pdf"
    assert unicodedata.is_normalized("NFC", document.name)


def test_a_300_character_name_is_cut_to_200_characters_keeping_its_extension(achats):
    document = deposit(achats, name="a" * 296 + ".pdf")

    assert len(document.name) == 200
    assert document.name == "a" * 196 + ".pdf"
    assert document.extension == "pdf"


def test_a_long_name_of_accented_characters_is_cut_by_characters_not_bytes(achats):
    document = deposit(achats, name="é" * 296 + ".pdf")

    assert document.name == "é" * 196 + ".pdf"


def test_a_long_name_keeps_its_extension_as_the_depositor_wrote_it(achats):
    """A short "FACTURE.PDF" is kept as written; cutting a long one must not change its case."""
    document = deposit(achats, name="F" * 296 + ".PDF")

    assert document.name == "F" * 196 + ".PDF"
    assert document.extension == "pdf"


def test_a_long_name_without_extension_is_cut_to_200_characters(achats):
    document = deposit(achats, name="b" * 300)

    assert document.name == "b" * 200
    assert document.extension == ""


@pytest.mark.parametrize("given", ["...", " . . ", "..", "  ", "", "\x00\x01", "../.."])
def test_a_name_of_only_dots_spaces_or_control_characters_becomes_document(achats, given):
    document = deposit(achats, name=given)

    assert document.name == "document"


def test_a_hidden_file_name_loses_its_leading_dot(achats):
    assert deposit(achats, name=".htaccess").name == "htaccess"


def test_the_extension_is_read_from_the_cleaned_name_in_lower_case(achats):
    document = deposit(achats, name="../Facture Janvier.PDF")

    assert document.name == "Facture Janvier.PDF"
    assert document.extension == "pdf"


def test_a_clean_name_is_kept_exactly_as_given():
    name = "Facture n°42 – Boulangerie Dupont (janvier 2026).pdf"

    assert document_name_clean(name) == name


# --- Folder names --------------------------------------------------------------------------------


def refusal_of(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return error.value.message_dict["name"]


@pytest.mark.parametrize("name", ["/", "Achats/2026", "a\\b", "\\"])
def test_a_folder_name_with_a_slash_is_refused(world, name):
    with pytest.raises(ValidationError) as error:
        folder_create(company=world.a.company, parent=None, name=name, by=world.a.admin)

    assert refusal_of(error) == ["Le nom d'un dossier ne peut pas contenir « / » ni « \\ »."]
    assert not Folder.objects.filter(company=world.a.company).exists()


@pytest.mark.parametrize("name", ["", "   ", "\x00", "\n\t", "\u202e"])
def test_an_empty_folder_name_is_refused(world, name):
    with pytest.raises(ValidationError) as error:
        folder_create(company=world.a.company, parent=None, name=name, by=world.a.admin)

    assert refusal_of(error) == ["Donnez un nom au dossier."]
    assert not Folder.objects.filter(company=world.a.company).exists()


@pytest.mark.parametrize("name", [".", ".."])
def test_a_folder_named_dot_or_dot_dot_is_refused(world, name):
    with pytest.raises(ValidationError) as error:
        folder_create(company=world.a.company, parent=None, name=name, by=world.a.admin)

    assert refusal_of(error) == ["Ce nom de dossier n'est pas permis."]


def test_a_folder_name_over_100_characters_is_refused(world):
    with pytest.raises(ValidationError) as error:
        folder_create(company=world.a.company, parent=None, name="x" * 101, by=world.a.admin)

    assert refusal_of(error) == ["Nom trop long (100 caractères au plus)."]
    assert not Folder.objects.filter(company=world.a.company).exists()


def test_a_folder_name_of_exactly_100_characters_is_accepted(world):
    folder = folder_create(company=world.a.company, parent=None, name="x" * 100, by=world.a.admin)

    assert folder.name == "x" * 100


def test_a_folder_name_is_stored_composed_and_without_control_characters(world):
    folder = folder_create(
        company=world.a.company,
        parent=None,
        name=unicodedata.normalize("NFD", "  Fiscalité\x00 été\n "),
        by=world.a.admin,
    )

    assert folder.name == "Fiscalité été"


def test_renaming_a_folder_to_a_name_with_a_slash_is_refused_and_keeps_the_old_name(world):
    folder = folder_at(world.a.company, "Banque")

    with pytest.raises(ValidationError) as error:
        folder_rename(folder=folder, name="Banque/2026", by=world.a.admin)

    assert refusal_of(error) == ["Le nom d'un dossier ne peut pas contenir « / » ni « \\ »."]
    folder.refresh_from_db()
    assert folder.name == "Banque"


def test_a_nul_inside_a_name_disappears_and_a_line_break_becomes_a_space():
    assert document_name_clean("fact\x00ure.pdf") == "facture.pdf"
    assert document_name_clean("facture\nmars.pdf") == "facture mars.pdf"
