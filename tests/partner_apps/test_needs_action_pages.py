"""« Envois à régler » as staff use it: every document that did not reach Inqom, grouped by
reason, each with the one action that fixes it; « Prévenir le client »; the offer to send the
documents already in a folder that is switched on; and what a folder's list says of them."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ged.models import Document
from partner_apps.models import Delivery, DeliveryStatus, ReasonCode
from tests.conftest import browser
from tests.helpers.attention import (
    EXE,
    HIDDEN_WORDS,
    automated_achats,
    stopped_deliveries,
)
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import (
    ACHATS,
    ANNUAL,
    connect,
    delivery_of,
    received,
)
from tests.helpers.store import HTMX, NOT_FOUND, audit_actions, authorize
from tests.pages import flashes, page_of, visible_text

pytestmark = pytest.mark.django_db

PAGE = "/reglages/applications/a-regler/"


def notice_url(delivery) -> str:
    return f"/reglages/applications/envois/{delivery.pk}/prevenir-le-client/"


def groups(response) -> dict[str, list[tuple[str, list[str]]]]:
    """Each group's title (without its count), with its rows: (document, buttons and links)."""
    page = page_of(response)
    found = {}
    for section in page.find("section"):
        if "attention-group" not in section.attrs.get("class", ""):
            continue
        [title] = page.find("h2", inside=section)
        [count] = page.find("span", inside=title)
        name = title.text.removesuffix(count.text).strip()
        found[name] = [
            (
                page.find("a", inside=row)[0].text,
                [
                    e.label
                    for e in page.elements
                    if row in e.ancestors
                    and (e.tag == "button" or "button" in e.attrs.get("class", ""))
                ],
            )
            for row in page.find("li", inside=section)
        ]
    return found


@pytest.fixture
def stopped(world, django_capture_on_commit_callbacks):
    return stopped_deliveries(world.a, django_capture_on_commit_callbacks)


def test_each_document_that_did_not_go_shows_under_its_reason_with_the_action_that_fixes_it(
    world, stopped
):
    response = browser(world.a.collaborator).get(PAGE)

    assert response.status_code == 200
    assert groups(response) == {
        "Échecs d'envoi": [("echec.pdf", ["Renvoyer", "Ignorer"])],
        "Refusés par le destinataire": [("refus.pdf", ["Renvoyer", "Ignorer"])],
        "Doublons": [("facture (copie).pdf", ["Envoyer quand même", "Ignorer"])],
        "Formats refusés": [("setup.exe", ["Prévenir le client", "Ignorer"])],
    }
    # Bounced: where to authorise the sender in Inqom, before « Renvoyer ».
    assert (
        "Autorisez l'adresse d'envoi no-reply@welyb.fr dans Inqom › Paramètres › Emails "
        "d'envoi, puis renvoyez les documents."
    ) in visible_text(response)


def test_a_company_not_authorised_leads_to_its_authorisation(world):
    achats = automated_achats(world.a)
    authorize(
        world.a, world.a.company, ACHATS, "achat.boulangerie-alpha@inqombox.com", enabled=False
    )
    deposit(achats, "facture.pdf", PDF, by=world.a.client)

    response = browser(world.a.admin).get(PAGE)

    assert groups(response) == {
        "Entreprises non autorisées": [("facture.pdf", ["Autoriser l'entreprise", "Ignorer"])]
    }
    [link] = page_of(response).links("Autoriser l'entreprise")
    assert link.attrs["href"] == (
        "/reglages/applications/inqom-achats/autorisations/?q=Boulangerie%20Alpha"
    )


def test_ignorer_takes_a_row_off_the_page(world, stopped):
    client = browser(world.a.admin)
    delivery = delivery_of(stopped.failed)

    response = client.post(
        f"/reglages/applications/envois/{delivery.pk}/ignorer/", {"next": PAGE}, follow=True
    )

    assert flashes(response) == ["« echec.pdf » ne figure plus dans les envois à régler."]
    assert "Échecs d'envoi" not in groups(response)
    assert audit_actions(world.a.cabinet, "delivery.") == ["delivery.dismissed"]


def test_envoyer_quand_meme_says_what_happened_to_the_row(
    world, stopped, django_capture_on_commit_callbacks
):
    client = browser(world.a.admin)
    delivery = delivery_of(stopped.duplicate)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/reglages/applications/envois/{delivery.pk}/renvoyer/", {"next": PAGE}
        )

    page = client.get(response["Location"])
    assert flashes(page) == ["« facture (copie).pdf » est en file d'envoi vers Inqom Achats."]
    assert "Doublons" not in groups(page)
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


