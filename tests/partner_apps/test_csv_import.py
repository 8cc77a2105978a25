"""Filling 4 × N addresses without 4 × N typings: a CSV of (company name or SIREN, collection
address) shows a preview of every row before anything is saved, then authorises every valid row
in one transaction."""

import base64
import time

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from partner_apps.models import CompanyAuthorization
from partner_apps.services import csv_import
from partner_apps.services.csv_import import authorizations_csv_apply, authorizations_csv_read
from tests.conftest import browser
from tests.factories import CompanyFactory
from tests.helpers.store import (
    ALL_APPS,
    FORBIDDEN,
    NOT_FOUND,
    app,
    authorizations_url,
    authorize,
    import_url,
    install,
    saved,
)
from tests.not_ids import ARABIC_INDIC
from tests.pages import flashes, page_of, visible_text
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

ACHATS = "inqom-achats"
IMPORT = import_url(ACHATS)
PAGE = authorizations_url(ACHATS)
NOT_UTF8 = (
    "Ce fichier n'est pas encodé en UTF-8. Dans Excel, enregistrez-le au format "
    "« CSV UTF-8 (délimité par des virgules) »."
)
MISSING_COLUMNS = (
    "Colonnes attendues sur la première ligne : « entreprise » (nom ou SIREN) et « adresse »."
)
EXPIRED = "Cet aperçu a expiré : chargez à nouveau le fichier."
INVALID = "Cet aperçu n'est pas valide : chargez à nouveau le fichier."


@pytest.fixture
def world(world):
    """Alpha has installed Inqom and its connectors and follows a few more companies."""
    install(world.a, *ALL_APPS)
    install(world.b, *ALL_APPS)
    CompanyFactory(cabinet=world.a.cabinet, name="Société Générale des Fours")
    CompanyFactory(cabinet=world.a.cabinet, name="Dupont")
    CompanyFactory(cabinet=world.a.cabinet, name="DUPONT")
    return world


