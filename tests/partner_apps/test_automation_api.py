"""The automation and delivery endpoints of the REST API (API.md): a folder's switches, one row
per installed connector, with where an inherited one comes from and why an unavailable one is
so; turning a switch on or off; a document's deliveries; the cabinet's send history with its
filters; "Renvoyer". Staff only: clients are refused and learn nothing, and what belongs to the
other cabinet answers the same 404 as what does not exist."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from ged.models import Document, DocumentStatus, Folder
from ged.services.documents import document_trash
from partner_apps.models import Delivery, DeliveryStatus, FolderAutomation, PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install, app_uninstall
from tests.conftest import Tenant, api, host_of
from tests.helpers.documents import PDF, PNG, deposit, folder_at
from tests.helpers.forwarding import read, received
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

CONNECTORS = ["inqom-achats", "inqom-ventes", "inqom-ndf", "inqom-administratif"]
PREFIXES = {"inqom-achats": "achat", "inqom-ventes": "vente", "inqom-ndf": "ndf"}
PREFIXES["inqom-administratif"] = "admin"
ACHATS_FOLDER = "Dossier comptable annuel 2026/Achats"
VENTES = "Dossier comptable annuel 2026/Ventes"
ACHATS_ADDRESS = "achat.boulangerie-alpha@inqombox.com"
DELIVERIES_URL = "/api/v1/deliveries/"
MISSING_ID = 10**9
PAGE_SIZE = 50

PAGE_FIELDS = {"count", "next", "previous", "results"}
AUTOMATION_FIELDS = {"app", "enabled", "inherited_from", "activated_at", "available", "reason"}
DELIVERY_FIELDS = {
    "id",
    "app",
    "status",
    "reason",
    "target",
    "attempts",
    "message_id",
    "created_at",
    "sent_at",
}
NOT_AUTHORISED = "L'entreprise n'est pas autorisée pour {name}."
NAMES = {
    "inqom-achats": "Inqom Achats",
    "inqom-ventes": "Inqom Ventes",
    "inqom-ndf": "Inqom NDF",
    "inqom-administratif": "Inqom Administratif",
}


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.INQOM_SENDER_EMAIL = "no-reply@welyb.fr"


# --- Addresses and building blocks -------------------------------------------------------------


def automations_url(folder_or_id) -> str:
    return f"/api/v1/folders/{getattr(folder_or_id, 'pk', folder_or_id)}/automations/"


def automation_url(folder_or_id, slug: str) -> str:
    return f"{automations_url(folder_or_id)}{slug}/"


def document_deliveries_url(document_or_id) -> str:
    return f"/api/v1/documents/{getattr(document_or_id, 'pk', document_or_id)}/deliveries/"


def retry_url(delivery_or_id) -> str:
    return f"{DELIVERIES_URL}{getattr(delivery_or_id, 'pk', delivery_or_id)}/retry/"


def app(slug: str) -> PartnerApp:
    return PartnerApp.objects.get(slug=slug)


def address_of(company, slug: str) -> str:
    return f"{PREFIXES[slug]}.{company.name.lower().replace(' ', '-')}@inqombox.com"


def ready(tenant: Tenant, *slugs: str, company=None, installed=("inqom", *CONNECTORS)) -> None:
    """The cabinet installed these apps; the company is authorised for the given connectors."""
    for slug in installed:
        app_install(cabinet=tenant.cabinet, app=app(slug), by=tenant.admin)
    company = company or tenant.company
    for slug in slugs:
        authorization_set(
            company=company,
            app=app(slug),
            enabled=True,
            collection_email=address_of(company, slug),
            by=tenant.admin,
        )


def switch_on(folder, slug: str, by) -> FolderAutomation:
    return automation_set(folder=folder, app=app(slug), enabled=True, by=by)


def delivery_of(document, slug: str = "inqom-achats") -> Delivery:
    return Delivery.objects.get(document=document, app__slug=slug)


def set_delivery(delivery: Delivery, status: str, *, reason: str = "", minutes_ago=None) -> None:
    fields = {"status": status, "reason": reason}
    if minutes_ago is not None:
        fields["created_at"] = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


def deposited(folder, *names: str, by=None) -> list[Document]:
    return [deposit(folder, name=name, content=PDF + name.encode(), by=by) for name in names]


def achats_on(tenant: Tenant) -> Folder:
    """Achats authorised for the tenant's company and switched on its annual Achats folder."""
    ready(tenant, "inqom-achats")
    achats = folder_at(tenant.company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", tenant.admin)
    return achats


def rows_by_app(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["app"]: row for row in response.json()}


def every_page(client, url: str, params=None) -> list[dict]:
    results, page = [], client.get(url, params or {}).json()
    while True:
        results += page["results"]
        if not page["next"]:
            return results
        page = client.get(page["next"]).json()


def outbox_state() -> tuple:
    return (
        list(
            FolderAutomation.objects.order_by("pk").values(
                "pk", "folder", "app", "enabled", "activated_at"
            )
        ),
        list(Delivery.objects.order_by("pk").values("pk", "status", "attempts", "target")),
        AuditEntry.objects.count(),
    )


# --- A folder's switches -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_read_one_row_per_installed_connector_with_the_promised_fields(world, role):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = api(getattr(world.a, role)).get(automations_url(achats))

    assert response.status_code == 200
    rows = response.json()
    assert [row["app"] for row in rows] == CONNECTORS
    assert all(set(row) >= AUTOMATION_FIELDS for row in rows)
    assert {field: rows[0][field] for field in AUTOMATION_FIELDS} == {
        "app": "inqom-achats",
        "enabled": False,
        "inherited_from": None,
        "activated_at": None,
        "available": True,
        "reason": "",
    }
    for row in rows[1:]:
        assert (row["enabled"], row["available"], row["inherited_from"]) == (False, False, None)
        assert row["reason"] == NOT_AUTHORISED.format(name=NAMES[row["app"]])


def test_only_installed_connectors_are_listed(world):
    ready(world.a, installed=("inqom", "inqom-ndf"))
    folder = folder_at(world.a.company, ACHATS_FOLDER)

    assert [row["app"] for row in api(world.a.admin).get(automations_url(folder)).json()] == [
        "inqom-ndf"
    ]
    # With no connector installed, the list is empty.
    ready(world.b, installed=("inqom",))
    beta = folder_at(world.b.company, ACHATS_FOLDER)
    assert api(world.b.admin).get(automations_url(beta)).json() == []


def test_an_own_switch_says_when_it_was_turned_on(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    automation = switch_on(achats, "inqom-achats", world.a.admin)

    row = rows_by_app(api(world.a.admin).get(automations_url(achats)))["inqom-achats"]

    assert (row["enabled"], row["inherited_from"], row["available"]) == (True, None, True)
    assert parse_datetime(row["activated_at"]) == automation.activated_at


def test_a_subfolder_inherits_the_switch_and_names_the_ancestor(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    automation = switch_on(achats, "inqom-achats", world.a.admin)
    # A subfolder created after the switch inherits it too.
    deep = folder_at(world.a.company, f"{ACHATS_FOLDER}/Fournisseurs/2026-T1")
    client = api(world.a.collaborator)

    row = rows_by_app(client.get(automations_url(deep)))["inqom-achats"]

    assert row["enabled"] is True
    assert row["inherited_from"] == achats.pk
    assert parse_datetime(row["activated_at"]) == automation.activated_at
    # Neither its parent above nor a sibling folder.
    for folder in (achats.parent, folder_at(world.a.company, VENTES)):
        above = rows_by_app(client.get(automations_url(folder)))["inqom-achats"]
        assert (above["enabled"], above["inherited_from"]) == (False, None)


def test_the_nearest_switch_applies_when_several_ancestors_have_one(world):
    ready(world.a, "inqom-achats")
    annual = folder_at(world.a.company, "Dossier comptable annuel 2026")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    deep = folder_at(world.a.company, f"{ACHATS_FOLDER}/Fournisseurs")
    switch_on(annual, "inqom-achats", world.a.admin)
    FolderAutomation.objects.create(
        folder=achats,
        app=app("inqom-achats"),
        enabled=True,
        activated_at=timezone.now(),
        activated_by=world.a.admin,
    )

    row = rows_by_app(api(world.a.admin).get(automations_url(deep)))["inqom-achats"]

    assert row["inherited_from"] == achats.pk


def test_a_folders_switches_cost_the_same_queries_at_depth_2_and_depth_10(world):
    """Its ancestors' switches and names are read once whatever their number; a folder one
    level down (the default tree's) comes with its parent, so it needs one query fewer."""
    ready(world.a, *CONNECTORS)
    deepest = folder_at(world.a.company, "/".join(f"Niveau {n}" for n in range(11)))
    chain = list(Folder.objects.filter(company=world.a.company).order_by("depth"))
    for slug, folder in zip(CONNECTORS, chain, strict=False):
        switch_on(folder, slug, world.a.admin)
    client = api(world.a.admin)
    client.get(automations_url(chain[2]))

    with CaptureQueriesContext(connection) as shallow:
        client.get(automations_url(chain[2]))
    with CaptureQueriesContext(connection) as deep:
        response = client.get(automations_url(deepest))
    with CaptureQueriesContext(connection) as one_level_down:
        client.get(automations_url(chain[1]))

    assert len(deep) == len(shallow)
    assert len(one_level_down) == len(shallow) - 1
    assert [row["inherited_from"] for row in response.json()] == [f.pk for f in chain[:4]]


# --- Turning a switch on or off ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_switch_a_connector_on_and_get_its_row(world, role):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    user = getattr(world.a, role)

    response = api(user).put(
        automation_url(achats, "inqom-achats"), {"enabled": True}, format="json"
    )

    assert response.status_code == 200
    row = response.json()
    assert set(row) >= AUTOMATION_FIELDS
    assert (row["app"], row["enabled"], row["inherited_from"], row["available"]) == (
        "inqom-achats",
        True,
        None,
        True,
    )
    automation = FolderAutomation.objects.get(folder=achats, app__slug="inqom-achats")
    assert automation.enabled
    assert automation.activated_by == user
    assert parse_datetime(row["activated_at"]) == automation.activated_at
    entry = AuditEntry.objects.get(action="automation.changed")
    assert (entry.cabinet, entry.actor) == (world.a.cabinet, user)
    assert entry.data["old"] == {"enabled": False}
    assert entry.data["new"] == {"enabled": True}


def test_options_on_a_switch_describes_it_without_its_fields(world):
    # DRF's default metadata looked for a `queryset` the view does not have: a 500.
    ready(world.a, "inqom-achats")
    url = automation_url(folder_at(world.a.company, ACHATS_FOLDER), "inqom-achats")

    response = api(world.a.collaborator).options(url)

    assert response.status_code == 200
    assert response.json()["renders"] == ["application/json"]
    assert "actions" not in response.json()
    assert api(world.a.client).options(url).status_code == 403


def test_staff_switch_a_connector_off(world):
    achats = achats_on(world.a)

    response = api(world.a.admin).put(
        automation_url(achats, "inqom-achats"), {"enabled": False}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["enabled"], response.json()["activated_at"]) == (False, None)
    assert not FolderAutomation.objects.get(folder=achats).enabled


def test_switching_on_where_it_is_on_changes_nothing(world):
    achats = achats_on(world.a)
    before = outbox_state()

    response = api(world.a.admin).put(
        automation_url(achats, "inqom-achats"), {"enabled": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["enabled"] is True
    assert outbox_state() == before


def test_switching_off_a_switch_that_is_off_changes_nothing(world):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    before = outbox_state()

    response = api(world.a.admin).put(
        automation_url(achats, "inqom-achats"), {"enabled": False}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["enabled"] is False
    # Nothing was switched: no row, no line in the audit trail.
    assert outbox_state() == before


def test_switching_on_where_the_company_is_not_authorised_is_400_and_saves_nothing(world):
    ready(world.a, "inqom-achats")
    ventes = folder_at(world.a.company, VENTES)
    before = outbox_state()

    response = api(world.a.admin).put(
        automation_url(ventes, "inqom-ventes"), {"enabled": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            "L'entreprise n'est pas autorisée pour Inqom Ventes : autorisez-la avec son adresse "
            "de collecte dans Applications › Inqom Ventes."
        ]
    }
    assert outbox_state() == before


def test_a_revoked_authorisation_makes_the_switch_unavailable(world):
    ready(world.a, "inqom-achats")
    authorization_set(
        company=world.a.company,
        app=app("inqom-achats"),
        enabled=False,
        collection_email=ACHATS_ADDRESS,
        by=world.a.admin,
    )
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    client = api(world.a.admin)

    row = rows_by_app(client.get(automations_url(achats)))["inqom-achats"]
    response = client.put(automation_url(achats, "inqom-achats"), {"enabled": True}, format="json")

    assert (row["available"], row["reason"]) == (False, NOT_AUTHORISED.format(name="Inqom Achats"))
    assert response.status_code == 400
    assert not FolderAutomation.objects.exists()


def test_switching_on_a_connector_the_cabinet_did_not_install_is_400_and_saves_nothing(world):
    # Authorised while it was installed, then uninstalled: the address stays, the app is gone.
    ready(world.a, "inqom-ventes", installed=("inqom-ventes",))
    app_uninstall(cabinet=world.a.cabinet, app=app("inqom-ventes"), by=world.a.admin)
    ventes = folder_at(world.a.company, VENTES)
    before = outbox_state()
    client = api(world.a.admin)

    response = client.put(automation_url(ventes, "inqom-ventes"), {"enabled": True}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": ["Installez d'abord l'application « Inqom Ventes »."]}
    assert outbox_state() == before
    off = client.put(automation_url(ventes, "inqom-ventes"), {"enabled": False}, format="json")
    assert off.status_code in (400, 404)
    assert outbox_state() == before


def test_an_inherited_switch_is_400_on_the_subfolder_and_names_the_ancestor(world):
    achats = achats_on(world.a)
    below = folder_at(world.a.company, f"{ACHATS_FOLDER}/Fournisseurs")
    before = outbox_state()

    for enabled in (False, True):
        response = api(world.a.admin).put(
            automation_url(below, "inqom-achats"), {"enabled": enabled}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {
            "detail": [
                "Activée sur « Achats », dont ce dossier hérite : changez-la sur ce dossier-là."
            ]
        }
    assert outbox_state() == before
    assert FolderAutomation.objects.get().folder == achats


@pytest.mark.parametrize("body", [{}, {"enabled": "peut-être"}, {"enabled": None}])
def test_a_malformed_body_is_refused_on_its_field(world, body):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    before = outbox_state()

    response = api(world.a.admin).put(automation_url(achats, "inqom-achats"), body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"enabled"}
    assert outbox_state() == before


@pytest.mark.parametrize("slug", ["inqom", "application-inconnue"])
def test_a_link_app_or_an_unknown_slug_has_no_switch(world, slug):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)

    response = api(world.a.admin).put(
        automation_url(achats, slug), {"enabled": True}, format="json"
    )

    assert response.status_code == 404
    assert not FolderAutomation.objects.exists()


def test_the_soft_warning_does_not_stop_a_switch(world):
    ready(world.a, "inqom-achats")
    ventes = folder_at(world.a.company, VENTES)

    response = api(world.a.admin).put(
        automation_url(ventes, "inqom-achats"), {"enabled": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["enabled"] is True
    assert FolderAutomation.objects.get(folder=ventes).enabled


def test_a_switch_turned_on_through_the_api_sends_what_is_deposited_next(
    world, django_capture_on_commit_callbacks
):
    ready(world.a, "inqom-achats")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    before = deposit(achats, name="avant.pdf", content=PDF + b"avant")
    api(world.a.admin).put(automation_url(achats, "inqom-achats"), {"enabled": True}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.client).post(
            f"/api/v1/folders/{achats.pk}/documents/",
            {"file": _file("apres.pdf")},
            format="multipart",
        )

    assert response.status_code == 201
    [email] = mail.outbox
    assert email.to == [ACHATS_ADDRESS]
    assert read(email).attachment[0] == "apres.pdf"
    assert not Delivery.objects.filter(document=before).exists()
    document = api(world.a.client).get(f"/api/v1/documents/{response.json()['id']}/").json()
    assert document["status"] == "validated"


def _file(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- A document's deliveries -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_read_a_documents_deliveries_with_the_promised_fields(
    world, role, django_capture_on_commit_callbacks
):
    ready(world.a, "inqom-achats", "inqom-administratif")
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", world.a.admin)
    switch_on(achats.parent, "inqom-administratif", world.a.admin)
    with django_capture_on_commit_callbacks(execute=True):
        document = deposit(achats, name="facture.pdf")

    response = api(getattr(world.a, role)).get(document_deliveries_url(document))

    assert response.status_code == 200
    rows = {row["app"]: row for row in response.json()}
    assert set(rows) == {"inqom-achats", "inqom-administratif"}
    assert all(set(row) >= DELIVERY_FIELDS for row in rows.values())
    sent = rows["inqom-achats"]
    delivery = delivery_of(document)
    assert {field: sent[field] for field in ("id", "status", "reason", "target", "attempts")} == {
        "id": delivery.pk,
        "status": "sent",
        "reason": "",
        "target": ACHATS_ADDRESS,
        "attempts": 1,
    }
    assert sent["message_id"] == delivery.message_id != ""
    assert parse_datetime(sent["created_at"]) == delivery.created_at
    assert parse_datetime(sent["sent_at"]) == delivery.sent_at
    assert rows["inqom-administratif"]["target"] == address_of(
        world.a.company, "inqom-administratif"
    )


def test_a_skipped_delivery_says_why(world, django_capture_on_commit_callbacks):
    achats = achats_on(world.a)
    with django_capture_on_commit_callbacks(execute=True):
        document = deposit(achats, name="photo.gif", content=b"GIF89a\x01\x00\x01\x00")

    [row] = api(world.a.admin).get(document_deliveries_url(document)).json()

    assert (row["status"], row["attempts"], row["sent_at"], row["message_id"]) == (
        "skipped",
        0,
        None,
        "",
    )
    assert row["reason"].startswith("Format non accepté par Inqom (.gif)")
    assert mail.outbox == []


def test_a_document_without_deliveries_has_an_empty_list(world):
    ready(world.a, "inqom-achats")
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER))

    response = api(world.a.admin).get(document_deliveries_url(document))

    assert (response.status_code, response.json()) == (200, [])


def test_a_document_of_the_other_cabinet_is_404_like_a_missing_one(world):
    theirs = deposited(achats_on(world.b), "facture.pdf")[0]
    client = api(world.a.admin)

    foreign = client.get(document_deliveries_url(theirs))
    missing = client.get(document_deliveries_url(MISSING_ID))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_a_trashed_documents_deliveries_are_404(world):
    [document] = deposited(achats_on(world.a), "facture.pdf")
    document_trash(document=document, by=world.a.admin)

    response = api(world.a.admin).get(document_deliveries_url(document))

    assert response.status_code == 404


# --- The cabinet's send history ----------------------------------------------------------------


def test_the_history_is_newest_first_with_the_promised_fields(world):
    achats = achats_on(world.a)
    documents = deposited(achats, "a.pdf", "b.pdf", "c.pdf")
    for minutes, document in zip((30, 10, 20), documents, strict=True):
        set_delivery(delivery_of(document), DeliveryStatus.SENT, minutes_ago=minutes)
    set_delivery(delivery_of(documents[0]), DeliveryStatus.FAILED, reason="Échec.", minutes_ago=30)

    response = api(world.a.collaborator).get(DELIVERIES_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert body["count"] == 3
    # Newest first, failures included in their place.
    assert [row["id"] for row in body["results"]] == [
        delivery_of(documents[1]).pk,
        delivery_of(documents[2]).pk,
        delivery_of(documents[0]).pk,
    ]
    assert all(set(row) >= DELIVERY_FIELDS for row in body["results"])
    assert body["results"][-1]["status"] == "failed"
    assert body["results"][-1]["reason"] == "Échec."


def test_the_history_filters_by_status_app_and_company(world):
    tenant = world.a
    ready(tenant, "inqom-achats", "inqom-ventes")
    ready(tenant, "inqom-achats", company=tenant.other_company, installed=())
    achats = folder_at(tenant.company, ACHATS_FOLDER)
    ventes = folder_at(tenant.company, VENTES)
    garage = folder_at(tenant.other_company, ACHATS_FOLDER)
    switch_on(achats, "inqom-achats", tenant.admin)
    switch_on(ventes, "inqom-ventes", tenant.admin)
    switch_on(garage, "inqom-achats", tenant.admin)
    [achat] = deposited(achats, "achat.pdf")
    [vente] = deposited(ventes, "vente.pdf")
    [other] = deposited(garage, "garage.pdf")
    set_delivery(delivery_of(achat), DeliveryStatus.FAILED)
    set_delivery(delivery_of(vente, "inqom-ventes"), DeliveryStatus.SENT)
    set_delivery(delivery_of(other), DeliveryStatus.BOUNCED)
    client = api(tenant.admin)

    def listed(**filters) -> set[int]:
        response = client.get(DELIVERIES_URL, filters)
        assert response.status_code == 200, response.content
        return {row["document"] for row in response.json()["results"]}

    assert listed() == {achat.pk, vente.pk, other.pk}
    assert listed(status="failed") == {achat.pk}
    assert listed(status="bounced") == {other.pk}
    assert listed(app="inqom-ventes") == {vente.pk}
    assert listed(app="inqom-achats") == {achat.pk, other.pk}
    assert listed(company=tenant.other_company.pk) == {other.pk}
    assert listed(company=tenant.company.pk, app="inqom-achats") == {achat.pk}
    assert listed(status="delivered") == set()


def test_the_history_is_paginated_and_every_delivery_is_on_exactly_one_page(world):
    achats = achats_on(world.a)
    deposited(achats, *(f"facture-{n:02d}.pdf" for n in range(PAGE_SIZE + 3)))
    client = api(world.a.admin)

    first = client.get(DELIVERIES_URL).json()
    results = every_page(client, DELIVERIES_URL)

    assert first["count"] == PAGE_SIZE + 3
    assert len(first["results"]) == PAGE_SIZE
    assert first["next"] is not None
    assert first["previous"] is None
    assert len(results) == PAGE_SIZE + 3
    assert len({row["id"] for row in results}) == PAGE_SIZE + 3
    filtered = every_page(client, DELIVERIES_URL, {"status": "pending"})
    assert len(filtered) == PAGE_SIZE + 3


def test_the_history_costs_the_same_queries_for_any_number_of_deliveries(world):
    achats = achats_on(world.a)
    deposited(achats, *(f"a-{n}.pdf" for n in range(2)))
    client = api(world.a.admin)
    client.get(DELIVERIES_URL)
    with CaptureQueriesContext(connection) as few:
        client.get(DELIVERIES_URL)
    deposited(achats, *(f"b-{n}.pdf" for n in range(10)))

    with CaptureQueriesContext(connection) as many:
        response = client.get(DELIVERIES_URL)

    assert response.json()["count"] == 12
    assert len(many) == len(few)


def test_the_history_never_shows_the_other_cabinets_deliveries(world):
    [ours] = deposited(achats_on(world.a), "facture-alpha.pdf")
    [theirs] = deposited(achats_on(world.b), "facture-beta.pdf")

    alpha = every_page(api(world.a.admin), DELIVERIES_URL)
    beta = every_page(api(world.b.admin), DELIVERIES_URL)

    assert [row["id"] for row in alpha] == [delivery_of(ours).pk]
    assert [row["id"] for row in beta] == [delivery_of(theirs).pk]
    assert "boulangerie-beta" not in str(alpha)


def test_a_company_filter_of_the_other_cabinet_is_404_like_a_missing_one(world):
    deposited(achats_on(world.a), "facture-alpha.pdf")
    deposited(achats_on(world.b), "facture-beta.pdf")
    client = api(world.a.admin)

    foreign = client.get(DELIVERIES_URL, {"company": world.b.company.pk})
    missing = client.get(DELIVERIES_URL, {"company": MISSING_ID})

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert b"beta" not in foreign.content.lower()


@pytest.mark.parametrize(
    ("filters", "field", "message"),
    [
        # PostgreSQL refuses a NUL in a query: this was a 500 there.
        ({"app": "inqom\x00achats"}, "app", "Le caractère nul n’est pas autorisé."),
        ({"status": "envoyé"}, "status", "«\u00a0envoyé\u00a0» n'est pas un choix valide."),
        ({"company": "²"}, "company", "Un nombre entier valide est requis."),
    ],
)
def test_a_history_filter_that_is_no_such_value_gets_a_field_error(world, filters, field, message):
    deposited(achats_on(world.a), "facture.pdf")

    response = api(world.a.admin).get(DELIVERIES_URL, filters)

    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert message in response.json()[field]


def test_an_empty_history_filter_is_no_filter(world):
    [document] = deposited(achats_on(world.a), "facture.pdf")

    response = api(world.a.admin).get(DELIVERIES_URL, {"status": "", "app": "", "company": ""})

    assert response.status_code == 200
    assert [row["document"] for row in response.json()["results"]] == [document.pk]


# --- "Renvoyer" --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.SKIPPED]
)
@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_requeue_a_failed_bounced_or_skipped_delivery(world, status, role):
    [document] = deposited(achats_on(world.a), "facture.pdf")
    delivery = delivery_of(document)
    set_delivery(delivery, status, reason="Motif.")
    Delivery.objects.filter(pk=delivery.pk).update(attempts=3)
    user = getattr(world.a, role)

    response = api(user).post(retry_url(delivery))

    assert response.status_code == 200
    row = response.json()
    assert set(row) >= DELIVERY_FIELDS
    assert (row["id"], row["status"], row["reason"], row["attempts"]) == (
        delivery.pk,
        "pending",
        "",
        0,
    )
    entry = AuditEntry.objects.get(action="delivery.retried")
    assert (entry.cabinet, entry.actor) == (world.a.cabinet, user)
    assert entry.data["old"]["status"] == status


def test_a_requeued_delivery_is_sent_and_the_document_validated(
    world, django_capture_on_commit_callbacks
):
    [document] = deposited(achats_on(world.a), "facture.pdf")
    set_delivery(delivery_of(document), DeliveryStatus.FAILED, reason="Adresse refusée.")

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(retry_url(delivery_of(document)))

    assert response.status_code == 200
    assert delivery_of(document).status == DeliveryStatus.SENT
    [email] = mail.outbox
    assert email.to == [ACHATS_ADDRESS]
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.VALIDATED


def test_a_skipped_duplicate_is_sent_anyway_once_requeued(
    world, django_capture_on_commit_callbacks
):
    achats = achats_on(world.a)
    with django_capture_on_commit_callbacks(execute=True):
        deposit(achats, name="facture.png", content=PNG)
        again = deposit(achats, name="facture-bis.png", content=PNG)
    [row] = api(world.a.admin).get(document_deliveries_url(again)).json()
    assert row["status"] == "skipped"
    # Deposited together: the first was still on its way when the second came.
    assert row["reason"] == f"Doublon de « facture.png », déjà en route vers {ACHATS_ADDRESS}."
    assert (row["reason_code"], row["can_retry"], row["needs_action"]) == ("duplicate", True, True)
    assert len(received(to=ACHATS_ADDRESS)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(retry_url(row["id"]))

    # The answer is the row as it is once the retry committed: back in the outbox (the test's
    # transaction holds the send until the call is over).
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["needs_action"]) == ("pending", False)
    [row] = api(world.a.admin).get(document_deliveries_url(again)).json()
    assert row["status"] == "sent"
    assert [email.attachment[0] for email in received(to=ACHATS_ADDRESS)] == [
        "facture.png",
        "facture-bis.png",
    ]


@pytest.mark.parametrize(
    "status",
    [
        DeliveryStatus.PENDING,
        DeliveryStatus.SENDING,
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
    ],
)
def test_what_is_on_its_way_or_done_cannot_be_requeued(world, status):
    [document] = deposited(achats_on(world.a), "facture.pdf")
    delivery = delivery_of(document)
    set_delivery(delivery, status)
    before = outbox_state()

    response = api(world.a.admin).post(retry_url(delivery))

    assert response.status_code == 400
    label = DeliveryStatus(status).label
    assert response.json() == {"detail": [f"Cet envoi est « {label} » : il ne se renvoie pas."]}
    assert outbox_state() == before


def test_a_delivery_of_the_other_cabinet_is_404_like_a_missing_one(world):
    [theirs] = deposited(achats_on(world.b), "facture.pdf")
    delivery = delivery_of(theirs)
    set_delivery(delivery, DeliveryStatus.FAILED)
    before = outbox_state()
    client = api(world.a.admin)

    foreign = client.post(retry_url(delivery))
    missing = client.post(retry_url(MISSING_ID))

    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    assert outbox_state() == before


def test_a_folder_of_the_other_cabinet_is_404_like_a_missing_one(world):
    beta = achats_on(world.b)
    ready(world.a, "inqom-achats")
    client = api(world.a.admin)
    before = outbox_state()

    for method, url, data in (
        ("get", automations_url(beta), None),
        ("put", automation_url(beta, "inqom-achats"), {"enabled": False}),
        ("put", automation_url(beta, "inqom-achats"), {"enabled": True}),
    ):
        missing_url = url.replace(str(beta.pk), str(MISSING_ID))
        foreign = getattr(client, method)(url, data, format="json")
        missing = getattr(client, method)(missing_url, data, format="json")
        assert foreign.status_code == missing.status_code == 404, url
        assert foreign.content == missing.content, url
    assert outbox_state() == before
    assert FolderAutomation.objects.get(folder=beta).enabled


# --- Clients and strangers ---------------------------------------------------------------------


def client_calls(tenant: Tenant, folder, document, delivery) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", automations_url(folder), None),
        ("put", automation_url(folder, "inqom-achats"), {"enabled": True}),
        ("put", automation_url(folder, "inqom-achats"), {"enabled": False}),
        ("get", document_deliveries_url(document), None),
        ("get", DELIVERIES_URL, None),
        ("get", DELIVERIES_URL, {"company": tenant.company.pk}),
        ("post", retry_url(delivery), None),
    ]


def _missing(url: str, ids: list[int]) -> str:
    for pk in ids:
        url = url.replace(f"/{pk}/", f"/{MISSING_ID}/")
    return url


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_are_refused_every_automation_endpoint_and_learn_nothing(world, who):
    achats = achats_on(world.a)
    [document] = deposited(achats, "facture.pdf", by=world.a.client)
    delivery = delivery_of(document)
    set_delivery(delivery, DeliveryStatus.FAILED, reason="Inqom a refusé l'envoi.")
    client = api(getattr(world.a, who))
    before = outbox_state()

    for method, url, data in client_calls(world.a, achats, document, delivery):
        response = getattr(client, method)(url, data, format="json")
        missing = getattr(client, method)(
            _missing(url, [achats.pk, document.pk, delivery.pk]), data, format="json"
        )
        what = f"{method} {url} as {who}"
        assert response.status_code in (403, 404), what
        # Refused on the role: the same answer as for ids that name nothing.
        assert (response.status_code, response.content) == (
            missing.status_code,
            missing.content,
        ), what
        body = response.content.decode().lower()
        for word in ("inqom", "automatisation", "achat", "boulangerie", "facture"):
            assert word not in body, f"{what}: {word}"
    assert outbox_state() == before
    assert delivery_of(document).status == DeliveryStatus.FAILED


def test_anonymous_visitor_gets_401_from_every_automation_endpoint(world):
    achats = achats_on(world.a)
    [document] = deposited(achats, "facture.pdf")
    delivery = delivery_of(document)
    client = APIClient(HTTP_HOST=host_of(world.a.cabinet))

    for method, url, data in client_calls(world.a, achats, document, delivery):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 401, url
        assert b"inqom" not in response.content.lower()


def test_the_other_cabinets_token_is_refused_on_this_host(world):
    achats = achats_on(world.a)
    [document] = deposited(achats, "facture.pdf")
    delivery = delivery_of(document)
    client = api(world.b.admin, cabinet=world.a.cabinet)
    before = outbox_state()

    for method, url, data in client_calls(world.a, achats, document, delivery):
        assert getattr(client, method)(url, data, format="json").status_code == 401, url
    assert outbox_state() == before