def test_renvoyer_refused_for_a_format_says_why_in_red(world, stopped):
    client = browser(world.a.admin)
    delivery = delivery_of(stopped.refused)

    response = client.post(
        f"/reglages/applications/envois/{delivery.pk}/renvoyer/", {"next": PAGE}, follow=True
    )

    [message] = flashes(response)
    assert message.startswith("« setup.exe » ne peut pas partir tel quel")
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SKIPPED


def test_one_company_and_one_reason_narrow_the_page(world, stopped):
    client = browser(world.a.admin)

    by_company = client.get(PAGE, {"entreprise": world.a.other_company.pk})
    by_reason = client.get(PAGE, {"motif": "duplicate"})

    assert groups(by_company) == {}
    assert "Rien à régler" in visible_text(by_company)
    assert list(groups(by_reason)) == ["Doublons"]
    assert client.get(PAGE, {"motif": "inconnu"}).status_code == 404
    assert client.get(PAGE, {"entreprise": world.b.company.pk}).status_code == 404


def test_clients_never_reach_the_page(world, stopped):
    response = browser(world.a.client).get(PAGE)

    assert response.status_code == 404
    assert NOT_FOUND in visible_text(response)


def test_the_page_costs_the_same_with_4_or_40_rows(world, stopped, django_assert_num_queries):
    client = browser(world.a.admin)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for number in range(36):
        deposit(stopped.achats, f"doublon-{number}.pdf", PDF, by=world.a.client)
    assert Delivery.objects.needs_action().count() == 40

    with django_assert_num_queries(len(few)):
        response = client.get(PAGE)
    # The 10 that waited longest (the fixture's, then the first 9 of these), and a link to the
    # rest.
    shown = [name for name, _actions in groups(response)["Doublons"]]
    assert shown[1:] == [f"doublon-{number}.pdf" for number in range(9)]
    assert page_of(response).links("Voir les 37 envois")


# --- « Prévenir le client » ---------------------------------------------------------------------


def test_prevenir_le_client_sends_the_prepared_email_in_the_cabinets_name(world, stopped):
    client = browser(world.a.collaborator)
    delivery = delivery_of(stopped.refused)
    form = client.get(notice_url(delivery))
    assert form.status_code == 200
    page = page_of(form)
    subject = page.one("input", name="subject").attrs["value"]
    [body] = page.find("textarea", name="body")
    assert subject == "Document à déposer de nouveau : setup.exe"
    assert body.text.startswith("Bonjour, « setup.exe » ne pourra pas être traité par le cabinet")

    response = client.post(
        notice_url(delivery), {"subject": subject, "body": "Bonjour,\n\nUn PDF, svp."}
    )

    assert response.status_code == 302
    [email] = mail.outbox[-1:]
    assert email.to == [world.a.client.email]
    assert email.from_email == "Cabinet Alpha <no-reply@welyb.fr>"
    assert email.reply_to == [world.a.collaborator.email]
    assert (email.subject, email.body) == (subject, "Bonjour,\n\nUn PDF, svp.")
    assert not any(word in body.text.casefold() for word in HIDDEN_WORDS)
    delivery.refresh_from_db()
    assert delivery.client_notified_at is not None
    assert "delivery.client_notified" in audit_actions(world.a.cabinet)
    # Still to settle until the client's new file arrives, or staff ignore it.
    assert "Client prévenu le" in visible_text(client.get(PAGE))


def test_an_email_that_cannot_leave_says_so_and_keeps_what_was_written(world, stopped, settings):
    # An SMTP server nobody listens on.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    delivery = delivery_of(stopped.refused)

    response = browser(world.a.admin).post(
        notice_url(delivery), {"subject": "Votre fichier", "body": "Un PDF, merci."}
    )

    assert response.status_code == 400
    page = page_of(response)
    assert "L'email n'a pas pu partir (le service d'envoi ne répond pas) : réessayez." in (
        page.text
    )
    assert page.one("input", name="subject").attrs["value"] == "Votre fichier"
    delivery.refresh_from_db()
    assert delivery.client_notified_at is None
    assert "delivery.client_notified" not in audit_actions(world.a.cabinet)


def test_an_empty_subject_is_refused_beside_its_field_and_nothing_is_sent(world, stopped):
    delivery = delivery_of(stopped.refused)
    mail.outbox.clear()

    response = browser(world.a.admin).post(notice_url(delivery), {"subject": " ", "body": "x"})

    assert response.status_code == 400
    assert "Indiquez l'objet de l'email." in visible_text(response)
    assert mail.outbox == []
    assert Delivery.objects.get(pk=delivery.pk).client_notified_at is None


