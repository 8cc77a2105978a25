"""The Inqom connection guide, followed click by click in Chromium: the cabinet admin installs
the Inqom apps from the gear › Applications, authorises a company with its collection address,
switches Inqom Achats on on the Achats folder; the client drops a PDF there and sees it
« Validé », while the email leaves for the collection address. The client never reads the word
Inqom. Every page visited has a `main` landmark and labelled fields; the switches work with the
keyboard.

Each test sets up what earlier steps of the guide did through the services, so that it runs
alone; `portal.login(user)` gives each user a browser context of their own."""

import re

from django.core import mail
from django.utils import timezone

from ged.models import Document, DocumentStatus, Folder
from ged.services.tree import annual_folder_name
from partner_apps.models import CompanyAuthorization, Delivery, DeliveryStatus, FolderAutomation
from tests.browser.helpers import (
    HIDDEN_FROM_CLIENTS,
    Answer,
    Session,
    assert_accessible,
    document_row,
    drop_and_wait,
    folder_url,
    hidden_word_leaks,
    htmx_settled,
    open_folder,
)
from tests.browser.needs_playwright import expect
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import read, switch_on
from tests.helpers.store import ALL_APPS, authorize, install, saved

ACHATS = "inqom-achats"
ACHATS_ADDRESS = "achat.boulangerie-alpha@inqombox.com"
GARAGE_ADDRESS = "achat.garage-alpha@inqombox.com"
WRONG_ADDRESS = "vente.acme@inqombox.com"
WRONG_ADDRESS_ERROR = (
    "C'est une adresse « vente. », celle d'Inqom Ventes. "
    "Adresse attendue : achat.<nom>@inqombox.com"
)
SENDER = "no-reply@welyb.fr"
SUBFOLDER = "Factures fournisseurs"

# What the server sent to the clients of every test of this module, for the last one.
CLIENT_ANSWERS: list[Answer] = []


def annual() -> str:
    return annual_folder_name(timezone.localdate().year)


def achats_of(company) -> Folder:
    return folder_at(company, f"{annual()}/Achats")


def connected(world) -> Folder:
    """Where the guide leaves a cabinet: Inqom installed, Boulangerie Alpha authorised for Inqom
    Achats with its address, the switch on on its Achats folder; returns that folder."""
    install(world.a, *ALL_APPS)
    authorize(world.a, world.a.company, ACHATS, ACHATS_ADDRESS)
    achats = achats_of(world.a.company)
    switch_on(achats, ACHATS, by=world.a.admin)
    return achats


def gear_link(session: Session, label: str, url: str):
    """La roue crantée, then one of its links."""
    banner = session.page.get_by_role("banner")
    banner.get_by_label("Réglages", exact=True).click()
    return session.follow(banner.get_by_role("link", name=label, exact=True), url)


def drop_pdf(session: Session, name: str, content: bytes = PDF) -> None:
    """Drops a PDF on the folder's upload zone; waits for the refreshed list of documents."""
    drop_and_wait(session, name, content, "application/pdf")


def press(session: Session, key: str, url_part: str):
    """Presses a key on what has the focus, waits for the htmx POST it sends to `url_part` and
    for the swapped content to settle; returns the answer."""
    page = session.page
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST") as answer:
        page.keyboard.press(key)
    assert answer.value.ok, answer.value.status
    htmx_settled(page)
    assert_accessible(page)
    return answer.value


def keyboard_toggle(session: Session, switch, url_part: str):
    """Focuses a switch and presses Space, as a keyboard user does."""
    switch.focus()
    expect(switch).to_be_focused()
    return press(session, "Space", url_part)


def assert_hidden_from_client(session: Session) -> list[Answer]:
    """Nothing the server sent the client names Inqom or the automations."""
    answers = session.texts()
    CLIENT_ANSWERS.extend(answers)
    leaks = hidden_word_leaks(answers)
    assert not leaks, "\n".join(leaks)
    return answers


# --- 1. Install and authorise ------------------------------------------------------------------


