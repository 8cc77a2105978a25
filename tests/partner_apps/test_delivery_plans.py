"""The two plans of the outbox, called the way the GED's signals call them: what a document
deposited just now needs (`deposit_plan`), and what a document that has just come under other
switches needs (`move_plan`). The documents here were deposited where no switch applied (so the
deposit itself planned nothing), then the switches were turned on: each plan is then asked
directly, without the signal, what it writes."""

import pytest
from django.core import mail

from ged.models import Document
from partner_apps.models import DeliveryStatus
from partner_apps.services.deliveries import deposit_plan, move_plan
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import (
    ACHAT,
    ACHATS,
    ADMIN,
    ADMINISTRATIF,
    ANNUAL,
    ANYMAIL_TEST_BACKEND,
    NOT_AUTHORISED,
    alpha_connected,
    deliveries_of,
    received,
    switch_on,
)
from tests.helpers.store import app, authorize

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def esp(settings):
    settings.EMAIL_BACKEND = ANYMAIL_TEST_BACKEND


@pytest.fixture
def alpha(world):
    """Boulangerie Alpha is authorised for Inqom Achats and Inqom Administratif."""
    return alpha_connected(world)


def placed(document: Document, folder) -> Document:
    """The document now in `folder`, as a move leaves it, without the move's announcement."""
    document.folder = folder
    document.save(update_fields=["folder"])
    return document


def planned(deliveries) -> list[tuple[str, str, str, str]]:
    return [(d.app.slug, d.status, d.target, d.reason) for d in deliveries]


# --- The plan for a deposit --------------------------------------------------------------------


def test_a_deposit_plans_one_pending_delivery_per_switch_in_effect_nearest_first(
    alpha, django_capture_on_commit_callbacks
):
    january = folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier")
    document = deposit(january)
    switch_on(folder_at(alpha.company, f"{ANNUAL}/Achats"), ACHATS, alpha.admin)
    switch_on(folder_at(alpha.company, ANNUAL), ADMINISTRATIF, alpha.admin)

    with django_capture_on_commit_callbacks(execute=True):
        deliveries = deposit_plan(document=document)
        # Written pending, under the company's cabinet; handed to the outbox at commit only.
        assert planned(deliveries) == [
            (ACHATS, DeliveryStatus.PENDING, ACHAT, ""),
            (ADMINISTRATIF, DeliveryStatus.PENDING, ADMIN, ""),
        ]
        assert {d.cabinet_id for d in deliveries} == {alpha.cabinet.pk}
        assert mail.outbox == []

    assert len(received(to=ACHAT)) == len(received(to=ADMIN)) == 1
    assert sorted(deliveries_of(document)) == [
        (ACHATS, DeliveryStatus.SENT, ""),
        (ADMINISTRATIF, DeliveryStatus.SENT, ""),
    ]


def test_a_deposit_outside_every_switch_plans_nothing(alpha):
    document = deposit(folder_at(alpha.company, f"{ANNUAL}/Banque"))
    switch_on(folder_at(alpha.company, f"{ANNUAL}/Achats"), ACHATS, alpha.admin)

    assert deposit_plan(document=document) == []
    assert deliveries_of(document) == []


def test_a_deposit_plans_a_delivery_that_cannot_go_as_skipped_with_its_reason(
    alpha, django_capture_on_commit_callbacks
):
    achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
    document = deposit(achats)
    switch_on(achats, ACHATS, alpha.admin)
    authorize(alpha, alpha.company, ACHATS, ACHAT, enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        deliveries = deposit_plan(document=document)

    # No address is captured for a company no longer authorised.
    assert planned(deliveries) == [(ACHATS, DeliveryStatus.SKIPPED, "", NOT_AUTHORISED)]
    assert deliveries_of(document) == [(ACHATS, DeliveryStatus.SKIPPED, NOT_AUTHORISED)]
    assert mail.outbox == []


def test_a_deposit_of_bytes_already_on_their_way_to_the_address_plans_a_duplicate(alpha):
    achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
    bank = folder_at(alpha.company, f"{ANNUAL}/Banque")
    switch_on(achats, ACHATS, alpha.admin)
    original = deposit(achats, "facture.pdf", PDF)
    copy = deposit(bank, "facture (1).pdf", PDF)
    switch_on(bank, ACHATS, alpha.admin)

    [delivery] = deposit_plan(document=copy)

    assert (delivery.status, delivery.reason) == (
        DeliveryStatus.SKIPPED,
        f"Doublon de « facture.pdf », déjà en route vers {ACHAT}.",
    )
    assert delivery.duplicate_of.document == original


# --- The plan for a move -----------------------------------------------------------------------


def test_a_move_plans_the_switches_the_document_has_just_come_under(
    alpha, django_capture_on_commit_callbacks
):
    achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
    document = deposit(folder_at(alpha.company, f"{ANNUAL}/Banque"))
    switch_on(achats, ACHATS, alpha.admin)
    placed(document, achats)

    with django_capture_on_commit_callbacks(execute=True):
        deliveries = move_plan(document=document, applied_before=set())

    assert planned(deliveries) == [(ACHATS, DeliveryStatus.PENDING, ACHAT, "")]
    assert [e.attachment[0] for e in received(to=ACHAT)] == [document.name]
    assert deliveries_of(document) == [(ACHATS, DeliveryStatus.SENT, "")]


def test_a_move_plans_nothing_for_a_switch_that_applied_where_the_document_was(alpha):
    achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
    document = deposit(folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier"))
    switch_on(achats, ACHATS, alpha.admin)
    placed(document, folder_at(alpha.company, f"{ANNUAL}/Achats/Février"))

    assert move_plan(document=document, applied_before={app(ACHATS).pk}) == []
    assert deliveries_of(document) == []


def test_a_move_never_plans_a_second_delivery_for_a_connector(alpha):
    achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
    switch_on(achats, ACHATS, alpha.admin)
    document = deposit(achats)
    assert deliveries_of(document) == [(ACHATS, DeliveryStatus.PENDING, "")]

    assert move_plan(document=document, applied_before=set()) == []
    assert deliveries_of(document) == [(ACHATS, DeliveryStatus.PENDING, "")]


def test_a_folder_move_plans_only_the_switches_above_the_folder_that_moved(alpha):
    inbox = folder_at(alpha.company, "À classer")
    suppliers = folder_at(alpha.company, "À classer/Fournisseurs")
    document = deposit(suppliers)
    switch_on(inbox, ACHATS, alpha.admin)

    # « À classer » moved with its switch: the switch already applied to the document.
    assert move_plan(document=document, applied_before=set(), moved=inbox) == []
    assert deliveries_of(document) == []

    # « Fournisseurs » alone came under « À classer »: its switch is new to the document.
    [delivery] = move_plan(document=document, applied_before=set(), moved=suppliers)
    assert (delivery.app.slug, delivery.status, delivery.target) == (
        ACHATS,
        DeliveryStatus.PENDING,
        ACHAT,
    )
