"""The automation pages, as the Inqom guide walks staff through them: the "Automatisations"
section of a folder's toolbar with one switch per installed connector (toggled in place with
htmx), inherited and locked on subfolders, disabled with the reason where the company is not
authorised; the bulk activation of a connector's authorisation page; the send history on a
document's page and for the whole cabinet (gear › Applications › Historique d'envoi). Clients
never see any of it, and see their documents turn "Validé"."""

import datetime
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ged.models import Document, DocumentStatus, Folder
from ged.services.tree import company_tree_create
from partner_apps.models import Delivery, DeliveryStatus, FolderAutomation
from partner_apps.selectors.deliveries import delivery_history
from partner_apps.services.automations import automation_set
from tests.conftest import browser
from tests.factories import CompanyFactory, DeliveryFactory
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import read, received
from tests.helpers.store import (
    CONNECTORS,
    FORBIDDEN,
    HTMX,
    NOT_FOUND,
    app,
    authorizations_url,
    authorize,
    install,
)
from tests.pages import Page, flashes, page_of, visible_text
from welyb_portal.tenancy.pagination import SortFirstPaginator

pytestmark = pytest.mark.django_db

ANNUAL = "Dossier comptable annuel 2026"
ACHATS_FOLDER = f"{ANNUAL}/Achats"
VENTES = f"{ANNUAL}/Ventes"
HISTORY = "/reglages/applications/envois/"
APPLICATIONS = "/reglages/applications/"
ACHATS_ADDRESS = "achat.boulangerie-alpha@inqombox.com"
SENDER = "no-reply@welyb.fr"
CONNECTOR_NAMES = [name for name, _prefix in CONNECTORS.values()]
CHART_HEIGHT = 120
DELIVERIES_PER_PAGE = 50


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INQOM_SENDER_EMAIL = SENDER


# --- Addresses ---------------------------------------------------------------------------------


def folder_url(folder) -> str:
    return f"/ged/dossiers/{folder.pk}/"


def document_url(document) -> str:
    return f"/ged/documents/{document.pk}/"


def switch_url(folder, slug: str) -> str:
    return f"{folder_url(folder)}automatisations/{slug}/"


def bulk_url(slug: str) -> str:
    return f"/reglages/applications/{slug}/activer-dossier/"


def retry_url(delivery) -> str:
    return f"{HISTORY}{delivery.pk}/renvoyer/"


# --- Reading the pages -------------------------------------------------------------------------


@dataclass
class Switch:
    """One connector's switch of the "Automatisations" section, as staff see it."""

    on: bool
    disabled: bool
    note: str
    warning: str
    links: list[tuple[str, str]]
    action: str


def has_class(element, name: str) -> bool:
    return name in element.attrs.get("class", "").split()


def automations_section(page: Page):
    sections = page.find("section", id="automations")
    return sections[0] if sections else None


def switches(response) -> dict[str, Switch]:
    """The switches of the folder's "Automatisations", by connector name."""
    page = page_of(response)
    section = automations_section(page)
    assert section is not None, "no Automatisations section"
    result = {}
    for item in page.find("li", inside=section):
        [box] = page.find("input", inside=item, role="switch")
        [name] = [span.text for span in page.find("span", inside=item)]
        [form] = page.find("form", inside=item)
        paragraphs = page.find("p", inside=item)
        [note] = [p.text for p in paragraphs if has_class(p, "automation-note")]
        warnings = [p.text for p in paragraphs if has_class(p, "automation-warning")]
        result[name] = Switch(
            on=box.has("checked"),
            disabled=box.has("disabled"),
            note=note,
            warning=" ".join(warnings),
            links=[(a.text, a.attrs["href"]) for a in page.find("a", inside=item)],
            action=form.attrs["hx-post"],
        )
    return result


def section_says(response) -> tuple[str, str]:
    """The confirmation and the error shown at the top of the section."""
    page = page_of(response)
    section = automations_section(page)
    paragraphs = page.find("p", inside=section)
    message = [p.text for p in paragraphs if has_class(p, "automations-message")]
    error = [p.text for p in paragraphs if has_class(p, "automations-error")]
    return " ".join(message), " ".join(error)


def folder_card(response, name: str) -> str:
    """Where the card of a subfolder leads."""
    [card] = [
        a for a in page_of(response).find("a") if has_class(a, "folder-card") and a.text == name
    ]
    return card.attrs["href"]


def document_rows(response) -> dict[str, str]:
    """A folder's document table: name -> status."""
    page = page_of(response)
    rows = {}
    for table in page.find("table"):
        if not has_class(table, "documents"):
            continue
        for row in page.find("tr", inside=table):
            cells = page.find("td", inside=row)
            if cells:
                rows[cells[0].text.replace(" Doublon possible", "")] = cells[3].text
    return rows


@dataclass
class HistoryRow:
    document: str
    company: str
    app: str
    target: str
    status: str
    reason: str
    retry: bool


# « Renvoyer », on a duplicate « Envoyer quand même », on a planned retry « Réessayer maintenant ».
RETRY_BUTTONS = {"Renvoyer", "Envoyer quand même", "Réessayer maintenant"}


def history_rows(response) -> list[HistoryRow]:
    """The deliveries listed by the history page or a document's panel."""
    page = page_of(response)
    rows = []
    for row in page.find("tr"):
        cells = page.find("td", inside=row)
        if not cells:
            continue

        def muted(cell) -> str:
            return " ".join(s.text for s in page.find("span", inside=cell) if has_class(s, "muted"))

        if len(cells) == 6:  # the cabinet's history
            document, company = cells[0].text, cells[1].text
            app_cell, status_cell, target = cells[2], cells[3], muted(cells[2])
        else:  # a document's panel: application, status, address, date
            document, company = "", ""
            app_cell, status_cell, target = cells[0], cells[1], cells[2].text
        [status] = [s.text for s in page.find("span", inside=status_cell) if has_class(s, "status")]
        rows.append(
            HistoryRow(
                document=document,
                company=company,
                app=app_cell.text.removesuffix(target).strip() if target else app_cell.text,
                target=target,
                status=status,
                reason=muted(status_cell),
                retry=bool(set(page.buttons(inside=row)) & RETRY_BUTTONS),
            )
        )
    return rows


def deliveries_panel(page: Page):
    sections = [s for s in page.find("section") if has_class(s, "deliveries-panel")]
    return sections[0] if sections else None


