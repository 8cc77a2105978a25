"""The Content-Security-Policy where it is enforced: in Chromium. The browser refuses a script,
a style attribute or an eval slipped into a page of the portal, and the pages that do the most
in the browser (the branding preview with its chosen logo, the API docs) work under it.

Every browser test fails on a refused script, style or eval (helpers.CSP_VIOLATION): the
connection guide's pages (htmx switches, the upload's progress bars) are checked there."""

import io
import re

import pytest
from PIL import Image

from tests.browser.helpers import CSP_VIOLATION, Session
from tests.browser.needs_playwright import expect

# How Chromium's console tells of a refusal, beside the page's own report.
CHROMIUM_SAYS = "violates the following Content Security Policy directive"
# What a page would run if the policy let it: each sets a flag the test reads back.
INJECTIONS = {
    "script-src-elem": """() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = 'script'";
        document.body.append(script);
    }""",
    "script-src-attr": """() => {
        const image = document.createElement("img");
        image.setAttribute("onerror", "window.injected = 'handler'");
        image.src = "data:,not-an-image";
        document.body.append(image);
    }""",
    "script-src": """() => {
        try { window.setTimeout("window.injected = 'eval'", 0); } catch (error) {}
    }""",
    "style-src-attr": """() => {
        const banner = document.createElement("p");
        banner.id = "injected-style";
        banner.setAttribute("style", "color: rgb(255, 0, 0)");
        banner.textContent = "Votre compte est suspendu";
        document.querySelector("main").append(banner);
    }""",
}


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), color).save(buffer, "PNG")
    return buffer.getvalue()


def violations_of(session: Session) -> list[str]:
    """The refusals reported so far, taken out of the session's script errors (they were
    expected), with Chromium's own console lines about them."""
    refused = [error for error in session.script_errors if CSP_VIOLATION in error]
    session.script_errors[:] = [
        error
        for error in session.script_errors
        if CSP_VIOLATION not in error and CHROMIUM_SAYS not in error
    ]
    return refused


@pytest.mark.parametrize("directive", INJECTIONS)
def test_the_browser_refuses_what_an_attacker_would_slip_into_a_page(portal, world, directive):
    session = portal.login(world.a.client)
    page = session.page

    page.evaluate(INJECTIONS[directive])
    page.wait_for_timeout(200)

    assert page.evaluate("() => window.injected === undefined")
    if directive == "style-src-attr":
        banner = page.locator("#injected-style")
        expect(banner).to_be_visible()
        expect(banner).not_to_have_css("color", "rgb(255, 0, 0)")
    refused = violations_of(session)
    assert refused
    assert all(f"refused {directive}:" in error for error in refused), refused


def test_the_branding_preview_shows_the_chosen_colour_and_logo_under_the_policy(portal, world):
    session = portal.login(world.a.admin)
    page = session.goto("/reglages/personnalisation/")
    preview = page.locator("#brand-preview")
    logo = page.locator("#brand-preview-logo")

    page.get_by_label("Couleur principale").fill("#aa0000")
    page.get_by_label(re.compile(r"^Logo")).set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png("navy")}]
    )

    expect(preview).to_have_css("--brand-primary", "#aa0000")
    expect(logo).to_have_attribute("src", re.compile(r"^blob:"))
    expect(logo).to_be_visible()
    assert logo.evaluate("(image) => image.complete && image.naturalWidth === 40")
    assert violations_of(session) == []


def test_staff_read_the_api_docs_under_the_policy(portal, world):
    session = portal.login(world.a.admin)
    page = session.page

    page.goto("/api/docs/")

    # Swagger UI drew the operations from the schema, with its own scripts and styles.
    expect(page.get_by_text("/api/v1/companies/", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    # drf-spectacular's page, not the portal's: its landmarks are Swagger UI's affair.
    session.checked.add(page.url)
    assert violations_of(session) == []
