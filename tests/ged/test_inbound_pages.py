"""Deposit by email on the pages: each company's GED shows its four deposit addresses (to staff
and to the company's clients, with a copy button); staff open « Régler le dépôt par email » to
point an address at another folder, get a new address, say who may send and whether senders
get a receipt; « Emails reçus » is the cabinet's record of what its addresses received."""

import html
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.models import Document, InboundAddress, InboundEmail, InboundPolicy, InboundStatus
from ged.services.folders import folder_trash
from ged.services.inbound_addresses import inbound_address_folder_set
from partner_apps.models import PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install
from tests.conftest import api, browser
from tests.ged.inbound_page_helpers import (
    CSRF_TOKEN,
    DOMAIN,
    LABELS,
    MISSING_ID,
    SENDER_LINE_ERROR,
    STRANGER,
    TARGETS,
    UNKNOWN_ADDRESS,
    address_of,
    address_row,
    default_paths,
    receive,
    this_years_folder,
)
from tests.ged.inbound_page_helpers import _inbound_settings as _inbound_settings  # autouse
from tests.helpers.documents import PDF, folder_at
from tests.pages import flashes, page_of, readable, text_of
from welyb_portal.tenancy.models import AuditEntry
from welyb_portal.tenancy.services.companies import company_create

pytestmark = pytest.mark.django_db


# --- URLs --------------------------------------------------------------------------------------


def company_url(company) -> str:
    return f"/ged/entreprises/{company.pk}/"


def settings_url(company_or_id) -> str:
    return f"/ged/entreprises/{getattr(company_or_id, 'pk', company_or_id)}/depot-par-email/"


def folder_action_url(company, target: str = "achats") -> str:
    return f"{settings_url(company)}{target}/dossier/"


def regenerate_url(company, target: str = "achats") -> str:
    return f"{settings_url(company)}{target}/regenerer/"


EMAILS_URL = "/ged/emails-recus/"


# --- Reading the pages -------------------------------------------------------------------------


def without_csrf(response) -> str:
    """The page, but for its CSRF token (which differs from one response to the next)."""
    return CSRF_TOKEN.sub("", response.content.decode())


def plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def deposit_addresses(response) -> list[tuple[str, str, str]]:
    """The « Déposer par email » panel of a GED page: (target, folder path, address) a row."""
    panel = re.search(
        r'<section class="panel inbound-addresses".*?</section>', response.content.decode(), re.S
    )
    if panel is None:
        return []
    return [
        (html.unescape(label), html.unescape(path), html.unescape(address))
        for label, path, address in re.findall(
            r'<strong>(.*?)</strong> → <span class="muted">(.*?)</span><br>\s*'
            r'<code id="[^"]+">(.*?)</code>',
            panel[0],
        )
    ]


def copied_texts(response) -> list[str]:
    """What each copy button of the page copies: the text of the element it names."""
    page = response.content.decode()
    texts = []
    for element_id in re.findall(r'<button[^>]*data-copy="#([^"]+)"[^>]*>Copier</button>', page):
        element = re.search(rf'<(\w+) id="{re.escape(element_id)}">(.*?)</\1>', page, re.S)
        texts.append(plain(element[2]) if element else f"(nothing named #{element_id})")
    return texts


def settings_addresses(response) -> list[tuple[str, str]]:
    """The address table of « Dépôt par email »: (target, address) a row."""
    return [
        (html.unescape(label), html.unescape(address))
        for label, address in re.findall(
            r"<td><strong>(.*?)</strong><br><code id=\"[^\"]+\">(.*?)</code>",
            response.content.decode(),
        )
    ]


def selected_folder(response, target: str) -> str:
    """The value chosen in an address's folder list ("" for its default folder)."""
    select = re.search(
        rf'<select id="folder-{target}" name="folder">(.*?)</select>',
        response.content.decode(),
        re.S,
    )
    assert select is not None, target
    chosen = re.findall(r'<option value="(\d*)" selected>', select[1])
    return chosen[0] if chosen else ""