def assert_names_no_automation(response) -> None:
    body = response.content.decode().lower()
    for word in ("inqom", "automatisation", "historique d'envoi", "/reglages/applications"):
        assert word not in body, word


# --- Building the world ------------------------------------------------------------------------


def ready(tenant, *slugs: str, company=None) -> None:
    """Inqom and its connectors installed; the company authorised for the given connectors."""
    install(tenant, "inqom", *CONNECTORS)
    company = company or tenant.company
    for slug in slugs:
        prefix = CONNECTORS[slug][1]
        authorize(
            tenant, company, slug, f"{prefix}.{company.name.lower().replace(' ', '-')}@inqombox.com"
        )


def switch_on(folder, slug: str, by) -> None:
    automation_set(folder=folder, app=app(slug), enabled=True, by=by)


def delivery_of(document, slug: str = "inqom-achats") -> Delivery:
    return Delivery.objects.get(document=document, app__slug=slug)


def set_delivery(delivery: Delivery, status: str, *, reason: str = "", day=None) -> None:
    """What the outbox would have written: a status, its reason, and when (at noon, local)."""
    fields = {"status": status, "reason": reason}
    if day is not None:
        fields["created_at"] = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(12, 0))
        )
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


def deposited(folder, *names: str, by=None) -> list[Document]:
    """Documents deposited one after the other, each with its own bytes."""
    return [deposit(folder, name=name, content=PDF + name.encode(), by=by) for name in names]


# --- The "Automatisations" section -------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_see_one_switch_per_installed_connector_on_the_folder_toolbar(world, role):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(getattr(world.a, role)).get(folder_url(achats))

    assert response.status_code == 200
    page = page_of(response)
    [toolbar] = [div for div in page.find("div") if has_class(div, "folder-toolbar")]
    section = automations_section(page)
    assert toolbar in section.ancestors
    assert page.one("h3", id="automations-title").text == "Automatisations"
    shown = switches(response)
    assert list(shown) == CONNECTOR_NAMES
    assert shown["Inqom Achats"] == Switch(
        on=False,
        disabled=False,
        note="Désactivée",
        warning="",
        links=[],
        action=switch_url(achats, "inqom-achats"),
    )


def test_only_the_installed_connectors_get_a_switch(world):
    install(world.a, "inqom", "inqom-achats", "inqom-ndf")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.a.admin).get(folder_url(achats))

    assert list(switches(response)) == ["Inqom Achats", "Inqom NDF"]


def test_without_an_installed_connector_there_is_no_section(world):
    install(world.a, "inqom")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.a.admin).get(folder_url(achats))

    assert response.status_code == 200
    assert automations_section(page_of(response)) is None
    assert "Automatisations" not in visible_text(response)


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_switch_a_connector_on_in_place_with_htmx(world, role):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(getattr(world.a, role)).post(
        switch_url(achats, "inqom-achats"), {"enabled": "on"}, **HTMX
    )

    assert response.status_code == 200
    # The section alone, for htmx to swap it in place.
    assert response.content.decode().lstrip().startswith('<section class="automations"')
    assert "<html" not in response.content.decode()
    assert section_says(response) == (
        "Inqom Achats activée : les documents déposés désormais ici partent vers Inqom Achats.",
        "",
    )
    shown = switches(response)["Inqom Achats"]
    assert shown.on
    assert not shown.disabled
    automation = FolderAutomation.objects.get(folder=achats, app__slug="inqom-achats")
    assert shown.note == f"Activée le {timezone.localtime(automation.activated_at):%d/%m/%Y}"
    assert automation.enabled
    assert automation.activated_by == getattr(world.a, role)


