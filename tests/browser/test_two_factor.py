"""Two-factor authentication in Chromium, under the Content-Security-Policy: an admin opens
« Sécurité du compte » from their menu, scans the QR code drawn in the page (here: reads the
secret beside it, as a person types it into their app), confirms the app's code, notes the
recovery codes, and from then on logs in with the password, then the code."""

from base64 import b32decode

from tests.browser.needs_playwright import expect
from tests.factories import PASSWORD
from tests.helpers.two_factor import code_for


def test_an_admin_turns_two_factor_on_and_logs_in_with_the_code(portal, world):
    session = portal.login(world.a.admin)
    page = session.page

    page.get_by_text(world.a.admin.display_name, exact=True).click()
    session.follow(page.get_by_role("link", name="Sécurité du compte"), "**/compte/securite/")
    expect(page.get_by_text("Désactivée")).to_be_visible()
    session.follow(
        page.get_by_role("link", name="Activer la double authentification"),
        "**/compte/securite/activer/",
    )
    qr_code = page.locator(".qr-code svg")
    expect(qr_code).to_be_visible()
    box = qr_code.bounding_box()
    assert box["width"] >= 150
    assert box["width"] == box["height"]
    portal.screenshot(page, "1-enrolment")
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))

    page.get_by_label("Code affiché par l'application").fill(code_for(key))
    session.submit(page.get_by_role("button", name="Activer"))

    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    expect(page.get_by_role("list", name="Codes de secours").get_by_role("listitem")).to_have_count(
        10
    )
    portal.screenshot(page, "2-recovery-codes")
    session.follow(page.get_by_role("link", name="J'ai noté mes codes"), "**/compte/securite/")
    expect(page.get_by_text("Activée", exact=True)).to_be_visible()

    page.get_by_text(world.a.admin.display_name, exact=True).click()
    session.submit(page.get_by_role("button", name="Se déconnecter"))
    session.goto("/connexion/")
    page.get_by_label("Adresse email").fill(world.a.admin.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    session.follow(page.get_by_role("button", name="Se connecter"), "**/connexion/code/")
    portal.screenshot(page, "3-code")
    page.get_by_label("Code de vérification").fill(code_for(key, steps=1))
    session.follow(page.get_by_role("button", name="Vérifier"), f"{portal.base_url}/")

    expect(page.get_by_role("button", name="Se déconnecter")).to_be_hidden()
    expect(page.get_by_text(world.a.admin.display_name, exact=True)).to_be_visible()