def test_the_admin_installs_inqom_and_authorises_a_company_with_its_address(portal, world):
    company, garage = world.a.company, world.a.other_company
    admin = portal.login(world.a.admin)
    page = admin.page

    # Cliquez sur la roue crantée, puis sur « Applications »: nothing is installed yet.
    gear_link(admin, "Applications", "**/reglages/applications/")
    expect(page.get_by_role("main")).to_contain_text("Aucune application installée.")
    admin.follow(
        page.get_by_role("main").get_by_role("link", name="Ajouter une application").first,
        "**/reglages/applications/ajouter/",
    )
    inqom = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Inqom", exact=True)
    )
    companions = inqom.get_by_role("checkbox", name=re.compile(r"^Installer aussi Inqom Achats"))
    expect(companions).to_be_checked()
    admin.submit(inqom.get_by_role("button", name="Installer"))
    expect(page.get_by_role("status")).to_contain_text("Installées : Inqom, Inqom Achats")

    # Cliquez sur le stylo sur la ligne Inqom Achats.
    gear_link(admin, "Applications", "**/reglages/applications/")
    for name in ("Inqom Achats", "Inqom Ventes", "Inqom NDF", "Inqom Administratif"):
        expect(page.get_by_role("link", name=f"Modifier {name}")).to_be_visible()
    admin.follow(
        page.get_by_role("link", name="Modifier Inqom Achats"),
        "**/reglages/applications/inqom-achats/autorisations/",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Inqom Achats")

    # Autorisez l'accès à l'entreprise (the switch, with the keyboard), insérez l'adresse de
    # collecte, sauvegardez la ligne: htmx swaps it with the saved one.
    row = page.locator(f"#authorization-{company.pk}")
    access = row.get_by_role("switch", name=f"Accès autorisé pour {company.name}")
    access.focus()
    page.keyboard.press("Space")
    expect(access).to_be_checked()
    page.get_by_label(f"Adresse de collecte de {company.name}").fill(ACHATS_ADDRESS)
    with page.expect_response(
        lambda r: r.url.endswith(f"/autorisations/{company.pk}/") and r.request.method == "POST"
    ) as answer:
        row.get_by_role("button", name="Enregistrer").click()
    assert answer.value.status == 200
    htmx_settled(page)
    assert_accessible(page)
    expect(row.get_by_role("status")).to_have_text("Enregistré")
    expect(row.get_by_role("switch")).to_be_checked()
    expect(row.get_by_role("textbox")).to_have_value(ACHATS_ADDRESS)
    row.evaluate("row => row.scrollIntoView({block: 'center'})")
    portal.screenshot(page, "authorisation-saved", docs="authorisation")
    assert saved(company, ACHATS) == (True, ACHATS_ADDRESS)

    # The other company, with « Tout enregistrer »: the page comes back with both saved.
    page.get_by_role("switch", name=f"Accès autorisé pour {garage.name}").check()
    page.get_by_label(f"Adresse de collecte de {garage.name}").fill(GARAGE_ADDRESS)
    admin.submit(page.get_by_role("button", name="Tout enregistrer"))
    expect(page.get_by_role("status").first).to_have_text("Autorisations enregistrées.")
    expect(page.get_by_label(f"Adresse de collecte de {company.name}")).to_have_value(
        ACHATS_ADDRESS
    )
    expect(page.get_by_label(f"Adresse de collecte de {garage.name}")).to_have_value(GARAGE_ADDRESS)
    assert saved(company, ACHATS) == (True, ACHATS_ADDRESS)
    assert saved(garage, ACHATS) == (True, GARAGE_ADDRESS)
    portal.screenshot(page, "all-saved")


# --- 2. A wrong address ------------------------------------------------------------------------


def test_a_wrong_address_shows_the_french_error_next_to_the_field_and_saves_nothing(portal, world):
    company, garage = world.a.company, world.a.other_company
    install(world.a, *ALL_APPS)
    admin = portal.login(world.a.admin)
    page = admin.goto("/reglages/applications/inqom-achats/autorisations/")
    row = page.locator(f"#authorization-{company.pk}")
    field = page.get_by_label(f"Adresse de collecte de {company.name}")

    # The line alone, with the keyboard (htmx): the line comes back with the error under the
    # field, and the focus still on its « Enregistrer ».
    page.get_by_role("switch", name=f"Accès autorisé pour {company.name}").check()
    field.fill(WRONG_ADDRESS)
    field.press("Tab")
    save = row.get_by_role("button", name="Enregistrer")
    expect(save).to_be_focused()
    press(admin, "Enter", f"/autorisations/{company.pk}/")
    expect(save).to_be_focused()
    cell = row.get_by_role("cell").filter(has=field)
    expect(cell.get_by_role("listitem")).to_have_text(WRONG_ADDRESS_ERROR)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(WRONG_ADDRESS_ERROR)
    expect(field).to_have_value(WRONG_ADDRESS)
    expect(row.get_by_role("status")).to_have_count(0)
    portal.screenshot(page, "wrong-address")
    assert saved(company, ACHATS) is None

    # The whole page, with a right address on the other line: nothing at all is saved.
    page.get_by_role("switch", name=f"Accès autorisé pour {garage.name}").check()
    page.get_by_label(f"Adresse de collecte de {garage.name}").fill(GARAGE_ADDRESS)
    admin.submit(page.get_by_role("button", name="Tout enregistrer"))
    expect(page.get_by_role("alert")).to_have_text(
        "Rien n'est enregistré : corrigez les lignes signalées puis recommencez."
    )
    field = page.get_by_label(f"Adresse de collecte de {company.name}")
    expect(field).to_have_value(WRONG_ADDRESS)
    expect(field).to_have_accessible_description(WRONG_ADDRESS_ERROR)
    expect(page.get_by_label(f"Adresse de collecte de {garage.name}")).to_have_value(GARAGE_ADDRESS)
    assert not CompanyAuthorization.objects.exists()


# --- 3. The switch of the Achats folder --------------------------------------------------------


def test_the_admin_switches_inqom_achats_on_on_achats_and_a_subfolder_inherits_it(portal, world):
    company = world.a.company
    install(world.a, *ALL_APPS)
    authorize(world.a, company, ACHATS, ACHATS_ADDRESS)
    achats = achats_of(company)
    subfolder = folder_at(company, f"{annual()}/Achats/{SUBFOLDER}")
    admin = portal.login(world.a.admin)
    page = open_folder(admin, company, achats)

    # The « Automatisations » section of the folder's toolbar: one switch per connector, only
    # Inqom Achats usable (the company is authorised for it alone).
    automations = page.get_by_role("region", name="Automatisations")
    switch = automations.get_by_role("switch", name="Inqom Achats")
    expect(switch).not_to_be_checked()
    expect(switch).to_be_enabled()
    expect(switch).to_have_accessible_description("Désactivée")
    expect(automations.get_by_role("switch", name="Inqom Ventes")).to_be_disabled()

    # Keyboard only: Space switches it on, htmx swaps the section, the focus stays on the
    # switch, so that Space switches it off and on again.
    keyboard_toggle(admin, switch, f"/automatisations/{ACHATS}/")
    expect(switch).to_be_checked()
    today = timezone.localdate().strftime("%d/%m/%Y")
    expect(switch).to_have_accessible_description(f"Activée le {today}")
    expect(automations.get_by_role("status")).to_have_text(
        "Inqom Achats activée : les documents déposés désormais ici partent vers Inqom Achats."
    )
    expect(switch).to_be_focused()
    press(admin, "Space", f"/automatisations/{ACHATS}/")
    expect(switch).not_to_be_checked()
    expect(switch).to_have_accessible_description("Désactivée")
    expect(switch).to_be_focused()
    press(admin, "Space", f"/automatisations/{ACHATS}/")
    expect(switch).to_be_checked()
    expect(switch).to_be_focused()
    portal.screenshot(
        page, "automatisations-on", docs="automatisations", down_to=page.locator(".upload-zone")
    )
    automation = FolderAutomation.objects.get(folder=achats, app__slug=ACHATS)
    assert automation.enabled
    assert automation.activated_by == world.a.admin

    # A subfolder shows it on, and locked: it is changed on « Achats ».
    page = admin.follow(
        page.get_by_role("link", name=SUBFOLDER, exact=True).first, f"**{folder_url(subfolder)}"
    )
    inherited = page.get_by_role("region", name="Automatisations").get_by_role(
        "switch", name="Inqom Achats"
    )
    expect(inherited).to_be_checked()
    expect(inherited).to_be_disabled()
    expect(inherited).to_have_accessible_description(
        "Activée et verrouillée : héritée de « Achats »"
    )
    portal.screenshot(page, "subfolder-locked")
    assert not FolderAutomation.objects.filter(folder=subfolder).exists()


# --- 4. The client drops a PDF -----------------------------------------------------------------


def test_the_client_drops_a_pdf_and_sees_it_validated_while_inqom_gets_it(portal, world):
    achats = connected(world)
    client = portal.login(world.a.client)
    page = open_folder(client, world.a.company, achats)
    expect(page.get_by_role("region", name="Automatisations")).to_have_count(0)

    drop_pdf(client, "facture-fournisseur.pdf")
    row = document_row(page, "facture-fournisseur.pdf")
    expect(row.locator(".status")).to_have_text("Validé")
    portal.screenshot(page, "client-validated", docs="client-valide")

    document = Document.objects.get(name="facture-fournisseur.pdf")
    assert document.folder == achats
    assert document.deposited_by == world.a.client
    assert document.status == DocumentStatus.VALIDATED
    [email] = [read(message) for message in mail.outbox]
    assert email.to == [ACHATS_ADDRESS]
    assert email.envelope_sender == SENDER
    assert email.attachment == ("facture-fournisseur.pdf", "application/pdf", PDF)
    assert_hidden_from_client(client)


# --- 6. No retroactivity -----------------------------------------------------------------------


def test_a_document_deposited_before_the_switch_stays_a_traiter_and_is_never_sent(portal, world):
    company = world.a.company
    install(world.a, *ALL_APPS)
    authorize(world.a, company, ACHATS, ACHATS_ADDRESS)
    achats = achats_of(company)
    client = portal.login(world.a.client)
    page = open_folder(client, company, achats)
    drop_pdf(client, "avant.pdf", PDF + b"% avant\n")
    expect(document_row(page, "avant.pdf").locator(".status")).to_have_text("À traiter")

    # The admin, in a browser context of their own, switches Inqom Achats on.
    admin = portal.login(world.a.admin)
    admin_page = admin.goto(folder_url(achats))
    switch = admin_page.get_by_role("switch", name="Inqom Achats")
    keyboard_toggle(admin, switch, f"/automatisations/{ACHATS}/")
    expect(switch).to_be_checked()

    # The client drops another one: it leaves, the first one stays where it was.
    drop_pdf(client, "apres.pdf", PDF + b"% apres\n")
    expect(document_row(page, "apres.pdf").locator(".status")).to_have_text("Validé")
    expect(document_row(page, "avant.pdf").locator(".status")).to_have_text("À traiter")
    page = client.goto(folder_url(achats))
    expect(document_row(page, "avant.pdf").locator(".status")).to_have_text("À traiter")
    portal.screenshot(page, "before-and-after")

    before = Document.objects.get(name="avant.pdf")
    assert before.status == DocumentStatus.PENDING
    assert not Delivery.objects.filter(document=before).exists()
    assert [read(m).attachment[0] for m in mail.outbox] == ["apres.pdf"]
    assert_hidden_from_client(client)


# --- 5. Clients never read « Inqom » -----------------------------------------------------------


def test_no_page_the_client_visits_names_inqom_or_the_automations(portal, world):
    achats = connected(world)
    company = world.a.company
    deposit(achats, "facture-validee.pdf", by=world.a.client)  # sent, then « Validé »
    archive = deposit(achats, "archive.zip", b"PK\x03\x04 archive", by=world.a.client)
    # Inqom takes no .zip: the delivery is skipped, with a reason staff read and clients never.
    assert Delivery.objects.get(document=archive).status == DeliveryStatus.SKIPPED
    client = portal.login(world.a.client)

    # Every page the client can reach from the home page, following the links.
    origin = portal.base_url
    to_visit, seen = ["/"], set()
    while to_visit:
        path = to_visit.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page = client.goto(path)
        hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
        for href in hrefs:
            if not href.startswith(origin):
                continue
            link = href.removeprefix(origin).split("#")[0]
            if link and "/telecharger/" not in link and link not in seen:
                to_visit.append(link)
        assert len(seen) < 80, "the crawl went further than a client's pages"
    assert f"/ged/entreprises/{company.pk}/" in seen
    assert folder_url(achats) in seen
    for document in Document.objects.filter(folder=achats):
        assert f"/ged/documents/{document.pk}/" in seen

    # And a deposit, whose answers (JSON, then the refreshed list) are checked too.
    page = client.goto(folder_url(achats))
    drop_pdf(client, "encore-une.pdf", PDF + b"% encore\n")
    expect(document_row(page, "encore-une.pdf").locator(".status")).to_have_text("Validé")
    expect(document_row(page, "archive.zip").locator(".status")).to_have_text("À traiter")
    portal.screenshot(page, "client-folder")

    answers = assert_hidden_from_client(client)
    pages = {answer.url for answer in answers}
    assert len(pages) >= len(seen)
    # The pages the clients of the other scenarios of this run saw, when they ran before.
    leaks = [answer.url for answer in CLIENT_ANSWERS if HIDDEN_FROM_CLIENTS.search(answer.text)]
    assert not leaks
