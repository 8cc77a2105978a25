"""What the browser tests share: a user's own browser context logged in through the login page,
the checks every page passes (a `main` landmark, a label on every visible field), a real
drag-and-drop of files, screenshots, and the record of what the server sent to each user."""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tests.browser.needs_playwright import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Response,
    expect,
)
from tests.factories import PASSWORD
from welyb_portal.tenancy.models import User

VIEWPORT = {"width": 1200, "height": 800}
# A phone held upright (an iPhone 12 to 15): a touch screen, no mouse to hover with.
# The two widths the pages are checked at: a laptop's window, and a phone's context.
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
# Playwright waits this long for a condition before failing (milliseconds).
TIMEOUT_MS = 10_000
# The words a client must never read, in any page, fragment or answer the portal sends them.
HIDDEN_FROM_CLIENTS = re.compile(r"inqom|automatisation", re.IGNORECASE)
# `UPDATE_DOCS_IMAGES=1 pytest tests/browser` also refreshes the README's pictures.
DOCS_IMAGES = Path(settings.BASE_DIR) / "docs" / "img"

# --- Accessibility -----------------------------------------------------------------------------

# Roles of the form fields, as Playwright's ARIA snapshot names them.
FIELD_ROLES = (
    "textbox",
    "searchbox",
    "checkbox",
    "switch",
    "radio",
    "combobox",
    "listbox",
    "spinbutton",
    "slider",
)
# A line of the ARIA snapshot for a field, a button or a link that has no accessible name:
# `- textbox`, `- switch [checked]`, `- link:` (a named one reads `- textbox "Nom"`).
_UNNAMED = re.compile(rf"^\s*- (?:{'|'.join(FIELD_ROLES)}|button|link)(?: \[[^\]]*\])*:?$")

# The visible fields of the page that no <label>, aria-labelledby or aria-label names (a
# placeholder or a title is not a label).
_UNLABELLED_FIELDS = """
(fields) => fields
  .filter((field) => field.checkVisibility())
  .filter((field) => !(field.labels && field.labels.length)
    && !(field.getAttribute("aria-labelledby") || "").trim()
    && !(field.getAttribute("aria-label") || "").trim())
  .map((field) => field.outerHTML.slice(0, 200))
"""


def assert_accessible(page: Page) -> None:
    """One `main` landmark; every visible form field labelled; no field, button or link without
    an accessible name in the page's ARIA snapshot."""
    main = page.get_by_role("main")
    expect(main).to_have_count(1)
    expect(main).to_be_visible()
    tree = page.locator("body").aria_snapshot()
    unnamed = [line.strip() for line in tree.splitlines() if _UNNAMED.match(line)]
    assert not unnamed, f"{page.url}: without an accessible name: {unnamed}\n{tree}"
    fields = page.locator("input:not([type=hidden]), select, textarea")
    unlabelled = fields.evaluate_all(_UNLABELLED_FIELDS)
    assert not unlabelled, f"{page.url}: visible fields without a label: {unlabelled}"


# --- htmx --------------------------------------------------------------------------------------

# htmx wires the elements it swapped in only once they settle (20 ms later): a key pressed on a
# new switch before that would change it without sending anything.
_HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_settled(page: Page) -> None:
    """Waits until no htmx request is running and what it swapped in has settled."""
    page.wait_for_function(f"() => !document.querySelector({_HTMX_BUSY!r})")


# --- Files -------------------------------------------------------------------------------------

_DATA_TRANSFER = """
([name, type, head, size]) => {
  const bytes = new Uint8Array(size);
  bytes.set(head);
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  return transfer;
}
"""


def drop_file(
    target: Locator, name: str, content: bytes, content_type: str, *, size: int = 0
) -> None:
    """Drags a file from the desktop and drops it on `target`: dragenter, dragover and drop,
    each carrying a DataTransfer that holds a real File: `content`, then zeros up to `size`
    (made in the page: megabytes would be slow to hand over)."""
    transfer = target.page.evaluate_handle(
        _DATA_TRANSFER, [name, content_type, list(content), max(size, len(content))]
    )
    for event in ("dragenter", "dragover", "drop"):
        target.dispatch_event(event, {"dataTransfer": transfer})
    transfer.dispose()


