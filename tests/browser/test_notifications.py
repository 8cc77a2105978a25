"""The bell in Chromium: a collaborator sees how many notifications wait for them, follows the
bell to the « Notifications » page, opens one (it leads to its link and leaves the bell) and
chooses whether to get the email digest; a client never sees a bell. Under the
Content-Security-Policy, with every page's landmark and labels checked."""

import re

from tests.browser.needs_playwright import expect
from tests.helpers.notifications import notify, unread_of

FAILED = "« facture-42.pdf » n'a pas pu partir : adresse refusée."
WAITING = "« releve.csv » attend une décision."


def test_staff_follow_the_bell_to_what_needs_them(portal, world):
    company = f"/ged/entreprises/{world.a.company.pk}/"
    notify(world.a.cabinet, FAILED, url=company)
    notify(world.a.cabinet, WAITING, url=company)
    session = portal.login(world.a.collaborator)
    page = session.page

    bell = page.get_by_role("link", name="Notifications, 2 non lues")
    expect(bell).to_be_visible()
    expect(bell).to_have_text("2")
    portal.screenshot(page, "1-bell")
    session.follow(bell, re.compile(r"/notifications/$"))
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    portal.screenshot(page, "2-notifications")

    session.submit(page.get_by_role("button", name=FAILED))
    assert page.url == f"{portal.base_url}{company}"
    expect(page.get_by_role("link", name="Notifications, 1 non lue")).to_be_visible()
    assert unread_of(world.a.collaborator) == [WAITING]

    session.goto("/notifications/")
    expect(page.get_by_role("link", name=FAILED)).to_be_visible()
    page.get_by_role("radio", name="Oui").check()
    session.submit(page.get_by_role("button", name="Enregistrer"))
    expect(page.get_by_text("Préférence enregistrée.")).to_be_visible()
    expect(page.get_by_role("radio", name="Oui")).to_be_checked()
    world.a.collaborator.refresh_from_db()
    assert world.a.collaborator.notification_digest is True


def test_a_client_has_no_bell(portal, world):
    notify(world.a.cabinet, FAILED)
    page = portal.login(world.a.client).page

    expect(page.get_by_role("link", name=re.compile(r"^Notifications"))).to_have_count(0)
