"""Every page of the portal, as each role reaches it (the catalogue of tests/site_pages.py, over a
world with one of every kind of object), in Chromium, at 1366 × 768 and at a phone's 390 × 844:

- no page is wider than the window (`document.documentElement.scrollWidth`): a page that is
  names the elements that stick out, to make it easy to fix;
- no sentence is squeezed one word per line;
- axe-core finds no violation of impact « serious » or « critical » (at both widths);
- its visible text has none of the common French faults (tests/french_faults.py: no-break
  spaces and « 1er » included), and no check box's label ends with a colon.

One visit per page: it loads at 1366 px, is checked, then the window narrows to 390 px and it is
checked again. One browser context per role; the client's pages load again in a phone's context
(touch screen and all: what only a phone shows is checked too). axe-core comes from the npm
registry (scripts/fetch_axe.py, which `make test` runs): without it the test skips, and fails
under REQUIRE_SERVICES=1. PAGES_REPORT=<file> writes the problems found there, one a line."""

import itertools
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.browser.helpers import (
    LAPTOP,
    Portal,
    Session,
    assert_accessible,
    drop_and_wait,
    folder_url,
    safe_name,
)
from tests.browser.helpers import PHONE as PHONE_CONTEXT
from tests.browser.needs_playwright import expect
from tests.conftest import service_missing
from tests.french_faults import french_faults
from tests.helpers.documents import PDF, folder_at
from tests.helpers.two_factor import CODE_URL
from tests.site_pages import (
    ACHATS_FOLDER,
    ANONYMOUS,
    CLIENT,
    HALF_LOGGED_IN,
    LONG_NAME,
    Site,
    SitePage,
    catalogue,
    site_world,
)

PHONE = PHONE_CONTEXT["viewport"]
AXE = Path(settings.BASE_DIR) / "var" / "axe-core" / "axe.min.js"
AXE_IMPACTS = ("serious", "critical")
# PAGES_SCREENSHOTS=1: every page at both widths, whole, in var/screenshots/pages/.
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots" / "pages"

# The elements that make the page wider than the window: the outermost ones (whose parent
# fits) and the innermost ones (no child of theirs sticks out), left out those inside a box that
# scrolls or clips on its own.
_OVERFLOW = """
(width) => {
  const root = document.documentElement;
  if (root.scrollWidth <= width) return null;
  const describe = (el) => {
    const classes = [...el.classList].slice(0, 3).map((c) => "." + c).join("");
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    const box = el.getBoundingClientRect();
    return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${classes}> `
      + `${Math.round(box.width)} px wide, right edge at ${Math.round(box.right)} px`
      + (text ? ` « ${text} »` : "");
  };
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const sticking = [...document.body.querySelectorAll("*")].filter(
    (el) => el.getBoundingClientRect().right > width + 1 && el.checkVisibility() && !clipped(el));
  const out = new Set(sticking);
  const outermost = sticking.filter((el) => !out.has(el.parentElement));
  const innermost = sticking.filter((el) => ![...el.children].some((child) => out.has(child)));
  return {
    width: root.scrollWidth,
    elements: [...new Set([...outermost.slice(0, 3), ...innermost.slice(0, 4)])].map(describe),
  };
}
"""

# Sentences squeezed into a column so narrow that they read about one word per line: each text
# of 8 words or more whose lines hold fewer than 1.5 words on average (its line boxes, counted
# on the text itself). Text hidden for screen readers only is left out.
_SQUEEZED = """
() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const words = node.textContent.trim().split(/\\s+/).filter(Boolean).length;
    const parent = node.parentElement;
    if (words < 8 || !parent.checkVisibility() || parent.closest(".visually-hidden")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    if (lines > 2 && words / lines < 1.5) {
      const box = parent.getBoundingClientRect();
      const classes = [...parent.classList].map((c) => "." + c).join("");
      found.push(`<${parent.tagName.toLowerCase()}${classes}> ${words} words on ${lines} lines,`
        + ` ${Math.round(box.width)} px wide: « ${node.textContent.trim().slice(0, 50)} »`);
    }
  }
  return found;
}
"""

_AXE_RUN = """
async (impacts) => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations
    .filter((violation) => impacts.includes(violation.impact))
    .map((violation) => `${violation.impact} ${violation.id} (${violation.help}): `
      + violation.nodes.slice(0, 4).map((node) => node.target.join(" ")
        + (node.failureSummary ? ` [${node.failureSummary.replace(/\\s+/g, " ").slice(0, 160)}]`
          : "")).join(" ; "));
}
"""