# --- The GED's steps -----------------------------------------------------------------------------


def folder_url(folder) -> str:
    return f"/ged/dossiers/{folder.pk}/"


def open_folder(session: "Session", company, folder):
    """From the home page: the company's card, then the folder in the GED's tree."""
    page = session.page
    session.follow(
        page.get_by_role("main").get_by_role("link", name=company.name, exact=True),
        f"**/ged/entreprises/{company.pk}/",
    )
    tree = page.get_by_role("navigation", name="Dossiers")
    return session.follow(
        tree.get_by_role("link", name=folder.name, exact=True), f"**{folder_url(folder)}"
    )


def document_row(page: Page, name: str) -> Locator:
    return page.locator("#documents").get_by_role("row").filter(has_text=name)


def drop_and_wait(session: "Session", name: str, content: bytes, content_type: str) -> Locator:
    """Drops a file on the folder's upload zone, waits for the refreshed list of documents, and
    returns the file's line under the zone (its progress, « Déposé », what to know of it)."""
    from playwright.sync_api import expect

    page = session.page
    with page.expect_response(
        lambda r: r.request.method == "GET" and r.request.headers.get("hx-request") == "true"
    ):
        drop_file(page.locator(".upload-zone"), name, content, content_type)
        progress = page.get_by_role("progressbar", name=f"Envoi de {name}")
        expect(progress).to_be_visible()
    htmx_settled(page)
    assert_accessible(page)
    item = page.locator(".upload-item").filter(has_text=name)
    expect(item.locator(".upload-status")).to_have_text("Déposé")
    expect(progress).to_have_js_property("value", 100)
    return item


def hidden_word_leaks(answers) -> list[str]:
    """Where what the server sent names Inqom or the automations (for a client's answers)."""
    return [
        f"{answer.url}: …{answer.text[max(m.start() - 60, 0) : m.end() + 60]}…"
        for answer in answers
        if (m := HIDDEN_FROM_CLIENTS.search(answer.text))
    ]


# --- Content-Security-Policy -------------------------------------------------------------------