def csv_file(content: str | bytes, name: str = "adresses.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def preview(user, content, url: str = IMPORT):
    return browser(user).post(url, {"file": csv_file(content)})


def signed_preview(response) -> str:
    """The hidden field that carries the previewed file to "Autoriser"."""
    [field] = page_of(response).find("input", name="content")
    return field.attrs["value"]


def preview_rows(response) -> list[tuple[str, str, str, str]]:
    """The preview table as the admin reads it: (line, company, address, result)."""
    page = page_of(response)
    [body] = page.find("tbody")
    return [
        tuple(cell.text for cell in page.find("td", inside=row))
        for row in page.find("tr", inside=body)
    ]


def stored() -> list[tuple]:
    return list(
        CompanyAuthorization.objects.order_by("pk").values_list(
            "company_id", "app__slug", "enabled", "collection_email"
        )
    )


# --- The page ----------------------------------------------------------------------------------


def test_admins_reach_the_import_from_the_authorisation_page(world):
    page = page_of(browser(world.a.admin).get(PAGE))

    [link] = page.links("Importer un fichier CSV")
    assert link.attrs["href"] == IMPORT


def test_the_import_page_says_which_columns_it_expects(world):
    response = browser(world.a.admin).get(IMPORT)
    page = page_of(response)

    assert response.status_code == 200
    assert page.one("h1").text == "Importer des adresses de collecte"
    text = visible_text(response)
    assert "entreprise (nom ou SIREN) et adresse (achat.<nom>@inqombox.com)" in text
    assert "Vous verrez chaque ligne avant que rien ne soit enregistré." in text
    [field] = page.find("input", type="file", name="file")
    [label] = page.find("label", **{"for": field.attrs["id"]})
    assert label.text == "Fichier CSV"


# --- The preview -------------------------------------------------------------------------------


def test_the_preview_judges_every_row_and_saves_nothing(world):
    response = preview(
        world.a.admin,
        "entreprise;adresse\n"
        "Boulangerie Alpha;ACHAT.Boulangerie@inqombox.com\n"
        "Inconnue SARL;achat.inconnue@inqombox.com\n"
        "Dupont;achat.dupont@inqombox.com\n"
        "Garage Alpha;vente.garage@inqombox.com\n"
        "boulangerie alpha;achat.encore@inqombox.com\n"
        "Boulangerie Beta;achat.beta@inqombox.com\n",
    )

    assert response.status_code == 200
    assert preview_rows(response) == [
        ("2", "Boulangerie Alpha", "achat.boulangerie@inqombox.com", "OK"),
        ("3", "Inconnue SARL", "achat.inconnue@inqombox.com", "Entreprise inconnue du cabinet."),
        (
            "4",
            "Dupont",
            "achat.dupont@inqombox.com",
            "Plusieurs entreprises portent ce nom : indiquez le SIREN.",
        ),
        (
            "5",
            "Garage Alpha",
            "vente.garage@inqombox.com",
            "C'est une adresse « vente. », celle d'Inqom Ventes. "
            "Adresse attendue : achat.<nom>@inqombox.com",
        ),
        (
            "6",
            "Boulangerie Alpha",
            "achat.encore@inqombox.com",
            "Entreprise déjà présente plus haut dans le fichier.",
        ),
        # A company of the other cabinet is unknown here.
        ("7", "Boulangerie Beta", "achat.beta@inqombox.com", "Entreprise inconnue du cabinet."),
    ]
    assert "1 ligne valide, 5 en erreur. Rien n'est encore enregistré." in visible_text(response)
    assert stored() == []
    assert not AuditEntry.objects.filter(action="authorization.changed").exists()


def test_a_preview_without_a_valid_row_offers_nothing_to_apply(world):
    response = preview(world.a.admin, "entreprise;adresse\nInconnue;achat.x@inqombox.com\n")

    assert "1 en erreur. Rien n'est encore enregistré." in visible_text(response)
    assert page_of(response).find("input", name="content") == []
    assert not any(b.startswith("Autoriser") for b in page_of(response).buttons())


def test_names_match_without_case_or_accents_and_sirens_with_spaces(world):
    siren = world.a.other_company.siren
    response = preview(
        world.a.admin,
        "entreprise;adresse\n"
        "  SOCIETE GENERALE   DES FOURS ;achat.sgdf@inqombox.com\n"
        f"{siren[:3]} {siren[3:6]} {siren[6:]};achat.garage@inqombox.com\n",
    )

    assert preview_rows(response) == [
        ("2", "Société Générale des Fours", "achat.sgdf@inqombox.com", "OK"),
        ("3", "Garage Alpha", "achat.garage@inqombox.com", "OK"),
    ]


def test_a_siren_tells_two_companies_of_the_same_name_apart(world):
    dupont = CompanyFactory(cabinet=world.a.cabinet, name="Dupont Frères")
    response = preview(
        world.a.admin, f"siren,adresse\n{dupont.siren},achat.dupont-freres@inqombox.com\n"
    )

    assert preview_rows(response) == [
        ("2", "Dupont Frères", "achat.dupont-freres@inqombox.com", "OK")
    ]


def test_a_siren_written_in_other_digits_names_no_company(world):
    """A SIREN is nine ASCII digits: the company's own SIREN in Arabic-Indic digits (which
    `str.isdigit()` took for a SIREN) or in superscripts finds nothing."""
    siren = world.a.other_company.siren
    response = preview(
        world.a.admin,
        "entreprise;adresse\n"
        f"{siren.translate(ARABIC_INDIC)};achat.garage@inqombox.com\n"
        f"{siren[:-1]}²;achat.garage@inqombox.com\n",
    )

    assert [
        (line, company, result) for line, company, _address, result in preview_rows(response)
    ] == [
        ("2", siren.translate(ARABIC_INDIC), "Entreprise inconnue du cabinet."),
        ("3", f"{siren[:-1]}²", "Entreprise inconnue du cabinet."),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "entreprise;adresse",
        "entreprise,adresse",
        "Entreprise;Adresse de collecte",
        "Société,E-mail",
        "Nom\tAdresse",
    ],
)
def test_semicolons_commas_and_tabs_and_the_usual_column_names_are_read(world, header):
    delimiter = next(d for d in ";,\t" if d in header)
    response = preview(
        world.a.admin,
        f"{header}\nBoulangerie Alpha{delimiter}achat.boulangerie@inqombox.com\n"
        f"Garage Alpha{delimiter}achat.garage@inqombox.com\n",
    )

    assert [(r[1], r[3]) for r in preview_rows(response)] == [
        ("Boulangerie Alpha", "OK"),
        ("Garage Alpha", "OK"),
    ]


