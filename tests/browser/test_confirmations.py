"""What acts on many companies at once asks first, in Chromium: the store's « Désinstaller »
says which companies and folders would stop sending, and the bulk activation chooses its
folder in the cabinet's tree and says how many companies it would switch on."""

import re

from partner_apps.models import CabinetApp, FolderAutomation
from tests.browser.needs_playwright import expect
from tests.helpers.documents import folder_at
from tests.helpers.forwarding import ACHATS, ANNUAL, connect, switch_on

STOPS = "1 entreprise autorisée et 1 dossier automatisé cesseront d'envoyer."


def test_uninstalling_asks_and_says_what_stops(portal, world):
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    switch_on(folder_at(world.a.company, f"{ANNUAL}/Achats"), ACHATS, world.a.admin)
    session = portal.login(world.a.admin)
    page = session.goto("/reglages/applications/ajouter/")

    session.follow(
        page.get_by_role("link", name="Désinstaller Inqom Achats"), re.compile(r"/confirmer/$")
    )
    expect(page.get_by_role("heading", name="Désinstaller Inqom Achats ?")).to_be_visible()
    expect(page.get_by_text(STOPS)).to_be_visible()
    portal.screenshot(page, "1-question")
    session.follow(page.get_by_role("link", name="Annuler"), re.compile(r"/ajouter/$"))
    assert CabinetApp.objects.filter(cabinet=world.a.cabinet, app__slug=ACHATS).exists()

    session.follow(
        page.get_by_role("link", name="Désinstaller Inqom Achats"), re.compile(r"/confirmer/$")
    )
    session.submit(page.get_by_role("button", name="Désinstaller Inqom Achats"))
    expect(page.get_by_text("« Inqom Achats » est désinstallée")).to_be_visible()
    assert not CabinetApp.objects.filter(cabinet=world.a.cabinet, app__slug=ACHATS).exists()


def test_the_bulk_activation_previews_then_switches_on(portal, world):
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    session = portal.login(world.a.admin)
    page = session.goto("/reglages/applications/inqom-achats/autorisations/")

    expect(page.get_by_label("Activer sur le dossier")).to_have_value(f"{ANNUAL}/Achats")
    session.submit(page.get_by_role("button", name="pour toutes les entreprises autorisées…"))
    expect(page.get_by_text("1 entreprise autorisée pour Inqom Achats.")).to_be_visible()
    assert not FolderAutomation.objects.exists()
    portal.screenshot(page, "1-preview")

    session.submit(page.get_by_role("button", name="Activer pour 1 entreprise"))
    expect(page.get_by_text(f"Inqom Achats activée sur « {ANNUAL}/Achats »")).to_be_visible()
    assert FolderAutomation.objects.get(enabled=True).folder == achats