def test_staff_switch_a_connector_off_in_place(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", world.a.admin)

    # An unticked box is not in the form htmx posts.
    response = browser(world.a.collaborator).post(switch_url(achats, "inqom-achats"), {}, **HTMX)

    assert response.status_code == 200
    assert section_says(response) == ("Inqom Achats désactivée sur ce dossier.", "")
    shown = switches(response)["Inqom Achats"]
    assert (shown.on, shown.note) == (False, "Désactivée")
    assert not FolderAutomation.objects.get(folder=achats, app__slug="inqom-achats").enabled


def test_without_htmx_the_switch_comes_back_to_the_folder_with_a_message(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    client = browser(world.a.admin)

    response = client.post(switch_url(achats, "inqom-achats"), {"enabled": "on"})

    assert response.status_code == 302
    assert response["Location"] == folder_url(achats)
    page = client.get(response["Location"])
    assert flashes(page) == [
        "Inqom Achats activée : les documents déposés désormais ici partent vers Inqom Achats."
    ]
    assert switches(page)["Inqom Achats"].on


def test_a_switch_is_disabled_with_the_reason_and_a_link_where_the_company_is_not_authorised(
    world,
):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.a.collaborator).get(folder_url(achats))

    ventes = switches(response)["Inqom Ventes"]
    assert ventes.disabled
    assert not ventes.on
    assert ventes.note == (
        "L'entreprise n'est pas autorisée pour Inqom Ventes. Autoriser l'entreprise"
    )
    assert ventes.links == [("Autoriser l'entreprise", authorizations_url("inqom-ventes"))]
    # The link leads to the connector's authorisation page, which staff may open.
    assert browser(world.a.collaborator).get(ventes.links[0][1]).status_code == 200
    # The authorised one is not.
    assert not switches(response)["Inqom Achats"].disabled


def test_switching_on_where_the_company_is_not_authorised_is_refused_in_french(world):
    ready(world.a, "inqom-achats")
    ventes = folder_at(world.a.company, VENTES)

    response = browser(world.a.admin).post(
        switch_url(ventes, "inqom-ventes"), {"enabled": "on"}, **HTMX
    )

    assert response.status_code == 200
    assert section_says(response) == (
        "",
        "L'entreprise n'est pas autorisée pour Inqom Ventes : autorisez-la avec son adresse de "
        "collecte dans Applications › Inqom Ventes.",
    )
    assert not switches(response)["Inqom Ventes"].on
    assert not FolderAutomation.objects.filter(folder=ventes, enabled=True).exists()


def test_a_revoked_authorisation_without_htmx_says_why(world):
    ready(world.a, "inqom-achats")
    authorize(world.a, world.a.company, "inqom-achats", ACHATS_ADDRESS, enabled=False)
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    client = browser(world.a.admin)

    response = client.post(switch_url(achats, "inqom-achats"), {"enabled": "on"}, follow=True)

    assert response.redirect_chain == [(folder_url(achats), 302)]
    assert flashes(response) == [
        "L'entreprise n'est pas autorisée pour Inqom Achats : autorisez-la avec son adresse de "
        "collecte dans Applications › Inqom Achats."
    ]
    assert not FolderAutomation.objects.filter(enabled=True).exists()


def test_a_subfolder_shows_the_switch_on_and_locked_inherited_from_achats(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", world.a.admin)
    # Present and future subfolders alike.
    below = folder_at(world.a.company, f"{ACHATS_FOLDER}/Fournisseurs/2026-T1")

    response = browser(world.a.collaborator).get(folder_url(below))

    shown = switches(response)["Inqom Achats"]
    assert shown.on
    assert shown.disabled
    assert shown.note == "Activée et verrouillée : héritée de « Achats »"
    page = page_of(response)
    [item] = [li for li in page.find("li") if has_class(li, "automation-locked")]
    assert "Inqom Achats" in item.text
    # The parent above the switch is not concerned.
    annual = Folder.objects.get(company=world.a.company, name=ANNUAL)
    assert not switches(browser(world.a.admin).get(folder_url(annual)))["Inqom Achats"].on


def test_an_inherited_switch_cannot_be_changed_on_the_subfolder(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", world.a.admin)
    below = folder_at(world.a.company, f"{ACHATS_FOLDER}/Fournisseurs")

    response = browser(world.a.admin).post(switch_url(below, "inqom-achats"), {}, **HTMX)

    assert section_says(response) == (
        "",
        "Activée sur « Achats », dont ce dossier hérite : changez-la sur ce dossier-là.",
    )
    assert switches(response)["Inqom Achats"].on
    assert FolderAutomation.objects.get(folder=achats).enabled
    assert not FolderAutomation.objects.filter(folder=below).exists()


def test_inqom_achats_on_ventes_gets_a_soft_warning(world):
    ready(world.a, "inqom-achats")
    ventes = folder_at(world.a.company, VENTES)
    warning = (
        "Inqom Achats est activée sur « Ventes » : le guide recommande de la réserver au "
        "dossier « Achats » du Dossier comptable annuel."
    )

    response = browser(world.a.admin).post(
        switch_url(ventes, "inqom-achats"), {"enabled": "on"}, **HTMX
    )

    # Soft: the switch is on all the same.
    assert section_says(response)[1] == ""
    shown = switches(response)["Inqom Achats"]
    assert shown.on
    assert shown.warning == warning
    assert FolderAutomation.objects.get(folder=ventes).enabled
    # Without htmx, the warning comes with the confirmation.
    FolderAutomation.objects.all().delete()
    client = browser(world.a.admin)
    redirected = client.post(switch_url(ventes, "inqom-achats"), {"enabled": "on"}, follow=True)
    assert flashes(redirected) == [
        "Inqom Achats activée : les documents déposés désormais ici partent vers Inqom Achats.",
        warning,
    ]


def test_inqom_achats_on_achats_gets_no_warning(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.a.admin).post(
        switch_url(achats, "inqom-achats"), {"enabled": "on"}, **HTMX
    )

    assert switches(response)["Inqom Achats"].warning == ""


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_never_see_the_automations(world, who):
    ready(world.a, "inqom-achats")
    ready(world.a, "inqom-ndf", company=world.a.other_company)
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    other = folder_at(world.a.other_company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", world.a.admin)
    switch_on(other, "inqom-ndf", world.a.admin)
    folder = achats if who == "client" else other
    client = browser(getattr(world.a, who))

    response = client.get(folder_url(folder))

    assert response.status_code == 200
    assert automations_section(page_of(response)) is None
    assert_names_no_automation(response)


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_cannot_toggle_a_switch(world, who):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    client = browser(getattr(world.a, who))

    for headers in ({}, HTMX):
        response = client.post(switch_url(achats, "inqom-achats"), {"enabled": "on"}, **headers)
        assert response.status_code == 404
        assert NOT_FOUND in visible_text(response)
        assert_names_no_automation(response)
    assert not FolderAutomation.objects.exists()


def test_staff_of_the_other_cabinet_cannot_toggle_this_cabinets_switch(world):
    ready(world.a, "inqom-achats")
    install(world.b, "inqom", *CONNECTORS)
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.b.admin).post(
        switch_url(achats, "inqom-achats"), {"enabled": "on"}, **HTMX
    )

    assert response.status_code == 404
    assert "Boulangerie Alpha" not in response.content.decode()
    assert not FolderAutomation.objects.exists()


# --- The whole guide, through the pages --------------------------------------------------------


def test_the_guide_from_installing_inqom_to_a_validated_document(
    world, django_capture_on_commit_callbacks
):
    tenant, company = world.a, world.a.company
    company_tree_create(company=company, year=2026, by=tenant.admin)
    admin = browser(tenant.admin)

    # "Assurez-vous que Inqom fasse partie de vos applications partenaires."
    installed = admin.post(
        "/reglages/applications/inqom/installer/", {"with_companions": "on"}, follow=True
    )
    assert flashes(installed) == [
        "Installées : Inqom, Inqom Achats, Inqom Ventes, Inqom NDF, Inqom Administratif."
    ]

    # "Cliquez sur la roue crantée › Applications › le stylo sur la ligne Inqom Achats."
    applications = page_of(admin.get(APPLICATIONS))
    [pencil] = applications.links("Modifier Inqom Achats")
    assert pencil.attrs["href"] == authorizations_url("inqom-achats")
    # "Autorisez l'accès de l'application à l'entreprise souhaitée, insérez l'adresse mail de
    # collecte Inqom Achats, pensez à bien sauvegarder la modification."
    saved = admin.post(
        pencil.attrs["href"],
        {
            "rows": [company.pk],
            f"enabled-{company.pk}": "on",
            f"email-{company.pk}": ACHATS_ADDRESS,
        },
        follow=True,
    )
    assert flashes(saved) == ["Autorisations enregistrées."]

    # "Rendez-vous sur la GED du client paramétré": the annual folder, then Achats.
    annual_link = folder_card(admin.get(f"/ged/entreprises/{company.pk}/"), ANNUAL)
    achats_link = folder_card(admin.get(annual_link), "Achats")
    achats_page = admin.get(achats_link)
    achats = Folder.objects.get(company=company, name="Achats", parent__name=ANNUAL)
    assert achats_link == folder_url(achats)
    # A document already there: "La connexion n'est pas rétroactive."
    earlier = deposit(achats, name="ancienne-facture.pdf", content=PDF + b"old", by=tenant.client)
    # "Activez le switch Inqom Achats."
    switch = switches(achats_page)["Inqom Achats"]
    assert (switch.on, switch.disabled) == (False, False)
    switched = admin.post(switch.action, {"enabled": "on"}, **HTMX)
    assert switches(switched)["Inqom Achats"].on

    # A client deposits through the upload page.
    client = browser(tenant.client)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(
            f"{folder_url(achats)}deposer/",
            {"file": SimpleUploadedFile("facture-farine.pdf", PDF, "application/pdf")},
        )
    assert uploaded.status_code == 302

    # One email, from the platform sender to the collection address, with the file attached.
    [email] = mail.outbox
    assert email.from_email == SENDER
    assert email.to == [ACHATS_ADDRESS]
    assert email.subject == "Boulangerie Alpha – facture-farine.pdf"
    assert read(email).attachments == [("facture-farine.pdf", "application/pdf", PDF)]
    document = Document.objects.get(name="facture-farine.pdf")
    assert delivery_of(document).status == DeliveryStatus.SENT

    # "Les documents concernés seront alors indiqués comme étant validés."
    page = client.get(folder_url(achats))
    assert document_rows(page) == {
        "facture-farine.pdf": "Validé",
        "ancienne-facture.pdf": "À traiter",
    }
    assert_names_no_automation(page)
    assert not Delivery.objects.filter(document=earlier).exists()
    # Staff see it in the send history.
    [row] = history_rows(admin.get(HISTORY))
    assert (row.document, row.company, row.app, row.target, row.status) == (
        "facture-farine.pdf",
        "Boulangerie Alpha",
        "Inqom Achats",
        ACHATS_ADDRESS,
        "Envoyé",
    )


# --- Bulk activation from the authorisation page -----------------------------------------------


def test_the_authorisation_page_offers_the_bulk_activation_to_admins(world):
    install(world.a, "inqom", *CONNECTORS)

    page = page_of(browser(world.a.admin).get(authorizations_url("inqom-achats")))

    [form] = [f for f in page.find("form") if f.attrs.get("action") == bulk_url("inqom-achats")]
    assert form.attrs["method"] == "get"  # the next page says what it would do, then asks
    [label] = page.find("label", inside=form)
    assert label.text == "Activer sur le dossier"
    # No free text: the folders of the cabinet's default tree, this year's and last year's.
    options = page.find("option", inside=form)
    paths = [option.text for option in options]
    assert paths[:2] == [ANNUAL, ACHATS_FOLDER]
    assert "Dossier comptable annuel 2025/Achats" in paths
    assert [o.text for o in options if o.has("selected")] == [ACHATS_FOLDER]
    assert page.buttons(inside=form) == ["pour toutes les entreprises autorisées…"]
    # Collaborators read the page without the form.
    collaborator = page_of(browser(world.a.collaborator).get(authorizations_url("inqom-achats")))
    assert not [
        f for f in collaborator.find("form") if f.attrs.get("action") == bulk_url("inqom-achats")
    ]


def test_bulk_activation_switches_the_folder_on_for_every_authorised_company_and_says_how_many(
    world,
):
    tenant = world.a
    install(tenant, "inqom", *CONNECTORS)
    third = CompanyFactory(cabinet=tenant.cabinet, name="Charcuterie Alpha")
    unauthorised = CompanyFactory(cabinet=tenant.cabinet, name="Droguerie Alpha")
    authorize(tenant, tenant.company, "inqom-achats", ACHATS_ADDRESS)
    authorize(tenant, tenant.other_company, "inqom-achats", "achat.garage-alpha@inqombox.com")
    authorize(tenant, third, "inqom-achats", "achat.charcuterie-alpha@inqombox.com")
    ours = folder_at(tenant.company, ACHATS_FOLDER)
    theirs = folder_at(tenant.other_company, ACHATS_FOLDER)
    switch_on(theirs, "inqom-achats", tenant.admin)  # on already
    folder_at(third, f"{ANNUAL}/Ventes")  # no Achats folder
    outside = folder_at(unauthorised, ACHATS_FOLDER)
    beta = folder_at(world.b.company, ACHATS_FOLDER)
    client = browser(tenant.admin)

    response = client.post(bulk_url("inqom-achats"), {"path": ACHATS_FOLDER}, follow=True)

    assert response.redirect_chain == [(authorizations_url("inqom-achats"), 302)]
    assert flashes(response) == [
        "Inqom Achats activée sur « Dossier comptable annuel 2026/Achats » pour 1 entreprise. "
        "Déjà active pour 1 entreprise. 1 entreprise autorisée n'a pas ce dossier."
    ]
    enabled = set(
        FolderAutomation.objects.filter(enabled=True, app__slug="inqom-achats").values_list(
            "folder", flat=True
        )
    )
    assert enabled == {ours.pk, theirs.pk}
    assert outside.pk not in enabled
    assert beta.pk not in enabled
    # The switch shows on the folder's toolbar.
    assert switches(client.get(folder_url(ours)))["Inqom Achats"].on


def test_bulk_activation_matches_the_path_without_case_nor_surrounding_slashes(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.a.admin).post(
        bulk_url("inqom-achats"), {"path": "/dossier comptable ANNUEL 2026/achats/"}, follow=True
    )

    assert flashes(response) == [
        "Inqom Achats activée sur « Dossier comptable annuel 2026/Achats » pour 1 entreprise."
    ]
    assert FolderAutomation.objects.get(enabled=True).folder == achats


@pytest.mark.parametrize(
    "path", ["", "  ", "Dossier comptable annuel 2026//Achats", f"{ANNUAL}/Achat", "Achats"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_bulk_activation_of_a_folder_outside_the_tree_is_refused_in_french(world, path, method):
    ready(world.a, "inqom-achats")
    folder_at(world.a.company, ACHATS_FOLDER)
    client = browser(world.a.admin)

    response = getattr(client, method)(bulk_url("inqom-achats"), {"path": path}, follow=True)

    assert response.redirect_chain == [(authorizations_url("inqom-achats"), 302)]
    assert flashes(response) == ["Choisissez un dossier de l'arborescence du cabinet."]
    assert not FolderAutomation.objects.exists()


def test_bulk_activation_previews_before_it_switches_anything(world):
    tenant = world.a
    ready(tenant, "inqom-achats")
    third = CompanyFactory(cabinet=tenant.cabinet, name="Charcuterie Alpha")
    authorize(tenant, tenant.other_company, "inqom-achats", "achat.garage-alpha@inqombox.com")
    authorize(tenant, third, "inqom-achats", "achat.charcuterie-alpha@inqombox.com")
    folder_at(tenant.company, ACHATS_FOLDER)
    switch_on(folder_at(tenant.other_company, ACHATS_FOLDER), "inqom-achats", tenant.admin)
    folder_at(third, f"{ANNUAL}/Ventes")
    Folder.objects.filter(company=third, name="Achats").delete()

    response = browser(tenant.admin).get(bulk_url("inqom-achats"), {"path": ACHATS_FOLDER})

    page = page_of(response)
    assert page.one("h1").text == f"Activer Inqom Achats sur « {ACHATS_FOLDER} » ?"
    lead = next(p.text for p in page.find("p") if "lead" in p.attrs.get("class", ""))
    assert lead == (
        "3 entreprises autorisées pour Inqom Achats, dont 1 déjà activée et 1 sans ce dossier."
    )
    [form] = [f for f in page.find("form") if f.attrs.get("action") == bulk_url("inqom-achats")]
    assert form.attrs["method"] == "post"
    assert page.buttons(inside=form) == ["Activer pour 1 entreprise"]
    assert page.one("input", name="path").attrs["value"] == ACHATS_FOLDER
    assert FolderAutomation.objects.filter(enabled=True).count() == 1


def test_bulk_activation_of_a_folder_no_authorised_company_has_is_refused(world):
    ready(world.a, "inqom-achats")
    folder_at(world.a.company, ACHATS_FOLDER)
    last_year = "Dossier comptable annuel 2025/Achats"
    client = browser(world.a.admin)

    for method in ("get", "post"):
        response = getattr(client, method)(
            bulk_url("inqom-achats"), {"path": last_year}, follow=True
        )
        assert flashes(response) == [
            f"Aucune entreprise autorisée pour Inqom Achats n'a de dossier « {last_year} » : "
            "rien à activer."
        ], method
    assert not FolderAutomation.objects.exists()


def test_collaborators_cannot_bulk_activate(world):
    ready(world.a, "inqom-achats")
    folder_at(world.a.company, ACHATS_FOLDER)

    response = browser(world.a.collaborator).post(bulk_url("inqom-achats"), {"path": ACHATS_FOLDER})

    assert response.status_code == 403
    assert FORBIDDEN in visible_text(response)
    assert not FolderAutomation.objects.exists()


# --- A document's send history -----------------------------------------------------------------


def history_world(tenant):
    """Inqom Achats authorised for the tenant's company and switched on its annual Achats."""
    ready(tenant, "inqom-achats")
    achats = folder_at(tenant.company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", tenant.admin)
    return achats


@pytest.mark.parametrize(
    ("status", "retry"),
    [
        (DeliveryStatus.FAILED, True),
        (DeliveryStatus.BOUNCED, True),
        (DeliveryStatus.SKIPPED, True),
        (DeliveryStatus.SENT, False),
        (DeliveryStatus.DELIVERED, False),
        (DeliveryStatus.PENDING, False),
        # A planned retry may be brought forward (« Réessayer maintenant »).
        (DeliveryStatus.RETRYING, True),
    ],
)
def test_the_document_page_shows_its_send_history_to_staff(world, status, retry):
    achats = history_world(world.a)
    [document] = deposited(achats, "facture.pdf", by=world.a.client)
    set_delivery(delivery_of(document), status, reason="Motif en français.")

    response = browser(world.a.collaborator).get(document_url(document))

    page = page_of(response)
    panel = deliveries_panel(page)
    assert panel is not None
    assert page.find("h3", inside=panel)[0].text == "Historique d'envoi"
    label = DeliveryStatus(status).label
    [row] = history_rows(response)
    assert (row.app, row.status, row.reason, row.target, row.retry) == (
        "Inqom Achats",
        label,
        "Motif en français.",
        ACHATS_ADDRESS,
        retry,
    )


def test_renvoyer_on_a_documents_page_sends_again_and_comes_back_to_it(
    world, django_capture_on_commit_callbacks
):
    achats = history_world(world.a)
    [document] = deposited(achats, "facture.pdf", by=world.a.client)
    set_delivery(delivery_of(document), DeliveryStatus.FAILED, reason="Adresse refusée.")
    client = browser(world.a.admin)
    [form] = [
        f
        for f in page_of(client.get(document_url(document))).find("form")
        if f.attrs.get("action") == retry_url(delivery_of(document))
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form.attrs["action"], {"next": document_url(document)})

    assert response.status_code == 302
    assert response["Location"] == document_url(document)
    page = client.get(document_url(document))
    # The test's transaction holds the send until the request is over: the row said "queued".
    assert flashes(page) == ["« facture.pdf » est en file d'envoi vers Inqom Achats."]
    assert [row.status for row in history_rows(page)] == ["Envoyé"]
    assert len(mail.outbox) == 1
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.VALIDATED


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_never_see_a_documents_send_history(world, who):
    achats = history_world(world.a)
    other = folder_at(world.a.other_company, ACHATS_FOLDER)
    [document] = deposited(achats, "facture.pdf", by=world.a.client)
    [other_document] = deposited(other, "autre.pdf")
    DeliveryFactory(
        document=other_document,
        target="achat.garage-alpha@inqombox.com",
        status=DeliveryStatus.FAILED,
        reason="Inqom a refusé l'envoi.",
    )
    set_delivery(delivery_of(document), DeliveryStatus.FAILED, reason="Inqom a refusé l'envoi.")
    seen = document if who == "client" else other_document

    response = browser(getattr(world.a, who)).get(document_url(seen))

    assert response.status_code == 200
    assert deliveries_panel(page_of(response)) is None
    assert_names_no_automation(response)


def test_a_document_without_deliveries_has_no_history_panel(world):
    ready(world.a, "inqom-achats")
    [document] = deposited(folder_at(world.a.company, ACHATS_FOLDER), "facture.pdf")

    response = browser(world.a.admin).get(document_url(document))

    assert deliveries_panel(page_of(response)) is None


def test_a_document_shows_validated_to_its_client_once_sent(
    world, django_capture_on_commit_callbacks
):
    achats = history_world(world.a)
    with django_capture_on_commit_callbacks(execute=True):
        [document] = deposited(achats, "facture.pdf", by=world.a.client)

    response = browser(world.a.client).get(document_url(document))

    page = page_of(response)
    [status] = [s for s in page.find("span") if has_class(s, "status-validated")]
    assert status.text == "Validé"
    assert_names_no_automation(response)


# --- The cabinet's send history ----------------------------------------------------------------


def test_the_history_is_reached_from_the_applications_page(world):
    install(world.a, "inqom")

    page = page_of(browser(world.a.collaborator).get(APPLICATIONS))

    [link] = page.links("Historique d'envoi", inside=page.one("main"))
    assert link.attrs["href"] == HISTORY


def test_the_history_lists_failures_first_then_newest_first(world):
    achats = history_world(world.a)
    names = ["ancien.pdf", "echec.pdf", "ignore.pdf", "refuse.pdf", "recu.pdf", "attente.pdf"]
    documents = dict(zip(names, deposited(achats, *names, by=world.a.client), strict=True))
    today = timezone.localdate()
    outcomes = {
        "ancien.pdf": (DeliveryStatus.SENT, 6),
        "echec.pdf": (DeliveryStatus.FAILED, 5),
        "ignore.pdf": (DeliveryStatus.SKIPPED, 4),
        "refuse.pdf": (DeliveryStatus.BOUNCED, 3),
        "recu.pdf": (DeliveryStatus.DELIVERED, 2),
        "attente.pdf": (DeliveryStatus.RETRYING, 1),
    }
    for name, (status, days_ago) in outcomes.items():
        set_delivery(
            delivery_of(documents[name]), status, day=today - datetime.timedelta(days=days_ago)
        )

    response = browser(world.a.admin).get(HISTORY)

    assert response.status_code == 200
    assert page_of(response).one("h1").text == "Historique d'envoi"
    rows = history_rows(response)
    assert [(row.document, row.status) for row in rows] == [
        ("refuse.pdf", "Refusé par le destinataire"),
        ("echec.pdf", "Échec"),
        ("attente.pdf", "Nouvel essai prévu"),
        ("ignore.pdf", "Non envoyé"),
        ("recu.pdf", "Reçu"),
        ("ancien.pdf", "Envoyé"),
    ]
    assert [row.retry for row in rows] == [True, True, True, True, False, False]
    assert {row.company for row in rows} == {"Boulangerie Alpha"}


def test_the_history_filters_by_status_app_and_company(world):
    tenant = world.a
    ready(tenant, "inqom-achats", "inqom-ventes")
    ready(tenant, "inqom-achats", company=tenant.other_company)
    achats = folder_at(tenant.company, ACHATS_FOLDER)
    ventes = folder_at(tenant.company, VENTES)
    garage = folder_at(tenant.other_company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", tenant.admin)
    switch_on(ventes, "inqom-ventes", tenant.admin)
    switch_on(garage, "inqom-achats", tenant.admin)
    [achat] = deposited(achats, "achat.pdf")
    [vente] = deposited(ventes, "vente.pdf")
    [garage_doc] = deposited(garage, "garage.pdf")
    set_delivery(delivery_of(achat), DeliveryStatus.FAILED)
    set_delivery(delivery_of(vente, "inqom-ventes"), DeliveryStatus.SENT)
    set_delivery(delivery_of(garage_doc), DeliveryStatus.FAILED)
    client = browser(tenant.collaborator)

    def listed(**filters) -> set[str]:
        response = client.get(HISTORY, filters)
        assert response.status_code == 200
        return {row.document for row in history_rows(response)}

    assert listed() == {"achat.pdf", "vente.pdf", "garage.pdf"}
    assert listed(status="failed") == {"achat.pdf", "garage.pdf"}
    assert listed(status="sent") == {"vente.pdf"}
    assert listed(app="inqom-ventes") == {"vente.pdf"}
    assert listed(company=tenant.other_company.pk) == {"garage.pdf"}
    assert listed(status="failed", company=tenant.company.pk) == {"achat.pdf"}
    assert listed(status="delivered") == set()
    empty = client.get(HISTORY, {"status": "delivered"})
    assert "Aucun envoi pour ces filtres." in visible_text(empty)
    # The form offers the filters, the chosen ones selected.
    page = page_of(client.get(HISTORY, {"status": "failed", "app": "inqom-achats"}))
    [status_select] = page.find("select", name="status")
    [chosen] = [o for o in page.find("option", inside=status_select) if o.has("selected")]
    assert chosen.attrs["value"] == "failed"
    [app_select] = page.find("select", name="app")
    assert [o.text for o in page.find("option", inside=app_select)] == ["Toutes", *CONNECTOR_NAMES]
    [company_select] = page.find("select", name="company")
    assert [o.text for o in page.find("option", inside=company_select)] == [
        "Toutes",
        "Boulangerie Alpha",
        "Garage Alpha",
    ]
    page = page_of(client.get(HISTORY, {"company": tenant.other_company.pk}))
    [company_select] = page.find("select", name="company")
    [chosen] = [o for o in page.find("option", inside=company_select) if o.has("selected")]
    assert (chosen.attrs["value"], chosen.text) == (str(tenant.other_company.pk), "Garage Alpha")


@pytest.mark.parametrize("app_filter", ["inqom\x00achats", "inqom achats", "²"])
def test_an_app_filter_that_names_no_app_lists_nothing(world, app_filter):
    # PostgreSQL refuses a NUL in a query: the page was a 500 there.
    deposited(history_world(world.a), "facture.pdf")

    response = browser(world.a.admin).get(HISTORY, {"app": app_filter})

    assert response.status_code == 200
    assert history_rows(response) == []
    assert "Aucun envoi pour ces filtres." in visible_text(response)


def test_the_history_paginates_by_50(world):
    achats = history_world(world.a)
    names = [f"facture-{n:02d}.pdf" for n in range(DELIVERIES_PER_PAGE + 5)]
    deposited(achats, *names)
    client = browser(world.a.admin)

    first = client.get(HISTORY)
    second = client.get(HISTORY, {"page": 2})

    assert len(history_rows(first)) == DELIVERIES_PER_PAGE
    assert len(history_rows(second)) == 5
    listed = [row.document for row in history_rows(first) + history_rows(second)]
    assert sorted(listed) == sorted(names)
    page = page_of(first)
    [nav] = page.find("nav", aria_label="Pagination")
    assert "Page 1 sur 2" in nav.text
    [following] = page.links("Suivante ›", inside=nav)
    assert following.attrs["href"] == "?status=&app=&company=&page=2"
    # A page out of range is not an error.
    assert client.get(HISTORY, {"page": 99}).status_code == 200


# The send history's queries, pinned: the cabinet, the session, the user; the count of the
# deliveries, the chart's days, the page's rows (their document, app, company and readiness);
# the top bar's counts; the filters' apps and companies.
HISTORY_QUERIES = 9


def test_the_history_costs_the_same_queries_for_many_deliveries_as_for_few(world):
    achats = history_world(world.a)
    deposited(achats, *(f"a-{n}.pdf" for n in range(3)))
    client = browser(world.a.admin)
    client.get(HISTORY)
    with CaptureQueriesContext(connection) as few:
        client.get(HISTORY)
    other = folder_at(world.a.company, f"{ACHATS_FOLDER}/Fournisseurs")
    deposited(other, *(f"b-{n}.pdf" for n in range(12)))

    with CaptureQueriesContext(connection) as many:
        response = client.get(HISTORY)

    assert len(history_rows(response)) == 15
    assert len(many) == len(few) == HISTORY_QUERIES
    # A company chosen: one more, to find it among the cabinet's.
    with CaptureQueriesContext(connection) as filtered:
        client.get(HISTORY, {"company": world.a.company.pk, "page": 2})
    assert len(filtered) == HISTORY_QUERIES + 1


def test_the_history_reads_its_first_page_in_order_from_the_cabinets_index(world):
    """At platform scale, a cabinet's history sorted all its deliveries (failures first) for
    each page: the order must be the one `delivery_cabinet_attention` holds, so that PostgreSQL
    reads the page's rows in order (docs/benchmarks.md, « Platform scale »)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    achats = history_world(world.a)
    deposited(achats, *(f"a-{n}.pdf" for n in range(3)))
    plans = {}
    for index, company in [
        ("delivery_cabinet_attention", None),
        ("delivery_company_attention", world.a.company),
    ]:
        history = delivery_history(cabinet=world.a.cabinet, company=company, failures_first=True)
        sql, params = history.values("pk")[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            # A handful of rows would be scanned and sorted: the plan is asked as for many.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plans[index] = "\n".join(row[0] for row in cursor.fetchall())

    for index, plan in plans.items():
        assert index in plan
        assert "Sort" not in plan


def test_the_history_pages_hold_the_rows_of_a_plain_paginator_in_the_same_order(world):
    achats = history_world(world.a)
    deposited(achats, *(f"facture-{n:02d}.pdf" for n in range(7)))
    failed = Delivery.objects.filter(company=world.a.company).order_by("pk")[3]
    Delivery.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED)
    history = delivery_history(cabinet=world.a.cabinet, failures_first=True)

    for per_page, orphans in ((3, 0), (3, 1), (2, 0)):
        plain = Paginator(history, per_page, orphans=orphans)
        sorted_first = SortFirstPaginator(history, per_page, orphans=orphans)
        assert sorted_first.num_pages == plain.num_pages
        for number in plain.page_range:
            assert [d.pk for d in sorted_first.page(number)] == [d.pk for d in plain.page(number)]
    assert SortFirstPaginator(history, 3).page(1)[0].pk == failed.pk


def chart_of(page: Page):
    [svg] = [svg for svg in page.find("svg") if has_class(svg, "delivery-chart")]
    return svg


def chart_bars(response) -> list[dict[str, str]]:
    page = page_of(response)
    svg = chart_of(page)
    return [
        {**rect.attrs, "title": page.find("title", inside=rect)[0].text}
        for rect in page.find("rect", inside=svg)
    ]


def test_the_history_draws_the_last_30_days_by_status(world):
    achats = history_world(world.a)
    names = ["a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"]
    documents = dict(zip(names, deposited(achats, *names), strict=True))
    today = timezone.localdate()
    three_days_ago = today - datetime.timedelta(days=3)
    set_delivery(delivery_of(documents["a.pdf"]), DeliveryStatus.SENT, day=today)
    set_delivery(delivery_of(documents["b.pdf"]), DeliveryStatus.SENT, day=today)
    set_delivery(delivery_of(documents["c.pdf"]), DeliveryStatus.FAILED, day=today)
    set_delivery(delivery_of(documents["d.pdf"]), DeliveryStatus.DELIVERED, day=three_days_ago)
    # Older than 30 days: not drawn.
    set_delivery(
        delivery_of(documents["e.pdf"]),
        DeliveryStatus.FAILED,
        day=today - datetime.timedelta(days=30),
    )
    # The other cabinet's deliveries are not counted.
    beta = history_world(world.b)
    [beta_document] = deposited(beta, "beta.pdf")
    set_delivery(delivery_of(beta_document), DeliveryStatus.SENT, day=today)

    response = browser(world.a.admin).get(HISTORY)

    page = page_of(response)
    svg = chart_of(page)
    # The parser reads attribute names in lower case.
    assert svg.attrs["viewbox"] == f"0 0 600 {CHART_HEIGHT}"
    [desc] = page.find("desc", inside=svg)
    assert "le jour le plus chargé compte 3 envois" in desc.text
    # Today is the 30th bar (x = 29 × 20 + 2), three days ago the 27th; stacked from the bottom.
    assert chart_bars(response) == [
        {
            "class": "bar-delivered",
            "x": "522",
            "y": "80",
            "width": "16",
            "height": "40",
            "title": f"{three_days_ago:%d/%m} : 1",
        },
        {
            "class": "bar-sent",
            "x": "582",
            "y": "40",
            "width": "16",
            "height": "80",
            "title": f"{today:%d/%m} : 2",
        },
        {
            "class": "bar-failed",
            "x": "582",
            "y": "0",
            "width": "16",
            "height": "40",
            "title": f"{today:%d/%m} : 1",
        },
    ]
    legend = [
        li.text
        for li in page.find("li")
        if "chart-legend" in li.ancestors[-1].attrs.get("class", "")
    ]
    assert "Échec" in legend
    assert "Envoyé" in legend


def test_renvoyer_from_the_history_sends_again_and_returns_to_the_page(
    world, django_capture_on_commit_callbacks
):
    achats = history_world(world.a)
    [document] = deposited(achats, "facture.pdf", by=world.a.client)
    delivery = delivery_of(document)
    set_delivery(delivery, DeliveryStatus.BOUNCED, reason="Inqom a refusé l'envoi.")
    client = browser(world.a.collaborator)
    filtered = f"{HISTORY}?status=bounced"
    page = page_of(client.get(filtered))
    [form] = [f for f in page.find("form") if f.attrs.get("action") == retry_url(delivery)]
    [back] = page.find("input", inside=form, name="next")
    assert back.attrs["value"] == filtered
    assert page.buttons(inside=form) == ["Renvoyer"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form.attrs["action"], {"next": back.attrs["value"]})

    assert response.status_code == 302
    assert response["Location"] == filtered
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.reason == ""
    [email] = mail.outbox
    assert email.to == [ACHATS_ADDRESS]
    after = client.get(HISTORY)
    assert flashes(after) == ["« facture.pdf » est en file d'envoi vers Inqom Achats."]
    assert [(row.status, row.retry) for row in history_rows(after)] == [("Envoyé", False)]


def test_renvoyer_a_skipped_duplicate_sends_it_anyway(world, django_capture_on_commit_callbacks):
    achats = history_world(world.a)
    with django_capture_on_commit_callbacks(execute=True):
        first = deposit(achats, name="facture.pdf", content=PDF)
        again = deposit(achats, name="facture-bis.pdf", content=PDF)
    skipped = delivery_of(again)
    assert skipped.status == DeliveryStatus.SKIPPED
    # Deposited together: the first was still on its way when the second came.
    assert skipped.reason == f"Doublon de « facture.pdf », déjà en route vers {ACHATS_ADDRESS}."
    assert delivery_of(first).status == DeliveryStatus.SENT
    client = browser(world.a.admin)
    [row] = [r for r in history_rows(client.get(HISTORY)) if r.document == "facture-bis.pdf"]
    assert row.retry

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(skipped), {"next": HISTORY})

    assert response["Location"] == HISTORY
    assert delivery_of(again).status == DeliveryStatus.SENT
    assert [email.attachment[0] for email in received(to=ACHATS_ADDRESS)] == [
        "facture.pdf",
        "facture-bis.pdf",
    ]


def test_renvoyer_what_went_is_refused_in_french(world):
    achats = history_world(world.a)
    [document] = deposited(achats, "facture.pdf")
    delivery = delivery_of(document)
    set_delivery(delivery, DeliveryStatus.SENT)
    client = browser(world.a.admin)

    response = client.post(retry_url(delivery), {"next": HISTORY}, follow=True)

    assert response.redirect_chain == [(HISTORY, 302)]
    assert flashes(response) == ["Cet envoi est « Envoyé » : il ne se renvoie pas."]
    assert delivery_of(document).status == DeliveryStatus.SENT


def test_renvoyer_never_redirects_to_another_site(world):
    achats = history_world(world.a)
    [document] = deposited(achats, "facture.pdf")
    set_delivery(delivery_of(document), DeliveryStatus.FAILED)

    response = browser(world.a.admin).post(
        retry_url(delivery_of(document)), {"next": "https://exemple.com/piege/"}
    )

    assert response.status_code == 302
    assert response["Location"] == HISTORY


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_get_404_from_the_history_and_renvoyer(world, who):
    achats = history_world(world.a)
    [document] = deposited(achats, "facture.pdf", by=world.a.client)
    delivery = delivery_of(document)
    set_delivery(delivery, DeliveryStatus.FAILED)
    client = browser(getattr(world.a, who))

    for response in (
        client.get(HISTORY),
        client.post(retry_url(delivery), {"next": HISTORY}),
    ):
        assert response.status_code == 404
        assert NOT_FOUND in visible_text(response)
        assert_names_no_automation(response)
    assert delivery_of(document).status == DeliveryStatus.FAILED


def test_the_other_cabinets_deliveries_never_appear(world):
    alpha = history_world(world.a)
    beta = history_world(world.b)
    [ours] = deposited(alpha, "facture-alpha.pdf")
    [theirs] = deposited(beta, "facture-beta.pdf")
    set_delivery(delivery_of(ours), DeliveryStatus.FAILED)
    set_delivery(delivery_of(theirs), DeliveryStatus.FAILED)
    client = browser(world.a.admin)

    response = client.get(HISTORY)

    assert [row.document for row in history_rows(response)] == ["facture-alpha.pdf"]
    body = response.content.decode()
    assert "Boulangerie Beta" not in body
    assert "facture-beta.pdf" not in body
    # Filtering by the other cabinet's company shows nothing of it.
    filtered = client.get(HISTORY, {"company": world.b.company.pk})
    assert "facture-beta.pdf" not in filtered.content.decode()
    # Nor can its deliveries be sent again from here.
    refused = client.post(retry_url(delivery_of(theirs)), {"next": HISTORY})
    assert refused.status_code == 404
    assert delivery_of(theirs).status == DeliveryStatus.FAILED


# --- What the folder page costs ----------------------------------------------------------------


# An empty folder's page for staff, pinned: the cabinet, the session, the user, the folder, the
# count of its documents, the tree (its ancestors and subfolders are read from it); then the
# "Automatisations": the installed connectors, each with its authorisation and its nearest
# switch on (the ancestors they name are the page's own); and the top bar's unread
# notifications, « Envois à régler » and « Emails à valider », counted in one query.
EMPTY_FOLDER_PAGE_QUERIES = 8


def measured(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_the_automations_section_costs_the_same_at_any_depth_and_for_any_number_of_switches(
    world,
):
    tenant = world.a
    ready(tenant, *CONNECTORS)
    path = "/".join(f"Niveau {n}" for n in range(11))
    deepest = folder_at(tenant.company, path)
    chain = list(Folder.objects.filter(company=tenant.company).order_by("depth"))
    root, shallow = chain[0], chain[1]
    switch_on(root, "inqom-achats", tenant.admin)
    client = browser(tenant.collaborator)
    client.get(folder_url(shallow))

    reference = measured(client, folder_url(shallow))

    assert reference == EMPTY_FOLDER_PAGE_QUERIES
    assert measured(client, folder_url(deepest)) == reference
    for slug in ("inqom-ventes", "inqom-ndf", "inqom-administratif"):
        switch_on(chain[5], slug, tenant.admin)
    assert measured(client, folder_url(deepest)) == reference
    shown = switches(client.get(folder_url(deepest)))
    assert all(s.on and s.disabled for s in shown.values())
    assert shown["Inqom Achats"].note == "Activée et verrouillée : héritée de « Niveau 0 »"
    assert shown["Inqom NDF"].note == "Activée et verrouillée : héritée de « Niveau 5 »"