def test_columns_are_found_in_any_order_among_others(world):
    response = preview(
        world.a.admin,
        "Adresse;Commentaire;Entreprise\r\n"
        'achat.garage@inqombox.com;"à voir; vite";Garage Alpha\r\n',
    )

    assert preview_rows(response) == [("2", "Garage Alpha", "achat.garage@inqombox.com", "OK")]


def test_excel_utf8_with_a_bom_is_read(world):
    content = "\ufeffEntreprise;Adresse\r\nSociété Générale des Fours;achat.sgdf@inqombox.com\r\n"

    response = preview(world.a.admin, content.encode("utf-8"))

    assert response.status_code == 200
    assert preview_rows(response) == [
        ("2", "Société Générale des Fours", "achat.sgdf@inqombox.com", "OK")
    ]


def test_empty_lines_are_skipped(world):
    response = preview(
        world.a.admin, "entreprise;adresse\n\nGarage Alpha;achat.garage@inqombox.com\n;\n"
    )

    assert preview_rows(response) == [("3", "Garage Alpha", "achat.garage@inqombox.com", "OK")]


# --- Files refused as a whole ------------------------------------------------------------------


def file_errors(response) -> list[str]:
    page = page_of(response)
    return [
        li.text
        for ul in page.find("ul")
        if "errorlist" in ul.attrs.get("class", "")
        for li in page.find("li", inside=ul)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "entreprise;adresse\nSociété Générale des Fours;achat.sgdf@inqombox.com\n".encode(
                "cp1252"
            ),
            NOT_UTF8,
        ),
        ("entreprise;téléphone\nGarage Alpha;0102030405\n".encode(), MISSING_COLUMNS),
        (b"adresse\nachat.garage@inqombox.com\n", MISSING_COLUMNS),
        (b"", "Le fichier est vide."),
        (b"\xef\xbb\xbf", "Le fichier est vide."),
        (
            b"entreprise;adresse\n" + b"Garage Alpha;achat.garage@inqombox.com\n" * 30_000,
            "Fichier trop volumineux (1 Mo maximum).",
        ),
        (
            b"entreprise;adresse\n" + b"Garage Alpha;achat.g@inqombox.com\n" * 5_001,
            "Trop de lignes (5 000 au plus).",
        ),
    ],
    ids=["cp1252", "missing-column", "one-column", "empty", "bom-only", "too-big", "too-long"],
)
def test_a_file_that_cannot_be_read_is_refused_in_french_and_nothing_is_saved(
    world, content, message
):
    response = preview(world.a.admin, content)

    assert response.status_code == 400
    assert file_errors(response) == [message]
    assert page_of(response).find("input", name="content") == []
    assert stored() == []


def test_sending_no_file_asks_for_one(world):
    response = browser(world.a.admin).post(IMPORT, {})

    assert response.status_code == 400
    assert file_errors(response) == ["Choisissez un fichier CSV."]


# --- Applying ----------------------------------------------------------------------------------