# What a reader sees of the page: its text, and the words of its fields and images.
_VISIBLE_TEXT = """
() => [
  document.body.innerText,
  ...[...document.querySelectorAll("[placeholder], [aria-label], [title], img[alt]")]
    .filter((el) => el.checkVisibility())
    .map((el) => [el.placeholder, el.getAttribute("aria-label"), el.title, el.alt]
      .filter(Boolean).join("\\n")),
  ...[...document.querySelectorAll("input[type=submit], input[type=button]")]
    .map((el) => el.value),
].join("\\n")
"""


def _session(portal: Portal, site: Site | None, role: str, axe: str, **context) -> Session:
    if role == ANONYMOUS:
        session = portal.open(**context)
    else:
        lands_on = CODE_URL if role == HALF_LOGGED_IN else "/"
        session = portal.login(site.users[role], lands_on=lands_on, **context)
    session.context.add_init_script(axe)
    return session


def _settle(session: Session) -> None:
    session.page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")


def _overflow(session: Session, width: int) -> list[str]:
    found = session.page.evaluate(_OVERFLOW, width)
    if not found:
        return []
    return [f"{found['width']} px wide in a {width} px window: " + " | ".join(found["elements"])]


def _goto(session: Session, page: SitePage, port: int) -> None:
    # An entry on another host (an unknown one) is asked on the live server's port.
    other = urlsplit(page.url)
    session.page.goto(f"http://{other.hostname}:{port}{other.path}" if other.hostname else page.url)
    session.page.wait_for_load_state()
    session.checked.add(session.page.url)


def _visit(session: Session, phone: Session | None, page: SitePage, port: int) -> list[str]:
    """Everything wrong with one page, at both widths, each named with the page and the width:
    loaded at 1366 px, then the window narrowed to 390 px, or loaded again in `phone` (a phone's
    browser context, touch screen and all) when there is one."""
    session.page.set_viewport_size(LAPTOP)
    _goto(session, page, port)
    problems = _problems(session, page)
    if phone is None:
        session.page.set_viewport_size(PHONE)
        _settle(session)
    else:
        session = phone
        _goto(session, page, port)
    problems += _fits(session, page, PHONE["width"])
    return [f"{page}: {problem}" for problem in problems]


# The labels of check boxes and radio buttons that end with a colon (French puts none there).
_CHECKBOX_COLONS = """
() => [...document.querySelectorAll("input[type=checkbox], input[type=radio]")]
  .flatMap((input) => [...(input.labels || [])].map((label) => label.innerText.trim()))
  .filter((text) => /:$/.test(text))
"""


def _problems(session: Session, page: SitePage) -> list[str]:
    """What is wrong with the page the session shows, at 1366 px."""
    problems = []
    try:
        assert_accessible(session.page)
    except AssertionError as error:
        problems.append(f"{error}".splitlines()[0])
    problems += french_faults(session.page.evaluate(_VISIBLE_TEXT))
    problems += [
        f"a colon after a check box's label « {text} »"
        for text in session.page.evaluate(_CHECKBOX_COLONS)
    ]
    return problems + _fits(session, page, LAPTOP["width"])


def _fits(session: Session, page: SitePage, width: int) -> list[str]:
    """At the window's width: not wider than the window, nothing axe-core finds serious."""
    problems = [f"{width} px: {p}" for p in _overflow(session, width)]
    problems += [f"{width} px: squeezed {p}" for p in session.page.evaluate(_SQUEEZED)]
    problems += [f"{width} px: axe {p}" for p in session.page.evaluate(_AXE_RUN, AXE_IMPACTS)]
    if os.environ.get("PAGES_SCREENSHOTS") == "1":
        name = safe_name(f"{page.role}-{page.url}-{width}")
        session.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    return problems


def _axe() -> str:
    if not AXE.is_file():
        service_missing(f"no axe-core at {AXE}: `python scripts/fetch_axe.py` (make test runs it)")
    return AXE.read_text()


