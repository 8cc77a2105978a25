"""Staff organise a company's GED: create, rename, move, trash and restore folders (with all
they hold) and documents, inside one company only."""

import pytest
from django.core.exceptions import ValidationError

from ged.models import Document, Folder
from ged.selectors import document_list, folder_tree, trash_list
from ged.services.documents import document_move, document_rename, document_restore, document_trash
from ged.services.folders import (
    MAX_DEPTH,
    folder_create,
    folder_move,
    folder_rename,
    folder_restore,
    folder_trash,
)
from ged.signals import document_moved, folder_moved
from tests.helpers.documents import PNG, deposit, folder_at


def tree_of(company) -> list[str]:
    """The company's live folders as the tree shows them, "A/B/C"."""
    return [node.path for node in folder_tree(company=company)]


def reloaded(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return objects


def only_message(error: pytest.ExceptionInfo[ValidationError]) -> str:
    (message,) = error.value.messages
    return message


@pytest.fixture
def announced():
    """What `folder_moved` and `document_moved` announced during the test."""
    calls = {"folder_moved": [], "document_moved": []}
    signals = {"folder_moved": folder_moved, "document_moved": document_moved}
    for name, signal in signals.items():

        def listener(sender, _name=name, **kwargs):
            calls[_name].append(kwargs)

        signal.connect(listener, weak=False, dispatch_uid=f"tests.folders.{name}")
    yield calls
    for name, signal in signals.items():
        signal.disconnect(dispatch_uid=f"tests.folders.{name}")


@pytest.fixture
def ged(world):
    """Alpha's company with Clients/2026/Janvier, a document in each of these three folders,
    and an empty Archives/Anciens."""
    company, admin = world.a.company, world.a.admin
    clients = folder_at(company, "Clients")
    year = folder_at(company, "Clients/2026")
    january = folder_at(company, "Clients/2026/Janvier")
    archives = folder_at(company, "Archives")
    old = folder_at(company, "Archives/Anciens")
    return {
        "company": company,
        "admin": admin,
        "clients": clients,
        "year": year,
        "january": january,
        "archives": archives,
        "old": old,
        "doc_clients": deposit(clients, name="contrat.pdf", by=admin),
        "doc_year": deposit(year, name="bilan.pdf", content=PNG, by=admin),
        "doc_january": deposit(january, name="facture.pdf", content=b"janvier", by=admin),
    }


# --- Create ---------------------------------------------------------------------------------------


def test_staff_create_a_folder_at_the_root_and_one_inside_it(world):
    company, admin = world.a.company, world.a.admin

    root = folder_create(company=company, parent=None, name="Banque", by=admin)
    child = folder_create(company=company, parent=root, name="Relevés", by=admin)

    assert (root.path, root.depth, root.parent) == (f"/{root.pk}/", 0, None)
    assert (child.path, child.depth, child.parent) == (f"/{root.pk}/{child.pk}/", 1, root)
    assert child.created_by == admin
    assert tree_of(company) == ["Banque", "Banque/Relevés"]


@pytest.mark.parametrize("under", ["root", "folder"])
def test_two_sibling_folders_cannot_share_a_name_whatever_its_case(world, under):
    company, admin = world.a.company, world.a.admin
    parent = None if under == "root" else folder_at(company, "Dossier comptable annuel 2026")
    folder_create(company=company, parent=parent, name="Achats", by=admin)
    count = Folder.objects.count()

    with pytest.raises(ValidationError) as error:
        folder_create(company=company, parent=parent, name="ACHATS", by=admin)

    assert error.value.message_dict == {"name": ["Un dossier « ACHATS » existe déjà ici."]}
    assert Folder.objects.count() == count


@pytest.mark.parametrize(("first", "second"), [("Impôts", "IMPÔTS"), ("Trésorerie", "TRÉSORERIE")])
def test_sibling_folder_names_differing_only_by_the_case_of_an_accented_letter_clash(
    world, first, second
):
    company, admin = world.a.company, world.a.admin
    folder_create(company=company, parent=None, name=first, by=admin)

    with pytest.raises(ValidationError) as error:
        folder_create(company=company, parent=None, name=second, by=admin)

    assert error.value.message_dict == {"name": [f"Un dossier « {second} » existe déjà ici."]}
    assert tree_of(company) == [first]


def test_the_same_name_is_allowed_in_another_folder_another_company_and_another_cabinet(world):
    folder_at(world.a.company, "2026/Achats")

    elsewhere = [
        folder_at(world.a.company, "2027/Achats"),
        folder_at(world.a.company, "Achats"),
        folder_at(world.a.other_company, "2026/Achats"),
        folder_at(world.b.company, "2026/Achats"),
    ]

    assert [folder.name for folder in elsewhere] == ["Achats"] * 4
    assert Folder.objects.filter(name="Achats").count() == 5


@pytest.mark.parametrize("owner", ["other_company", "other_cabinet"])
def test_a_folder_cannot_be_created_under_a_folder_of_another_company(world, owner):
    company = world.a.other_company if owner == "other_company" else world.b.company
    foreign = folder_at(company, "Achats")
    count = Folder.objects.count()

    with pytest.raises(ValidationError) as error:
        folder_create(company=world.a.company, parent=foreign, name="Intrus", by=world.a.admin)

    assert error.value.message_dict == {"parent": ["Dossier parent introuvable."]}
    assert Folder.objects.count() == count


def test_a_folder_cannot_be_created_in_a_trashed_folder(world):
    banque = folder_at(world.a.company, "Banque")
    folder_trash(folder=banque, by=world.a.admin)
    (banque,) = reloaded(banque)

    with pytest.raises(ValidationError) as error:
        folder_create(company=world.a.company, parent=banque, name="Relevés", by=world.a.admin)

    assert error.value.message_dict == {"parent": ["Dossier parent introuvable."]}


def test_the_name_of_a_trashed_folder_can_be_given_to_a_new_one(world):
    old = folder_at(world.a.company, "Banque")
    folder_trash(folder=old, by=world.a.admin)

    new = folder_create(company=world.a.company, parent=None, name="banque", by=world.a.admin)

    assert new.pk != old.pk
    assert tree_of(world.a.company) == ["banque"]


# --- Rename ---------------------------------------------------------------------------------------


def test_staff_rename_a_folder(ged):
    folder_rename(folder=ged["year"], name="Exercice 2026", by=ged["admin"])

    assert "Clients/Exercice 2026/Janvier" in tree_of(ged["company"])


def test_renaming_a_folder_only_changes_the_case_of_its_name(ged):
    folder_rename(folder=ged["archives"], name="ARCHIVES", by=ged["admin"])

    (archives,) = reloaded(ged["archives"])
    assert archives.name == "ARCHIVES"


def test_renaming_a_folder_to_the_name_of_a_sibling_is_refused(ged):
    with pytest.raises(ValidationError) as error:
        folder_rename(folder=ged["archives"], name="clients", by=ged["admin"])

    assert error.value.message_dict == {"name": ["Un dossier « clients » existe déjà ici."]}
    (archives,) = reloaded(ged["archives"])
    assert archives.name == "Archives"


# --- Move -----------------------------------------------------------------------------------------


def test_moving_a_folder_takes_its_whole_subtree_with_paths_and_depths_updated(ged, announced):
    year, january, old = ged["year"], ged["january"], ged["old"]
    untouched = {
        f.pk: (f.path, f.depth) for f in Folder.objects.exclude(pk__in=[year.pk, january.pk])
    }

    folder_move(folder=year, parent=old, by=ged["admin"])

    year, january, old = reloaded(year, january, old)
    assert year.parent == old
    assert (year.path, year.depth) == (f"{old.path}{year.pk}/", 2)
    assert (january.path, january.depth) == (f"{old.path}{year.pk}/{january.pk}/", 3)
    assert january.ancestor_ids == [ged["archives"].pk, old.pk, year.pk]
    assert tree_of(ged["company"]) == [
        "Archives",
        "Archives/Anciens",
        "Archives/Anciens/2026",
        "Archives/Anciens/2026/Janvier",
        "Clients",
    ]
    assert {
        f.pk: (f.path, f.depth) for f in Folder.objects.exclude(pk__in=[year.pk, january.pk])
    } == untouched
    assert list(document_list(folder=january)) == [ged["doc_january"]]
    assert len(announced["folder_moved"]) == 1
    assert announced["folder_moved"][0]["folder"] == year
    assert announced["folder_moved"][0]["from_parent"] == ged["clients"]
    assert announced["folder_moved"][0]["by"] == ged["admin"]


def test_moving_a_folder_to_the_root_makes_it_a_top_level_folder(ged, announced):
    folder_move(folder=ged["year"], parent=None, by=ged["admin"])

    year, january = reloaded(ged["year"], ged["january"])
    assert (year.parent, year.path, year.depth) == (None, f"/{year.pk}/", 0)
    assert (january.path, january.depth) == (f"/{year.pk}/{january.pk}/", 1)
    assert "2026/Janvier" in tree_of(ged["company"])
    assert announced["folder_moved"][0]["from_parent"] == ged["clients"]


@pytest.mark.parametrize("target", ["year", "january"])
def test_a_folder_cannot_be_moved_into_itself_or_one_of_its_subfolders(ged, announced, target):
    before = tree_of(ged["company"])

    with pytest.raises(ValidationError) as error:
        folder_move(folder=ged["year"], parent=ged[target], by=ged["admin"])

    assert error.value.message_dict == {
        "parent": ["Un dossier ne peut pas aller dans lui-même ni dans un de ses sous-dossiers."]
    }
    assert tree_of(ged["company"]) == before
    assert announced["folder_moved"] == []


def test_a_folder_cannot_be_moved_where_a_folder_has_its_name(ged, announced):
    folder_at(ged["company"], "Archives/2026")
    before = tree_of(ged["company"])

    with pytest.raises(ValidationError) as error:
        folder_move(folder=ged["year"], parent=ged["archives"], by=ged["admin"])

    assert error.value.message_dict == {"name": ["Un dossier « 2026 » existe déjà ici."]}
    assert tree_of(ged["company"]) == before
    assert announced["folder_moved"] == []


def test_a_folder_cannot_be_moved_into_another_company(world, ged, announced):
    foreign = folder_at(world.a.other_company, "Achats")

    with pytest.raises(ValidationError) as error:
        folder_move(folder=ged["year"], parent=foreign, by=ged["admin"])

    assert error.value.message_dict == {"parent": ["Dossier parent introuvable."]}
    (year,) = reloaded(ged["year"])
    assert year.parent == ged["clients"]
    assert announced["folder_moved"] == []


def test_a_folder_cannot_be_moved_into_a_trashed_folder(ged, announced):
    folder_trash(folder=ged["archives"], by=ged["admin"])
    (old,) = reloaded(ged["old"])

    with pytest.raises(ValidationError) as error:
        folder_move(folder=ged["year"], parent=old, by=ged["admin"])

    assert error.value.message_dict == {"parent": ["Dossier parent introuvable."]}
    assert "Clients/2026/Janvier" in tree_of(ged["company"])
    assert announced["folder_moved"] == []


def test_moving_a_folder_where_it_already_is_announces_nothing(ged, announced):
    folder_move(folder=ged["year"], parent=ged["clients"], by=ged["admin"])

    assert announced["folder_moved"] == []


# --- Trash and restore folders --------------------------------------------------------------------


def test_trashing_a_folder_takes_all_its_subfolders_and_documents_with_it(ged):
    clients, admin = ged["clients"], ged["admin"]

    folder_trash(folder=clients, by=admin)

    assert tree_of(ged["company"]) == ["Archives", "Archives/Anciens"]
    for folder in (clients, ged["year"], ged["january"]):
        folder.refresh_from_db()
        assert folder.trashed_at is not None
        assert folder.trash_root == clients
        assert folder.trashed_by == admin
    for name in ("doc_clients", "doc_year", "doc_january"):
        document = Document.objects.get(pk=ged[name].pk)
        assert document.trashed_at is not None
        assert document.trash_root == clients
    folders, documents = trash_list(company=ged["company"])
    assert list(folders) == [clients]
    assert list(documents) == []


def test_documents_and_folders_trashed_earlier_keep_their_own_trash_entry(ged):
    admin = ged["admin"]
    document_trash(document=ged["doc_year"], by=admin)
    folder_trash(folder=ged["january"], by=admin)
    earlier = Document.objects.get(pk=ged["doc_year"].pk).trashed_at

    folder_trash(folder=ged["clients"], by=admin)

    doc_year = Document.objects.get(pk=ged["doc_year"].pk)
    assert (doc_year.trash_root, doc_year.trashed_at) == (None, earlier)
    (january,) = reloaded(ged["january"])
    assert january.trash_root == january
    folders, documents = trash_list(company=ged["company"])
    assert set(folders) == {ged["clients"], january}
    assert list(documents) == [doc_year]


def test_restoring_a_folder_brings_back_exactly_what_left_with_it(ged):
    admin = ged["admin"]
    document_trash(document=ged["doc_year"], by=admin)
    folder_trash(folder=ged["january"], by=admin)
    folder_trash(folder=ged["clients"], by=admin)
    (clients,) = reloaded(ged["clients"])

    folder_restore(folder=clients, by=admin)

    assert tree_of(ged["company"]) == ["Archives", "Archives/Anciens", "Clients", "Clients/2026"]
    assert list(document_list(folder=ged["clients"])) == [ged["doc_clients"]]
    assert list(document_list(folder=ged["year"])) == []  # trashed before, on its own
    for folder in Folder.objects.filter(pk__in=[ged["clients"].pk, ged["year"].pk]):
        assert (folder.trashed_at, folder.trashed_by, folder.trash_root) == (None, None, None)
    folders, documents = trash_list(company=ged["company"])
    assert list(folders) == [ged["january"]]
    assert list(documents) == [ged["doc_year"]]


def test_a_folder_trashed_on_its_own_comes_back_once_its_parent_is_back(ged):
    admin = ged["admin"]
    folder_trash(folder=ged["january"], by=admin)
    folder_trash(folder=ged["clients"], by=admin)
    folder_restore(folder=Folder.objects.get(pk=ged["clients"].pk), by=admin)

    folder_restore(folder=Folder.objects.get(pk=ged["january"].pk), by=admin)

    assert "Clients/2026/Janvier" in tree_of(ged["company"])
    assert list(document_list(folder=ged["january"])) == [ged["doc_january"]]


def test_restoring_a_folder_whose_parent_is_in_the_trash_is_refused(ged):
    admin = ged["admin"]
    folder_trash(folder=ged["january"], by=admin)
    folder_trash(folder=ged["year"], by=admin)
    (january,) = reloaded(ged["january"])

    with pytest.raises(ValidationError) as error:
        folder_restore(folder=january, by=admin)

    assert only_message(error) == "Restaurez d'abord le dossier « 2026 »."
    (january,) = reloaded(january)
    assert january.trashed_at is not None
    assert Document.objects.get(pk=ged["doc_january"].pk).trashed_at is not None


def test_the_refusal_names_the_folder_that_is_in_the_trash_list(ged):
    """Janvier was trashed on its own, then Clients with 2026 in it: 2026 is not in the trash
    list (it left with Clients), so the message must send the user to Clients."""
    admin = ged["admin"]
    folder_trash(folder=ged["january"], by=admin)
    folder_trash(folder=ged["clients"], by=admin)
    (january,) = reloaded(ged["january"])
    folders, _documents = trash_list(company=ged["company"])
    assert set(folders) == {ged["clients"], january}

    with pytest.raises(ValidationError) as error:
        folder_restore(folder=january, by=admin)

    assert only_message(error) == "Restaurez d'abord le dossier « Clients »."


def test_a_subfolder_that_left_with_its_parent_cannot_be_restored_alone(ged):
    folder_trash(folder=ged["clients"], by=ged["admin"])
    (year,) = reloaded(ged["year"])

    with pytest.raises(ValidationError) as error:
        folder_restore(folder=year, by=ged["admin"])

    assert only_message(error) == (
        "Ce dossier est parti avec son dossier parent : restaurez le parent."
    )
    assert tree_of(ged["company"]) == ["Archives", "Archives/Anciens"]


def test_restoring_a_folder_whose_name_was_taken_meanwhile_is_refused(ged):
    admin = ged["admin"]
    folder_trash(folder=ged["clients"], by=admin)
    newer = folder_create(company=ged["company"], parent=None, name="CLIENTS", by=admin)
    (clients,) = reloaded(ged["clients"])

    with pytest.raises(ValidationError) as error:
        folder_restore(folder=clients, by=admin)

    assert error.value.message_dict == {"name": ["Un dossier « Clients » existe déjà ici."]}
    assert tree_of(ged["company"]) == ["Archives", "Archives/Anciens", newer.name]
    assert Document.objects.get(pk=ged["doc_january"].pk).trashed_at is not None


# --- Documents ------------------------------------------------------------------------------------


def test_staff_rename_a_document_and_its_extension_follows(ged):
    document = document_rename(
        document=ged["doc_year"], name="../Bilan 2026 définitif.PNG", by=ged["admin"]
    )

    document.refresh_from_db()
    assert (document.name, document.extension) == ("Bilan 2026 définitif.PNG", "png")


@pytest.mark.parametrize("name", ["", "  ", "...", "\x00"])
def test_renaming_a_document_to_nothing_is_refused(ged, name):
    with pytest.raises(ValidationError) as error:
        document_rename(document=ged["doc_year"], name=name, by=ged["admin"])

    assert error.value.message_dict == {"name": ["Donnez un nom au document."]}
    assert Document.objects.get(pk=ged["doc_year"].pk).name == "bilan.pdf"


def test_moving_a_document_within_its_company_is_announced_with_where_it_came_from(ged, announced):
    document_move(document=ged["doc_january"], folder=ged["old"], by=ged["admin"])

    assert list(document_list(folder=ged["old"])) == [ged["doc_january"]]
    assert list(document_list(folder=ged["january"])) == []
    (call,) = announced["document_moved"]
    assert call["document"] == ged["doc_january"]
    assert call["from_folder"] == ged["january"]
    assert call["by"] == ged["admin"]


def test_moving_a_document_to_its_own_folder_announces_nothing(ged, announced):
    document_move(document=ged["doc_january"], folder=ged["january"], by=ged["admin"])

    assert announced["document_moved"] == []


@pytest.mark.parametrize("owner", ["other_company", "other_cabinet"])
def test_a_document_cannot_be_moved_to_a_folder_of_another_company(world, ged, announced, owner):
    company = world.a.other_company if owner == "other_company" else world.b.company
    foreign = folder_at(company, "Achats")

    with pytest.raises(ValidationError) as error:
        document_move(document=ged["doc_january"], folder=foreign, by=ged["admin"])

    assert error.value.message_dict == {"folder": ["Dossier de destination introuvable."]}
    assert Document.objects.get(pk=ged["doc_january"].pk).folder == ged["january"]
    assert list(document_list(folder=foreign)) == []
    assert announced["document_moved"] == []


def test_a_document_cannot_be_moved_into_a_trashed_folder(ged, announced):
    folder_trash(folder=ged["archives"], by=ged["admin"])
    (old,) = reloaded(ged["old"])

    with pytest.raises(ValidationError) as error:
        document_move(document=ged["doc_january"], folder=old, by=ged["admin"])

    assert error.value.message_dict == {"folder": ["Dossier de destination introuvable."]}
    assert Document.objects.get(pk=ged["doc_january"].pk).folder == ged["january"]
    assert announced["document_moved"] == []


def test_a_trashed_document_leaves_its_folder_and_comes_back_when_restored(ged):
    admin = ged["admin"]

    document_trash(document=ged["doc_january"], by=admin)

    trashed = Document.objects.get(pk=ged["doc_january"].pk)
    assert (trashed.trashed_by, trashed.trash_root) == (admin, None)
    assert list(document_list(folder=ged["january"])) == []
    assert list(trash_list(company=ged["company"])[1]) == [trashed]

    document_restore(document=trashed, by=admin)

    assert list(document_list(folder=ged["january"])) == [ged["doc_january"]]
    assert list(trash_list(company=ged["company"])[1]) == []
    restored = Document.objects.get(pk=ged["doc_january"].pk)
    assert (restored.trashed_at, restored.trashed_by) == (None, None)


def test_a_document_that_left_with_its_folder_cannot_be_restored_alone(ged):
    folder_trash(folder=ged["year"], by=ged["admin"])
    document = Document.objects.get(pk=ged["doc_january"].pk)

    with pytest.raises(ValidationError) as error:
        document_restore(document=document, by=ged["admin"])

    assert only_message(error) == (
        "Ce document est parti avec le dossier « 2026 » : restaurez ce dossier."
    )
    assert Document.objects.get(pk=document.pk).trashed_at is not None


def test_restoring_a_document_whose_folder_went_to_the_trash_since_is_refused(ged):
    admin = ged["admin"]
    document_trash(document=ged["doc_january"], by=admin)
    folder_trash(folder=ged["january"], by=admin)
    document = Document.objects.get(pk=ged["doc_january"].pk)

    with pytest.raises(ValidationError) as error:
        document_restore(document=document, by=admin)

    assert only_message(error) == "Restaurez d'abord le dossier « Janvier »."
    assert Document.objects.get(pk=document.pk).trashed_at is not None


def test_restoring_a_document_sends_the_user_to_the_folder_in_the_trash_list(ged):
    """Janvier left with 2026: the message names 2026, the folder the trash list shows."""
    admin = ged["admin"]
    document_trash(document=ged["doc_january"], by=admin)
    folder_trash(folder=ged["year"], by=admin)
    document = Document.objects.get(pk=ged["doc_january"].pk)

    with pytest.raises(ValidationError) as error:
        document_restore(document=document, by=admin)

    assert only_message(error) == "Restaurez d'abord le dossier « 2026 »."


def test_a_branch_deeper_than_the_limit_is_refused_in_french(world):

    parent = None
    for level in range(MAX_DEPTH):
        parent = folder_create(
            company=world.a.company, parent=parent, name=f"N{level}", by=world.a.admin
        )
    with pytest.raises(ValidationError) as caught:
        folder_create(company=world.a.company, parent=parent, name="Trop", by=world.a.admin)
    assert f"Trop de niveaux de dossiers ({MAX_DEPTH} au plus)." in caught.value.messages
    assert Folder.objects.filter(company=world.a.company).count() == MAX_DEPTH


def test_moving_a_branch_that_would_end_too_deep_is_refused(world):

    deep = None
    for level in range(MAX_DEPTH - 1):
        deep = folder_create(
            company=world.a.company, parent=deep, name=f"D{level}", by=world.a.admin
        )
    branch = folder_create(company=world.a.company, parent=None, name="Branche", by=world.a.admin)
    folder_create(company=world.a.company, parent=branch, name="Feuille", by=world.a.admin)
    with pytest.raises(ValidationError) as caught:
        folder_move(folder=branch, parent=deep, by=world.a.admin)
    assert f"Trop de niveaux de dossiers ({MAX_DEPTH} au plus)." in caught.value.messages
    branch.refresh_from_db()
    assert branch.parent is None