def test_applying_authorises_every_valid_row_and_says_how_many(world):
    admin = browser(world.a.admin)
    response = admin.post(
        IMPORT,
        {
            "file": csv_file(
                "entreprise;adresse\n"
                "Boulangerie Alpha;ACHAT.Boulangerie@inqombox.com\n"
                "Garage Alpha;achat.garage@inqombox.com\n"
                "Inconnue SARL;achat.inconnue@inqombox.com\n"
                "Dupont;achat.dupont@inqombox.com\n"
                "Société Générale des Fours;vente.sgdf@inqombox.com\n"
            )
        },
    )
    [apply] = [b for b in page_of(response).find("button") if b.attrs.get("name") == "apply"]
    assert apply.text == "Enregistrer les lignes valides (2)"
    assert stored() == []

    applied = admin.post(
        IMPORT, {"apply": apply.attrs["value"], "content": signed_preview(response)}, follow=True
    )

    assert applied.redirect_chain == [(PAGE, 302)]
    assert flashes(applied) == ["2 adresses importées."]
    assert saved(world.a.company, ACHATS) == (True, "achat.boulangerie@inqombox.com")
    assert saved(world.a.other_company, ACHATS) == (True, "achat.garage@inqombox.com")
    assert len(stored()) == 2
    page = page_of(applied)
    [field] = page.find("input", name=f"email-{world.a.other_company.pk}")
    assert field.attrs["value"] == "achat.garage@inqombox.com"


def test_imported_addresses_replace_the_old_ones_and_are_in_the_audit_trail(world):
    authorize(world.a, world.a.company, ACHATS, "achat.ancien@inqombox.com", enabled=False)
    admin = browser(world.a.admin)
    response = admin.post(
        IMPORT,
        {"file": csv_file("entreprise;adresse\nBoulangerie Alpha;achat.nouveau@inqombox.com\n")},
    )

    admin.post(IMPORT, {"apply": "1", "content": signed_preview(response)})

    assert saved(world.a.company, ACHATS) == (True, "achat.nouveau@inqombox.com")
    entry = AuditEntry.objects.filter(action="authorization.changed").order_by("-id").first()
    assert entry.actor == world.a.admin
    assert entry.cabinet == world.a.cabinet
    assert entry.data["app"] == ACHATS
    assert entry.data["company_id"] == world.a.company.pk
    assert entry.data["old"] == {"enabled": False, "collection_email": "achat.ancien@inqombox.com"}
    assert entry.data["new"] == {"enabled": True, "collection_email": "achat.nouveau@inqombox.com"}


def test_one_connectors_import_leaves_the_others_alone(world):
    authorize(world.a, world.a.company, "inqom-ventes", "vente.acme@inqombox.com")
    admin = browser(world.a.admin)
    response = admin.post(
        IMPORT,
        {"file": csv_file("entreprise;adresse\nBoulangerie Alpha;achat.acme@inqombox.com\n")},
    )

    admin.post(IMPORT, {"apply": "1", "content": signed_preview(response)})

    assert saved(world.a.company, "inqom-ventes") == (True, "vente.acme@inqombox.com")
    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")


def test_all_valid_rows_are_applied_in_one_transaction(world, monkeypatch):
    content = (
        b"entreprise;adresse\n"
        b"Boulangerie Alpha;achat.boulangerie@inqombox.com\n"
        b"Garage Alpha;achat.garage@inqombox.com\n"
    )
    calls = []
    real = csv_import.authorization_set

    def second_row_fails(**kwargs):
        calls.append(kwargs["company"])
        if len(calls) == 2:
            raise ValidationError("The database went away.")
        return real(**kwargs)

    monkeypatch.setattr(csv_import, "authorization_set", second_row_fails)

    with pytest.raises(ValidationError):
        authorizations_csv_apply(
            cabinet=world.a.cabinet, app=app(ACHATS), content=content, by=world.a.admin
        )

    assert len(calls) == 2
    assert stored() == []
    assert not AuditEntry.objects.filter(action="authorization.changed").exists()


# --- Signed previews ---------------------------------------------------------------------------


def test_a_tampered_preview_is_refused_and_saves_nothing(world):
    admin = browser(world.a.admin)
    response = admin.post(
        IMPORT, {"file": csv_file("entreprise;adresse\nGarage Alpha;achat.garage@inqombox.com\n")}
    )
    signed = signed_preview(response)
    _content, timestamp, signature = signed.rsplit(":", 2)
    forged_content = base64.b64encode(
        b"entreprise;adresse\nBoulangerie Alpha;achat.pirate@inqombox.com\n"
    ).decode()

    for tampered in (f"{forged_content}:{timestamp}:{signature}", signed[:-1], "", "abc"):
        refused = admin.post(IMPORT, {"apply": "1", "content": tampered}, follow=True)

        assert refused.redirect_chain == [(IMPORT, 302)]
        assert flashes(refused) == [INVALID]
    assert stored() == []