@pytest.mark.slow  # about 65 pages at two widths: `make test-all` (CI) runs it
def test_every_page_fits_both_widths_passes_axe_and_reads_as_french(portal, world):
    axe = _axe()
    site = site_world(world)
    pages = catalogue(site)
    problems = []
    port = urlsplit(portal.base_url).port
    for role, of_role in itertools.groupby(pages, key=lambda page: page.role):
        session = _session(portal, site, role, axe)
        # The client, who deposits from a phone, gets one: a touch screen shows them more.
        phone = _session(portal, site, role, axe, **PHONE_CONTEXT) if role == CLIENT else None
        for page in of_role:
            problems += _visit(session, phone, page, port)
    if os.environ.get("PAGES_REPORT"):
        Path(os.environ["PAGES_REPORT"]).write_text("\n".join(problems))
    assert not problems, f"{len(problems)} problems on {len(pages)} pages:\n" + "\n".join(problems)


# What the scan must find: an element wider than a phone, an image without a text alternative
# (axe: image-alt, critical), a field without a label (axe: label, critical), « (s) », a
# sentence one word per line.
_BROKEN = """
() => {
  const main = document.querySelector("main");
  main.insertAdjacentHTML("beforeend", '<div class="too-wide">Un bandeau</div><img src="/logo">'
    + '<input type="text" name="sans-nom"><p>3 entreprise(s)</p><p>Le 1 mars : reçu</p>'
    + '<input type="checkbox" id="spoilt-box"><label for="spoilt-box">Se souvenir :</label>'
    + '<p class="narrow">Une phrase de douze mots qui se lit un mot par ligne</p>');
  main.querySelector(".too-wide").style.width = "700px";
  main.querySelector(".narrow").style.width = "50px";
}
"""


def test_the_page_scan_finds_what_it_looks_for(portal, world):
    """The checks of every page, on the login page spoiled on purpose: a scan that finds
    nothing wrong must be one that would."""
    session = portal.open()
    session.context.add_init_script(_axe())
    session.goto("/connexion/")
    page = SitePage(ANONYMOUS, "/connexion/", "tenancy:login", 200, 0)
    assert _problems(session, page) == []
    session.page.evaluate(_BROKEN)
    problems = _problems(session, page)
    session.page.set_viewport_size(PHONE)
    problems = "\n".join(problems + _fits(session, page, PHONE["width"]))
    assert "px wide in a 390 px window" in problems, problems
    assert "px wide in a 1366 px window" not in problems, problems
    assert "1366 px: axe critical image-alt" in problems, problems
    assert "axe critical label" in problems, problems
    assert "« (s) » instead of a real plural" in problems, problems
    assert "3 entreprise(s)" in problems, problems
    assert "« 1er »" in problems, problems
    assert "an ordinary space before « : ; ! ? »" in problems, problems
    assert "a colon after a check box's label « Se souvenir : »" in problems, problems
    assert "1366 px: squeezed <p.narrow> 12 words on" in problems, problems
    # A phone's context, as the client's pages get: the page does not zoom out to fit.
    phone = _session(portal, None, ANONYMOUS, _axe(), **PHONE_CONTEXT)
    phone.goto("/connexion/")
    assert _fits(phone, page, PHONE["width"]) == []
    phone.page.evaluate(_BROKEN)
    problems = "\n".join(_fits(phone, page, PHONE["width"]))
    assert "px wide in a 390 px window" in problems, problems
    assert "390 px: axe critical image-alt" in problems, problems


def test_on_a_phone_the_client_reads_the_name_of_what_it_uploads(portal, world):
    """The upload's line under the zone (its name, its progress, « Déposé »), on a phone: the
    name keeps a good part of the line (it had none left), and the page still fits, the
    documents shown as cards."""
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    session = portal.login(world.a.client, **PHONE_CONTEXT)
    session.goto(folder_url(achats))
    item = drop_and_wait(session, LONG_NAME, PDF, "application/pdf")
    name = item.locator(".upload-name")
    expect(name).to_be_visible()
    assert name.bounding_box()["width"] >= 200, name.bounding_box()
    assert _overflow(session, PHONE["width"]) == []
    # The list of documents, refreshed by htmx, is one card per document, each value under
    # its column's heading.
    row = session.page.locator("#documents tbody tr").filter(has_text=LONG_NAME)
    expect(row.locator("td").nth(1)).to_have_attribute("data-label", "Déposé le")
    expect(row.locator("td").nth(3)).to_have_attribute("data-label", "Statut")
    portal.screenshot(session.page, "phone-upload")
