"""The Personnalisation page warns, as colours are chosen and before anything is saved, when
its text would be hard to read (WCAG AA), in Chromium."""

from tests.browser.needs_playwright import expect


def test_the_preview_warns_live_of_a_colour_too_pale_and_clears_when_it_is_readable(portal, world):
    session = portal.login(world.a.admin)
    page = session.goto("/reglages/personnalisation/")
    warning = page.locator("#contrast-warning")
    expect(warning).to_be_hidden()

    page.get_by_label("Couleur d'accent").fill("#808080")

    expect(warning).to_be_visible()
    expect(warning.get_by_text("Texte sur la couleur d'accent")).to_be_visible()
    expect(warning.get_by_text("Texte sur la couleur d'accent")).to_contain_text("4,19:1")
    expect(warning.get_by_text("Liens de la couleur principale")).to_be_hidden()

    page.get_by_label("Couleur d'accent").fill("#e39b17")

    expect(warning).to_be_hidden()