def test_an_expired_preview_is_refused_and_saves_nothing(world, monkeypatch):
    admin = browser(world.a.admin)
    two_hours_ago = signing.b62_encode(int(time.time()) - 2 * 3600)
    with monkeypatch.context() as clock:
        clock.setattr(signing.TimestampSigner, "timestamp", lambda self: two_hours_ago)
        response = admin.post(
            IMPORT,
            {"file": csv_file("entreprise;adresse\nGarage Alpha;achat.garage@inqombox.com\n")},
        )

    refused = admin.post(IMPORT, {"apply": "1", "content": signed_preview(response)}, follow=True)

    assert flashes(refused) == [EXPIRED]
    assert stored() == []


def test_a_preview_is_valid_only_for_its_own_connector(world):
    admin = browser(world.a.admin)
    response = admin.post(
        IMPORT, {"file": csv_file("entreprise;adresse\nGarage Alpha;achat.garage@inqombox.com\n")}
    )

    refused = admin.post(
        import_url("inqom-ventes"),
        {"apply": "1", "content": signed_preview(response)},
        follow=True,
    )

    assert flashes(refused) == [INVALID]
    assert stored() == []


def test_a_preview_of_one_cabinet_is_refused_in_the_other(world):
    CompanyFactory(cabinet=world.b.cabinet, name="Garage Alpha")
    response = preview(
        world.a.admin, "entreprise;adresse\nGarage Alpha;achat.garage@inqombox.com\n"
    )

    refused = browser(world.b.admin).post(
        IMPORT, {"apply": "1", "content": signed_preview(response)}, follow=True
    )

    assert flashes(refused) == [INVALID]
    assert stored() == []


# --- Who may import ----------------------------------------------------------------------------


def test_collaborators_get_403_and_nothing_is_saved(world):
    signed = signed_preview(
        preview(world.a.admin, "entreprise;adresse\nGarage Alpha;achat.garage@inqombox.com\n")
    )
    collaborator = browser(world.a.collaborator)

    responses = [
        collaborator.get(IMPORT),
        collaborator.post(
            IMPORT, {"file": csv_file("entreprise;adresse\nGarage Alpha;achat.g@inqombox.com\n")}
        ),
        collaborator.post(IMPORT, {"apply": "1", "content": signed}),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert all(FORBIDDEN in visible_text(r) for r in responses)
    assert stored() == []


def test_clients_get_404_and_nothing_is_saved(world):
    signed = signed_preview(
        preview(world.a.admin, "entreprise;adresse\nBoulangerie Alpha;achat.b@inqombox.com\n")
    )
    client = browser(world.a.client)

    responses = [
        client.get(IMPORT),
        client.post(
            IMPORT,
            {"file": csv_file("entreprise;adresse\nBoulangerie Alpha;achat.b@inqombox.com\n")},
        ),
        client.post(IMPORT, {"apply": "1", "content": signed}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all(NOT_FOUND in visible_text(r) and "Inqom" not in visible_text(r) for r in responses)
    assert stored() == []


def test_a_semicolon_file_whose_header_holds_a_comma_is_read_with_semicolons(world):
    install(world.a, "inqom-achats")
    content = (
        "entreprise;adresse;commentaire, libre\nBoulangerie Alpha;achat.alpha@inqombox.com;ok\n"
    )
    preview = authorizations_csv_read(
        cabinet=world.a.cabinet, app=app("inqom-achats"), content=content.encode()
    )
    assert [row.status for row in preview.rows] == ["ok"]


def test_a_file_with_only_its_header_is_refused_in_french(world):
    install(world.a, "inqom-achats")
    with pytest.raises(ValidationError) as caught:
        authorizations_csv_read(
            cabinet=world.a.cabinet, app=app("inqom-achats"), content=b"entreprise;adresse\n\n\n"
        )
    assert "que sa ligne d'en-tête" in caught.value.messages[0]
