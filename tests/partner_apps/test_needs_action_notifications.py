"""What needs the cabinet reaches it: staff are notified of each delivery that newly needs
action (the bell, and the email digest of the admins), the top bar and the home page count
what waits in « Envois à régler », and handling a delivery (sent anyway, ignored, its document
put in the trash) retires its notifications."""

import re

import pytest
from django.core import mail

from ged.services.documents import document_restore, document_trash
from ged.services.folders import folder_trash
from partner_apps.services.attention import delivery_dismiss, delivery_retry
from tests.conftest import browser
from tests.helpers.attention import HIDDEN_WORDS, stopped_deliveries
from tests.helpers.forwarding import delivery_of
from tests.pages import page_of, readable, text_of
from welyb_portal.tenancy.models import Notification

pytestmark = pytest.mark.django_db

PAGE = "/reglages/applications/a-regler/"


def unread(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .order_by("id")
        .values_list("text", flat=True)
    )


@pytest.fixture
def stopped(world, django_capture_on_commit_callbacks):
    return stopped_deliveries(world.a, django_capture_on_commit_callbacks)


def test_staff_are_told_of_each_document_that_did_not_go_and_clients_never(world, stopped):
    # The duplicate and the refused format were planned skipped; the failure and the bounce
    # were recorded by hand here, as a worker and a webhook would, and are not notified.
    texts = unread(world.a.collaborator)

    assert texts == [
        "Boulangerie Alpha : « facture (copie).pdf » n'est pas parti vers Inqom Achats. Doublon "
        f"de « facture.pdf », déjà envoyé à achat.boulangerie-alpha@inqombox.com le "
        f"{delivery_of(stopped.duplicate).duplicate_of.sent_at:%d/%m/%Y}.",
        "Boulangerie Alpha : « setup.exe » n'est pas parti vers Inqom Achats. Format non accepté "
        "par Inqom (.exe) : .pdf, .png, .jpg, .jpeg, .xls, .xlsx, .doc, .docx, .txt, .csv "
        "seulement.",
    ]
    assert unread(world.a.admin) == texts
    assert unread(world.a.client) == []
    assert not Notification.objects.filter(cabinet=world.b.cabinet).exists()
    [link] = {
        n.url
        for n in Notification.objects.filter(key=f"delivery:{delivery_of(stopped.refused).pk}")
    }
    assert link == f"{PAGE}#envoi-{delivery_of(stopped.refused).pk}"


def test_the_admins_digest_lists_them_in_the_cabinets_name(
    world, settings, django_capture_on_commit_callbacks
):
    # No gathering: with no worker, the digest leaves as soon as the notifications commit.
    settings.FAILURE_DIGEST_GATHER_SECONDS = 0
    stopped_deliveries(world.a, django_capture_on_commit_callbacks)

    digests = [m for m in mail.outbox if m.to == [world.a.admin.email]]

    assert len(digests) == 1
    [digest] = digests
    assert digest.from_email == "Cabinet Alpha <no-reply@welyb.fr>"
    assert "« facture (copie).pdf » n'est pas parti vers Inqom Achats" in readable(digest.body)
    # Collaborators do not get it unless they ask for it.
    assert not [m for m in mail.outbox if m.to == [world.a.collaborator.email]]


def test_handling_a_delivery_retires_its_notifications(
    world, stopped, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=delivery_of(stopped.duplicate), by=world.a.admin)
    assert len(unread(world.a.collaborator)) == 1

    document_trash(document=stopped.refused, by=world.a.admin)

    assert unread(world.a.collaborator) == []


def test_ignorer_retires_the_notifications_for_everybody(world, stopped):
    delivery_dismiss(delivery=delivery_of(stopped.refused), by=world.a.collaborator)

    assert all("setup.exe" not in text for text in unread(world.a.admin))


def test_a_folder_put_in_the_trash_retires_the_notifications_of_its_documents(world, stopped):
    folder_trash(folder=stopped.achats, by=world.a.admin)

    assert unread(world.a.admin) == []


def count_badge(response) -> tuple[str, str] | None:
    """The top bar's « Envois à régler » link: (its text, its address)."""
    page = page_of(response)
    links = [a for a in page.find("a") if "topbar-badge" in a.attrs.get("class", "")]
    return (links[0].text, links[0].attrs["href"]) if links else None


def test_the_top_bar_and_the_home_page_count_what_needs_action(world, stopped):
    client = browser(world.a.collaborator)

    home = client.get("/")

    assert count_badge(home) == ("Envois à régler 4", PAGE)
    text = text_of(home)
    assert "À régler" in text
    # The company's card says how many of its sends wait, and leads to them.
    card = next(a for a in page_of(home).find("a") if "card-badge" in a.attrs.get("class", ""))
    assert (card.text, card.attrs["href"]) == (
        "4 envois à régler",
        f"{PAGE}?entreprise={world.a.company.pk}",
    )


def test_the_top_bar_counts_what_still_waits_in_its_own_cabinet_only(
    world, stopped, django_capture_on_commit_callbacks
):
    stopped_deliveries(world.b, django_capture_on_commit_callbacks)
    client = browser(world.a.admin)

    delivery_dismiss(delivery=delivery_of(stopped.failed), by=world.a.admin)
    document_trash(document=stopped.refused, by=world.a.admin)
    # Cabinet B's four, the ignored failure and the trashed file are not counted.
    assert count_badge(client.get("/")) == ("Envois à régler 2", PAGE)

    document_restore(document=stopped.refused, by=world.a.admin)
    assert count_badge(client.get("/")) == ("Envois à régler 3", PAGE)
    folder_trash(folder=stopped.achats, by=world.a.admin)
    assert count_badge(client.get("/")) is None


def test_clients_see_no_count_and_nothing_of_it(world, stopped):
    home = browser(world.a.client).get("/")

    assert count_badge(home) is None
    assert not re.search("|".join((*HIDDEN_WORDS, "régler")), text_of(home).casefold())


def test_with_nothing_to_settle_the_top_bar_shows_no_count(world):
    assert count_badge(browser(world.a.admin).get("/")) is None