def folder_choices(response, target: str) -> list[str]:
    select = re.search(
        rf'<select id="folder-{target}" name="folder">(.*?)</select>',
        response.content.decode(),
        re.S,
    )
    return [plain(label) for label in re.findall(r"<option [^>]*>(.*?)</option>", select[1])]


def form_errors(response) -> list[str]:
    return [
        plain(item)
        for errors in re.findall(
            r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
        )
        for item in re.findall(r"<li>(.*?)</li>", errors, re.S)
    ]


def textarea(response, name: str) -> str:
    found = re.search(
        rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    return html.unescape(found[1]).strip()


def is_checked(response, name: str) -> bool:
    found = re.search(rf'<input type="checkbox" name="{name}"[^>]*>', response.content.decode())
    assert found is not None, name
    return " checked" in found[0]


def email_rows(response) -> list[dict]:
    """The emails of « Emails reçus »: company, sender, subject, result (the status, the
    reason and what became of each file), the documents it links to, its buttons."""
    page = page_of(response)
    rows = []
    for email in page.find("li"):
        if "inbound-email" not in email.attrs.get("class", "").split():
            continue
        [status] = [
            s for s in page.find("span", inside=email) if "status" in s.attrs.get("class", "")
        ]
        paragraphs = page.find("p", inside=email)
        company = [a.text for a in page.find("a", inside=paragraphs[0])]
        reasons = [p.text for p in paragraphs if "inbound-reason" in p.attrs.get("class", "")]
        items = [li.text for li in page.find("li", inside=email)]
        rows.append(
            {
                "company": company[0] if company else "—",
                "sender": _in(page, email, "inbound-sender"),
                "subject": _in(page, email, "inbound-subject"),
                "result": " ".join([status.text, *reasons, *items]),
                "items": items,
                "links": [
                    a.attrs["href"]
                    for a in page.find("a", inside=email)
                    if a.attrs["href"].startswith("/ged/documents/")
                ],
                "buttons": page.buttons(inside=email),
            }
        )
    return rows


def _in(page, email, css_class: str) -> str:
    [span] = [s for s in page.find("span", inside=email) if css_class in s.attrs.get("class", "")]
    return span.text


def automate_achats(tenant) -> None:
    """The cabinet installed Inqom, authorised Inqom Achats for `company` and switched it on
    above this year's Achats folder: what is filed there goes on to Inqom."""
    app_install(
        cabinet=tenant.cabinet,
        app=PartnerApp.objects.get(slug="inqom"),
        by=tenant.admin,
        with_companions=True,
    )
    connector = PartnerApp.objects.get(slug="inqom-achats")
    authorization_set(
        company=tenant.company,
        app=connector,
        enabled=True,
        collection_email="achat.boulangerie@inqombox.com",
        by=tenant.admin,
    )
    automation_set(
        folder=folder_at(tenant.company, f"{this_years_folder()}/Achats"),
        app=connector,
        enabled=True,
        by=tenant.admin,
    )


# --- The company's GED page --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "collaborator", "client"])
def test_the_ged_page_shows_the_companys_four_addresses_with_their_folders(world, who):
    response = browser(getattr(world.a, who)).get(company_url(world.a.company))

    assert response.status_code == 200
    addresses = [address_of(world.a.company, target) for target in TARGETS]
    assert deposit_addresses(response) == list(zip(LABELS, default_paths(), addresses, strict=True))
    assert "Déposer par email" in text_of(response)


@pytest.mark.parametrize("who", ["admin", "client"])
def test_each_address_has_a_copy_button_that_copies_it(world, who):
    response = browser(getattr(world.a, who)).get(company_url(world.a.company))

    assert copied_texts(response) == [address_of(world.a.company, t) for t in TARGETS]
    assert "Copier" in text_of(response)


def test_the_addresses_are_the_companys_own_and_stay_the_same(world):
    admin = browser(world.a.admin)

    first = deposit_addresses(admin.get(company_url(world.a.company)))
    again = deposit_addresses(admin.get(company_url(world.a.company)))
    other = deposit_addresses(admin.get(company_url(world.a.other_company)))

    assert first == again
    assert InboundAddress.objects.filter(company=world.a.company).count() == 4
    assert not {row[2] for row in first} & {row[2] for row in other}
    assert all(row[2].endswith(f"@{DOMAIN}") for row in first + other)


def test_the_page_shows_the_folder_staff_chose(world):
    folder = folder_at(world.a.company, "Fournisseurs/Factures à payer")
    inbound_address_folder_set(
        address=address_row(world.a.company, "ventes"), folder=folder, by=world.a.admin
    )

    rows = deposit_addresses(browser(world.a.client).get(company_url(world.a.company)))

    assert [path for _label, path, _address in rows] == [
        default_paths()[0],
        "Fournisseurs/Factures à payer",
        *default_paths()[2:],
    ]


def test_a_client_of_another_company_never_sees_the_addresses(world):
    addresses = [address_of(world.a.company, target) for target in TARGETS]
    other_client = browser(world.a.other_client)

    refused = other_client.get(company_url(world.a.company))
    own = other_client.get(company_url(world.a.other_company))

    assert refused.status_code == 404
    assert own.status_code == 200
    assert len(deposit_addresses(own)) == 4
    for address in addresses:
        local_part = address.split("@")[0]
        assert local_part not in refused.content.decode()
        assert local_part not in own.content.decode()


def test_nothing_on_the_clients_page_mentions_inqom(world):
    automate_achats(world.a)

    response = browser(world.a.client).get(company_url(world.a.company))

    assert response.status_code == 200
    assert len(deposit_addresses(response)) == 4
    assert "inqom" not in response.content.decode().lower()


def test_staff_find_the_deposit_settings_and_the_received_emails_from_the_ged(world):
    staff = browser(world.a.collaborator).get(company_url(world.a.company)).content.decode()
    client = browser(world.a.client).get(company_url(world.a.company)).content.decode()

    assert f'href="{settings_url(world.a.company)}">Régler le dépôt par email</a>' in staff
    assert f'href="{EMAILS_URL}?company={world.a.company.pk}">Emails reçus</a>' in staff
    assert "Régler le dépôt par email" not in client
    assert "depot-par-email" not in client
    assert "emails-recus" not in client
    assert "Emails reçus" not in client


# --- « Régler le dépôt par email » -------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "collaborator"])
def test_staff_open_the_deposit_settings(world, who):
    folder_at(world.a.company, "Fournisseurs")
    folder_at(world.a.other_company, "Garage pièces détachées")

    response = browser(getattr(world.a, who)).get(settings_url(world.a.company))

    assert response.status_code == 200
    addresses = [address_of(world.a.company, target) for target in TARGETS]
    assert settings_addresses(response) == list(zip(LABELS, addresses, strict=True))
    assert copied_texts(response) == addresses
    # Each address may be pointed at any folder of this company, and only of this company.
    assert folder_choices(response, "achats") == [
        f"Par défaut : {default_paths()[0]}",
        "Fournisseurs",
    ]
    assert all(selected_folder(response, target) == "" for target in TARGETS)
    text = text_of(response)
    assert "Qui peut déposer ?" in text
    assert "Garage pièces détachées" not in text
    assert not is_checked(response, "accept_anyone")
    assert not is_checked(response, "send_receipt")
    assert textarea(response, "allowed_senders") == ""


def test_staff_point_an_address_at_another_folder(world):
    folder = folder_at(world.a.company, "Fournisseurs/Factures à payer")
    staff = browser(world.a.collaborator)
    staff.get(settings_url(world.a.company))

    response = staff.post(folder_action_url(world.a.company, "achats"), {"folder": folder.pk})

    assert response.status_code == 302
    assert response.url == settings_url(world.a.company)
    assert address_row(world.a.company, "achats").folder == folder
    page = staff.get(response.url)
    assert flashes(page, levels=True) == [
        ("success", "Dossier de l'adresse « Achats » enregistré.")
    ]
    assert selected_folder(page, "achats") == str(folder.pk)
    assert selected_folder(page, "ventes") == ""
    assert AuditEntry.objects.filter(action="inbound_address.folder_changed").count() == 1
    # The clients read where it now files, and the next email lands there.
    rows = deposit_addresses(browser(world.a.client).get(company_url(world.a.company)))
    assert rows[0] == ("Achats", "Fournisseurs/Factures à payer", address_of(world.a.company))
    record = receive(to=address_of(world.a.company), sender=world.a.client.email)
    assert record.status == InboundStatus.DEPOSITED
    [document] = Document.objects.filter(pk=record.items[0]["document"])
    assert document.folder == folder


def test_staff_send_an_address_back_to_its_default_folder(world):
    address = address_row(world.a.company, "ndf")
    inbound_address_folder_set(
        address=address, folder=folder_at(world.a.company, "Frais"), by=world.a.admin
    )

    response = browser(world.a.admin).post(
        folder_action_url(world.a.company, "ndf"), {"folder": ""}
    )

    assert response.status_code == 302
    address.refresh_from_db()
    assert address.folder is None
    rows = deposit_addresses(browser(world.a.client).get(company_url(world.a.company)))
    assert rows[2] == ("Notes de frais", default_paths()[2], address_of(world.a.company, "ndf"))


@pytest.mark.parametrize("where", ["other_company", "other_cabinet", "trashed", "missing"])
def test_an_address_cannot_point_at_a_folder_outside_its_company(world, where):
    chosen = folder_at(world.a.company, "Fournisseurs")
    address = address_row(world.a.company, "achats")
    inbound_address_folder_set(address=address, folder=chosen, by=world.a.admin)
    trashed = folder_at(world.a.company, "Archives 2019")
    folder_trash(folder=trashed, by=world.a.admin)
    folder_id = {
        "other_company": lambda: folder_at(world.a.other_company, "Achats").pk,
        "other_cabinet": lambda: folder_at(world.b.company, "Achats").pk,
        "trashed": lambda: trashed.pk,
        "missing": lambda: MISSING_ID,
    }[where]()
    audit = AuditEntry.objects.count()

    response = browser(world.a.admin).post(
        folder_action_url(world.a.company, "achats"), {"folder": folder_id}
    )

    assert response.status_code == 404
    address.refresh_from_db()
    assert address.folder == chosen
    assert AuditEntry.objects.count() == audit


def test_a_new_company_has_its_four_addresses_and_reading_them_writes_nothing(world):
    company = company_create(cabinet=world.a.cabinet, name="Fromagerie Alpha", by=world.a.admin)
    assert sorted(
        InboundAddress.objects.filter(company=company).values_list("target", flat=True)
    ) == sorted(TARGETS)
    staff = browser(world.a.admin)

    with CaptureQueriesContext(connection) as queries:
        page = staff.get(settings_url(company))
        api_rows = api(world.a.client).get(
            f"/api/v1/companies/{world.a.company.pk}/inbound-addresses/"
        )

    assert (page.status_code, api_rows.status_code) == (200, 200)
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    # The session's last activity may be saved; nothing of the GED is.
    assert not [sql for sql in writes if "ged_" in sql], writes


@pytest.mark.parametrize("action", ["folder", "regenerate"])
def test_an_unknown_target_is_a_404(world, action):
    before = [address_of(world.a.company, target) for target in TARGETS]
    url = {"folder": folder_action_url, "regenerate": regenerate_url}[action]

    response = browser(world.a.admin).post(url(world.a.company, "inconnue"), {"folder": ""})

    assert response.status_code == 404
    assert [address_of(world.a.company, target) for target in TARGETS] == before


def test_staff_regenerate_an_address_and_the_old_one_stops_working(world):
    old = address_of(world.a.company, "achats")
    others = [address_of(world.a.company, target) for target in TARGETS[1:]]
    staff = browser(world.a.collaborator)

    response = staff.post(regenerate_url(world.a.company, "achats"))

    assert response.status_code == 302
    assert response.url == settings_url(world.a.company)
    page = staff.get(response.url)
    assert flashes(page, levels=True) == [
        ("success", "Nouvelle adresse « Achats » : l'ancienne ne fonctionne plus.")
    ]
    new = address_of(world.a.company, "achats")
    assert new != old
    assert settings_addresses(page) == list(zip(LABELS, [new, *others], strict=True))
    assert old.split("@")[0] not in page.content.decode()
    ged = browser(world.a.client).get(company_url(world.a.company))
    assert [address for _label, _path, address in deposit_addresses(ged)] == [new, *others]
    entry = AuditEntry.objects.get(action="inbound_address.regenerated")
    assert entry.actor == world.a.collaborator
    # The old address receives nothing any more; the new one does.
    refused = receive(to=old, sender=world.a.client.email)
    assert refused.status == InboundStatus.REFUSED
    assert refused.reason == UNKNOWN_ADDRESS
    assert refused.company is None
    assert not Document.objects.filter(company=world.a.company).exists()
    assert receive(to=new, sender=world.a.client.email).status == InboundStatus.DEPOSITED


def test_regenerating_needs_a_post(world):
    old = address_of(world.a.company)

    response = browser(world.a.admin).get(regenerate_url(world.a.company))

    assert response.status_code == 405
    assert address_of(world.a.company) == old


def test_staff_open_the_addresses_to_everyone(world):
    staff = browser(world.a.admin)

    response = staff.post(
        settings_url(world.a.company), {"accept_anyone": "on", "allowed_senders": ""}
    )

    assert response.status_code == 302
    assert response.url == settings_url(world.a.company)
    policy = InboundPolicy.objects.get(company=world.a.company)
    assert policy.accept_anyone
    assert not policy.send_receipt
    page = staff.get(response.url)
    assert flashes(page, levels=True) == [("success", "Règles de dépôt par email enregistrées.")]
    assert is_checked(page, "accept_anyone")
    record = receive(to=address_of(world.a.company), sender=STRANGER)
    assert record.status == InboundStatus.DEPOSITED


def test_by_default_a_stranger_is_refused(world):
    record = receive(to=address_of(world.a.company), sender=STRANGER)

    assert record.status == InboundStatus.REFUSED
    assert STRANGER in record.reason
    assert not Document.objects.exists()


def test_staff_allow_more_senders(world):
    staff = browser(world.a.collaborator)

    response = staff.post(
        settings_url(world.a.company),
        {"allowed_senders": "Compta@Fournisseur.fr\n\n  @cabinet-ami.fr  \ncompta@fournisseur.fr"},
    )

    assert response.status_code == 302
    policy = InboundPolicy.objects.get(company=world.a.company)
    assert policy.allowed_list == ["compta@fournisseur.fr", "@cabinet-ami.fr"]
    assert not policy.accept_anyone
    page = staff.get(settings_url(world.a.company))
    assert textarea(page, "allowed_senders") == "compta@fournisseur.fr\n@cabinet-ami.fr"
    achats = address_of(world.a.company)
    assert receive(to=achats, sender="compta@fournisseur.fr").status == InboundStatus.DEPOSITED
    assert receive(to=achats, sender="marie@cabinet-ami.fr").status == InboundStatus.DEPOSITED
    assert receive(to=achats, sender=STRANGER).status == InboundStatus.REFUSED


@pytest.mark.parametrize(
    ("lines", "number"),
    [
        ("pas une adresse", 1),
        ("compta@fournisseur.fr\nfournisseur.fr", 2),
        ("compta@fournisseur.fr\n\ncompta@", 3),
        ("a@b@fournisseur.fr", 1),
        ("compta @fournisseur.fr", 1),
        ("@cabinet-ami.fr\ncompta@localhost", 2),
    ],
)
def test_a_bad_sender_line_is_refused_with_its_number_and_nothing_is_saved(world, lines, number):
    InboundPolicy.objects.create(
        company=world.a.company, allowed_senders="compta@fournisseur.fr", send_receipt=False
    )

    response = browser(world.a.admin).post(
        settings_url(world.a.company),
        {"accept_anyone": "on", "allowed_senders": lines, "send_receipt": "on"},
    )

    assert response.status_code == 400
    assert form_errors(response) == [SENDER_LINE_ERROR.format(n=number)]
    # What was typed stays in the form, to be corrected.
    assert textarea(response, "allowed_senders") == lines
    policy = InboundPolicy.objects.get(company=world.a.company)
    assert (policy.accept_anyone, policy.allowed_senders, policy.send_receipt) == (
        False,
        "compta@fournisseur.fr",
        False,
    )
    assert not AuditEntry.objects.filter(action="inbound_policy.changed").exists()


def test_staff_turn_on_the_receipt_and_the_sender_gets_one(
    world, django_capture_on_commit_callbacks
):
    automate_achats(world.a)
    response = browser(world.a.admin).post(
        settings_url(world.a.company), {"send_receipt": "on", "allowed_senders": ""}
    )
    assert response.status_code == 302
    assert InboundPolicy.objects.get(company=world.a.company).send_receipt

    with django_capture_on_commit_callbacks(execute=True):
        receive(
            to=address_of(world.a.company),
            sender=world.a.client.email,
            subject="Facture farine mars",
            files=[("facture-farine.pdf", PDF), ("vide.pdf", b"")],
        )

    [receipt] = [message for message in mail.outbox if message.to == [world.a.client.email]]
    assert "Boulangerie Alpha" in receipt.subject
    assert "Facture farine mars" in readable(receipt.body)
    assert "facture-farine.pdf : classé dans « Achats »" in readable(receipt.body)
    assert "vide.pdf : refusé (Le fichier est vide.)" in readable(receipt.body)
    assert "inqom" not in f"{receipt.from_email} {receipt.subject} {readable(receipt.body)}".lower()


def test_no_receipt_unless_staff_ask_for_one(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(to=address_of(world.a.company), sender=world.a.client.email)

    assert record.status == InboundStatus.DEPOSITED
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_get_404_on_the_deposit_settings(world, who):
    folder = folder_at(world.a.company, "Fournisseurs")
    before = [address_of(world.a.company, target) for target in TARGETS]
    client = browser(getattr(world.a, who))

    responses = {
        "page": client.get(settings_url(world.a.company)),
        "policy": client.post(
            settings_url(world.a.company), {"accept_anyone": "on", "allowed_senders": ""}
        ),
        "folder": client.post(folder_action_url(world.a.company), {"folder": folder.pk}),
        "regenerate": client.post(regenerate_url(world.a.company)),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert all("Page introuvable" in text_of(r) for r in responses.values())
    assert [address_of(world.a.company, target) for target in TARGETS] == before
    assert address_row(world.a.company).folder is None
    assert not InboundPolicy.objects.exists()


def test_the_other_cabinets_staff_get_404_like_for_a_missing_company(world):
    beta = browser(world.b.admin)

    foreign = beta.get(settings_url(world.a.company))
    missing = beta.get(settings_url(MISSING_ID))

    assert foreign.status_code == missing.status_code == 404
    assert without_csrf(foreign) == without_csrf(missing)
    before = [address_of(world.a.company, target) for target in TARGETS]
    assert beta.post(regenerate_url(world.a.company)).status_code == 404
    assert [address_of(world.a.company, target) for target in TARGETS] == before


# --- « Emails reçus » --------------------------------------------------------------------------


def received_in_both_cabinets(world) -> dict[str, InboundEmail]:
    """Alpha's company got an invoice from its client (one file filed, one empty) and an email
    from a stranger; its other company a receipt; beta's company a confidential invoice."""
    emails = {
        "partial": receive(
            to=address_of(world.a.company),
            sender=world.a.client.email,
            subject="Factures farine mars",
            files=[("facture-farine.pdf", PDF), ("vide.pdf", b"")],
        ),
        "refused": receive(
            to=address_of(world.a.company, "ventes"), sender=STRANGER, subject="Publicité"
        ),
        "other_company": receive(
            to=address_of(world.a.other_company, "ndf"),
            sender=world.a.other_client.email,
            subject="Ticket péage",
            files=[("ticket-peage.pdf", PDF)],
        ),
        "beta": receive(
            to=address_of(world.b.company),
            sender=world.b.client.email,
            subject="Facture Beta confidentielle",
            files=[("facture-beta.pdf", PDF)],
        ),
    }
    assert [email.status for email in emails.values()] == [
        InboundStatus.PARTIAL,
        InboundStatus.REFUSED,
        InboundStatus.DEPOSITED,
        InboundStatus.DEPOSITED,
    ]
    return emails


@pytest.mark.parametrize("who", ["admin", "collaborator"])
def test_staff_read_what_the_cabinets_addresses_received(world, who):
    emails = received_in_both_cabinets(world)
    farine = Document.objects.get(pk=emails["partial"].items[0]["document"])
    peage = Document.objects.get(pk=emails["other_company"].items[0]["document"])

    response = browser(getattr(world.a, who)).get(EMAILS_URL)

    assert response.status_code == 200
    rows = email_rows(response)
    # Newest first.
    assert [(row["company"], row["sender"], row["subject"]) for row in rows] == [
        ("Garage Alpha", world.a.other_client.email, "Ticket péage"),
        ("Boulangerie Alpha", STRANGER, "Publicité"),
        ("Boulangerie Alpha", world.a.client.email, "Factures farine mars"),
    ]
    peage_row, refused_row, partial_row = rows
    assert peage_row["result"].startswith("Déposé")
    assert peage_row["links"] == [f"/ged/documents/{peage.pk}/"]
    assert refused_row["result"] == (
        f"Refusé Expéditeur non autorisé : {STRANGER} n'est ni client de l'entreprise ni "
        "membre du cabinet."
    )
    assert refused_row["links"] == []
    assert partial_row["result"].startswith("Déposé en partie")
    assert partial_row["links"] == [f"/ged/documents/{farine.pk}/"]
    assert partial_row["items"][1] == "vide.pdf : refusé — Le fichier est vide."
    # The link opens the document that was filed.
    document = browser(world.a.admin).get(partial_row["links"][0])
    assert document.status_code == 200
    assert "facture-farine.pdf" in text_of(document)


def test_each_filed_document_says_where_it_went(world):
    emails = received_in_both_cabinets(world)
    farine = Document.objects.get(pk=emails["partial"].items[0]["document"])
    assert farine.folder.name == "Achats"

    rows = email_rows(browser(world.a.admin).get(EMAILS_URL))

    filed = rows[2]["items"][0]
    assert filed.startswith("facture-farine.pdf")
    assert "Achats" in filed


def test_the_other_cabinets_emails_never_appear(world):
    received_in_both_cabinets(world)

    alpha = browser(world.a.admin).get(EMAILS_URL)
    beta = browser(world.b.admin).get(EMAILS_URL)

    assert "Facture Beta confidentielle" not in text_of(alpha)
    assert world.b.client.email not in text_of(alpha)
    assert [row["subject"] for row in email_rows(beta)] == ["Facture Beta confidentielle"]
    beta_text = text_of(beta)
    for secret in ("Boulangerie Alpha", "Garage Alpha", world.a.client.email, STRANGER, "farine"):
        assert secret not in beta_text


def test_an_email_to_no_known_address_belongs_to_no_cabinet(world):
    record = receive(to=f"inconnue-achats-zzzz@{DOMAIN}", sender=world.a.client.email)
    assert record.reason == UNKNOWN_ADDRESS

    for tenant in (world.a, world.b):
        response = browser(tenant.admin).get(EMAILS_URL)
        assert email_rows(response) == []
        assert "Aucun email reçu." in text_of(response)


def test_staff_filter_the_emails_by_company(world):
    received_in_both_cabinets(world)
    staff = browser(world.a.collaborator)

    company = staff.get(EMAILS_URL, {"company": world.a.company.pk})
    other = staff.get(EMAILS_URL, {"company": world.a.other_company.pk})

    assert [row["subject"] for row in email_rows(company)] == ["Publicité", "Factures farine mars"]
    assert [row["subject"] for row in email_rows(other)] == ["Ticket péage"]
    assert re.search(
        rf'<option value="{world.a.company.pk}" selected>Boulangerie Alpha</option>',
        company.content.decode(),
    )
    # The filter offers the cabinet's companies, and only them.
    [select] = re.findall(
        r'<select id="filter-company".*?</select>', company.content.decode(), re.S
    )
    options = re.findall(r"<option [^>]*>(.*?)</option>", select)
    assert sorted(options) == ["Boulangerie Alpha", "Garage Alpha", "Toutes"]


def test_a_company_with_no_email_says_so(world):
    received_in_both_cabinets(world)
    company = world.a.company
    InboundEmail.objects.filter(company=company).delete()

    response = browser(world.a.admin).get(EMAILS_URL, {"company": company.pk})

    assert response.status_code == 200
    assert email_rows(response) == []
    assert "Aucun email reçu pour cette entreprise." in text_of(response)


@pytest.mark.parametrize("company", ["other_cabinet", "missing", "not a number"])
def test_filtering_on_a_company_of_another_cabinet_is_a_404(world, company):
    received_in_both_cabinets(world)
    value = {"other_cabinet": world.b.company.pk, "missing": MISSING_ID}.get(company, company)

    response = browser(world.a.admin).get(EMAILS_URL, {"company": value})
    missing = browser(world.a.admin).get(EMAILS_URL, {"company": MISSING_ID})

    assert response.status_code == 404
    assert without_csrf(response) == without_csrf(missing)
    assert "Facture Beta confidentielle" not in text_of(response)


def many_emails(company, count: int, *, start: int = 0) -> None:
    InboundEmail.objects.bulk_create(
        InboundEmail(
            key=f"bulk-{company.pk}-{number}",
            company=company,
            sender=f"fournisseur{number}@exemple.fr",
            subject=f"Facture n°{number:03d}",
            status=InboundStatus.REFUSED,
            reason="Aucune pièce jointe à déposer.",
        )
        for number in range(start, start + count)
    )


def test_the_emails_are_listed_50_a_page(world):
    many_emails(world.a.company, 51)
    many_emails(world.a.other_company, 3, start=100)
    staff = browser(world.a.admin)
    company = world.a.company.pk

    first = staff.get(EMAILS_URL, {"company": company})
    second = staff.get(EMAILS_URL, {"company": company, "page": 2})

    assert len(email_rows(first)) == 50
    assert len(email_rows(second)) == 1
    subjects = {row["subject"] for row in email_rows(first) + email_rows(second)}
    assert subjects == {f"Facture n°{number:03d}" for number in range(51)}
    assert "Page 1 sur 2" in text_of(first)
    assert f'href="?company={company}&amp;page=2" rel="next"' in first.content.decode()
    assert f'href="?company={company}&amp;page=1" rel="prev"' in second.content.decode()
    everything = staff.get(EMAILS_URL)
    assert len(email_rows(everything)) == 50
    assert "Page 1 sur 2" in text_of(everything)
    assert len(email_rows(staff.get(EMAILS_URL, {"page": 2}))) == 4


def test_the_list_costs_the_same_queries_whatever_the_number_of_emails(world):
    staff = browser(world.a.admin)
    assert staff.get(EMAILS_URL).status_code == 200  # warms the session and the caches
    received_in_both_cabinets(world)
    with CaptureQueriesContext(connection) as few:
        assert len(email_rows(staff.get(EMAILS_URL))) == 3

    for number in range(4):
        receive(
            to=address_of(world.a.other_company),
            sender=world.a.other_client.email,
            subject=f"Relevé {number}",
        )
    with CaptureQueriesContext(connection) as many:
        assert len(email_rows(staff.get(EMAILS_URL))) == 7

    assert len(many) == len(few), "\n".join(query["sql"] for query in many.captured_queries)


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_clients_get_404_on_the_received_emails(world, who):
    received_in_both_cabinets(world)
    client = browser(getattr(world.a, who))

    for query in ({}, {"company": world.a.company.pk}, {"company": world.a.other_company.pk}):
        response = client.get(EMAILS_URL, query)
        assert response.status_code == 404, query
        assert "Factures farine mars" not in text_of(response)
        assert "Emails reçus" not in text_of(response)


def test_staff_find_the_received_emails_in_their_gear(world):
    for who in ("admin", "collaborator"):
        page = browser(getattr(world.a, who)).get("/").content.decode()
        assert f'<a href="{EMAILS_URL}">Emails reçus</a>' in page, who
    assert EMAILS_URL not in browser(world.a.client).get("/").content.decode()