def test_a_document_the_cabinet_deposited_has_no_client_to_warn(world):
    achats = automated_achats(world.a)
    document = deposit(achats, "setup.exe", EXE, by=world.a.admin)
    client = browser(world.a.admin)

    response = client.get(notice_url(delivery_of(document)), follow=True)

    assert flashes(response) == [
        "Ce document n'a pas été déposé par un client du portail : prévenez son auteur par vos "
        "moyens habituels."
    ]
    assert page_of(client.get(PAGE)).links("Prévenir le client") == []


# --- The folder's list, and the documents already there -----------------------------------------


def test_the_folders_list_says_why_a_document_did_not_go_to_staff_only(world, stopped):
    url = f"/ged/dossiers/{stopped.achats.pk}/"

    staff = visible_text(browser(world.a.collaborator).get(url))
    client = visible_text(browser(world.a.client).get(url))

    assert "Non envoyé à Inqom Achats : Format refusé" in staff
    assert "Non envoyé à Inqom Achats : Doublon" in staff
    assert "Non envoyé" not in client
    assert "Inqom" not in client


def switch_url(folder) -> str:
    return f"/ged/dossiers/{folder.pk}/automatisations/{ACHATS}/"


def test_switching_on_a_folder_with_documents_offers_to_send_them_and_only_on_request(
    world, django_capture_on_commit_callbacks
):
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    deposit(achats, "janvier.pdf", PDF, by=world.a.client)
    deposit(achats, "janvier (copie).pdf", PDF, by=world.a.client)
    deposit(achats, "setup.exe", EXE, by=world.a.client)
    client = browser(world.a.admin)

    response = client.post(switch_url(achats), {"enabled": "on"}, **HTMX)

    assert response.status_code == 200
    said = visible_text(response)
    assert (
        "Ce dossier contient déjà 3 documents qu'Inqom Achats n'a jamais reçus : Inqom Achats "
        "ne les enverra pas sans votre accord. 1 doublon d'un document déjà envoyé et 1 fichier "
        "dans un format refusé ne partiront pas."
    ) in said
    page = page_of(response)
    [offer] = [d for d in page.find("div") if "automations-offer" in d.attrs.get("class", "")]
    assert page.buttons(inside=offer) == ["Envoyer aussi le document déjà présent"]
    # Switching on alone sends nothing.
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{switch_url(achats)}envoyer-l-existant/", **HTMX)

    assert "1 document déjà présent part vers Inqom Achats." in visible_text(sent)
    assert list(Delivery.objects.values_list("document__name", "status")) == [
        ("janvier.pdf", DeliveryStatus.SENT)
    ]
    assert [email.attachment[0] for email in received()] == ["janvier.pdf"]
    # Under its cabinet, where the send history finds it.
    assert Delivery.objects.get().cabinet == world.a.cabinet
    assert "automation.sent_existing" in audit_actions(world.a.cabinet)
    again = client.post(f"{switch_url(achats)}envoyer-l-existant/", **HTMX)
    assert "Aucun document déjà présent ne reste à envoyer vers Inqom Achats." in visible_text(
        again
    )
    assert Delivery.objects.count() == 1


def test_without_script_the_offer_comes_back_on_the_folder_page(world):
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    deposit(achats, "janvier.pdf", PDF, by=world.a.client)
    client = browser(world.a.admin)

    response = client.post(switch_url(achats), {"enabled": "on"})

    assert response["Location"] == f"/ged/dossiers/{achats.pk}/?proposer=inqom-achats"
    assert (
        page_of(client.get(response["Location"]))
        .buttons()
        .count("Envoyer aussi le document déjà présent")
        == 1
    )
    assert not Document.objects.filter(deliveries__isnull=False).exists()


# The page's queries, pinned: the cabinet, the session, the user; each group's first rows' ids
# with the group's count, then those rows (their document, folder, depositor, app, company and
# readiness); the top bar's counts. The same for one group as for four.
NEEDS_ACTION_PAGE_QUERIES = 6


def test_the_page_costs_the_same_for_one_group_or_four(world, stopped, django_assert_num_queries):
    client = browser(world.a.admin)
    client.get(PAGE)
    with django_assert_num_queries(NEEDS_ACTION_PAGE_QUERIES):
        assert len(groups(client.get(PAGE))) == 4
    for delivery in Delivery.objects.needs_action().exclude(reason_code=ReasonCode.DUPLICATE):
        Delivery.objects.filter(pk=delivery.pk).update(dismissed_at=timezone.now())

    with django_assert_num_queries(NEEDS_ACTION_PAGE_QUERIES):
        assert list(groups(client.get(PAGE))) == ["Doublons"]