# Every page reports what the browser refused under the portal's Content-Security-Policy as a
# script error, so that every browser test fails on a refused inline script, style or eval.
CSP_VIOLATION = "Content-Security-Policy refused"
_REPORT_CSP_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  console.error(`{CSP_VIOLATION} ${{event.effectiveDirective}}: ${{event.blockedURI || "inline"}}`
    + ` (${{event.sourceFile}}:${{event.lineNumber}})`);
}});
"""

# --- Sessions ----------------------------------------------------------------------------------


@dataclass
class Answer:
    """A page, fragment or JSON answer the server sent to a browser context."""

    url: str
    status: int
    text: str


@dataclass
class Session:
    """A user in a browser context of their own (cookies never leak from one user to another):
    the page they use, what the server sent them, the pages checked, the script errors."""

    user: User | None  # None: nobody logged in
    context: BrowserContext
    page: Page
    answers: list[Answer] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    script_errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.context.on("response", self._keep)
        self.page.on("framenavigated", self._navigated)
        self.page.on("pageerror", lambda error: self.script_errors.append(f"{error}"))
        self.page.on("console", self._console)

    def _keep(self, response: Response) -> None:
        kind = response.headers.get("content-type", "")
        if (
            response.request.resource_type in ("document", "xhr", "fetch")
            and not 300 <= response.status < 400
            and ("html" in kind or "json" in kind or kind.startswith("text/"))
        ):
            self.answers.append(Answer(response.url, response.status, response.text()))

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.navigations.append(frame.url)

    def _console(self, message) -> None:
        # A 400 page (a refused form) is expected; a script error never is.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.script_errors.append(f"{message.text} ({message.location.get('url', '')})")

    # --- Moving around ---

    def goto(self, path: str) -> Page:
        self.page.goto(path)
        return self.arrived()

    def follow(self, link: Locator, url: str | re.Pattern[str]) -> Page:
        """Clicks a link to another address and waits for the page at `url`."""
        link.click()
        self.page.wait_for_url(url)
        return self.arrived()

    def submit(self, button: Locator) -> Page:
        """Clicks a form's button and waits for the page that answers (maybe at the same
        address, after a redirect)."""
        with self.page.expect_navigation():
            button.click()
        return self.arrived()

    def arrived(self) -> Page:
        """The page that just loaded passes the accessibility checks."""
        self.page.wait_for_load_state()
        assert_accessible(self.page)
        self.checked.add(self.page.url)
        return self.page

    def unchecked_pages(self) -> list[str]:
        return [url for url in self.navigations if url not in self.checked]

    def texts(self) -> list[Answer]:
        """Everything the server sent this user, and the text of the page as it is now."""
        now = Answer(f"{self.page.url} (as shown)", 200, self.page.content())
        return [*self.answers, now]


class Portal:
    """A cabinet's portal in Chromium: one browser context per user, on the cabinet's host."""

    def __init__(self, *, browser: Browser, base_url: str, screenshot_prefix: str):
        self.browser = browser
        self.base_url = base_url
        self.screenshot_prefix = screenshot_prefix
        self.sessions: list[Session] = []

    def open(self, user: User | None = None, *, phone: bool = False, **options) -> Session:
        """A new browser context, nobody logged in yet (`user`: who will log in), on a `phone`
        (PHONE) or a desktop's window; `options` of Playwright's new_context."""
        device = PHONE if phone else {"viewport": VIEWPORT}
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="fr-FR",
            timezone_id="Europe/Paris",
            **{**device, **options},
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_REPORT_CSP_VIOLATIONS)
        # Pages name /static/favicon.svg (served without the database); /favicon.ico, which a
        # browser may still ask for on its own, reads the host's cabinet: never while a test
        # touches the database of the SQLite live server (conftest.py).
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        session = Session(user=user, context=context, page=context.new_page())
        self.sessions.append(session)
        return session

    def login(self, user: User, *, lands_on: str = "/", phone: bool = False, **options) -> Session:
        """A new browser context for `user`, logged in through the login form (a staff member
        with two-factor authentication lands on the code's page: `lands_on="/connexion/code/"`),
        on a `phone` or a desktop's window.
        """
        session = self.open(user, phone=phone, **options)
        page = session.goto("/connexion/")
        page.get_by_label("Adresse email").fill(user.email)
        page.get_by_label("Mot de passe").fill(PASSWORD)
        session.follow(page.get_by_role("button", name="Se connecter"), self.base_url + lands_on)
        return session

    def close(self) -> None:
        for session in self.sessions:
            session.context.close()

    def screenshot(self, page: Page, step: str, *, docs: str = "", down_to: Locator | None = None):
        """Saves the viewport under var/screenshots/ (cut below `down_to` when given); with
        UPDATE_DOCS_IMAGES=1, a step that has a `docs` name also becomes docs/img/<docs>.png
        (a palette PNG of a few dozen kB)."""
        folder = Path(settings.VAR_DIR) / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.screenshot_prefix}--{step}.png"
        clip = None
        if down_to is not None:
            box = down_to.bounding_box()
            height = min(VIEWPORT["height"], int(box["y"] + box["height"]) + 24)
            clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
        page.screenshot(path=path, clip=clip, animations="disabled", caret="hide")
        if docs and os.environ.get("UPDATE_DOCS_IMAGES") == "1":
            _save_small_png(path, DOCS_IMAGES / f"{docs}.png")
        return path


def _save_small_png(source: Path, destination: Path) -> None:
    from PIL import Image

    destination.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        small.save(destination, optimize=True)


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")
