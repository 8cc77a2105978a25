"""The settings gear (roue crantée) of cabinet staff, and the landmarks and labels of every
page."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from partner_apps.models import PartnerApp
from partner_apps.services.store import app_install
from tests.conftest import browser, host_of
from tests.factories import ClientFactory
from tests.helpers.documents import deposit, folder_at

pytestmark = pytest.mark.django_db

ADMIN_MENU = [
    ("Entreprises", "/reglages/entreprises/"),
    ("Utilisateurs", "/reglages/utilisateurs/"),
    ("Personnalisation", "/reglages/personnalisation/"),
    ("Sécurité", "/reglages/securite/"),
    ("Arborescence type", "/reglages/arborescence/"),
    ("Applications", "/reglages/applications/"),
    ("Envois à régler", "/reglages/applications/a-regler/"),
    ("Emails reçus", "/ged/emails-recus/"),
]
# Collaborators see the store and the authorisations, without changing them, what did not reach
# a partner, and the emails the deposit addresses received.
COLLABORATOR_MENU = [ADMIN_MENU[0], ADMIN_MENU[5], ADMIN_MENU[6], ADMIN_MENU[7]]
HIDDEN_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}
VOID_ELEMENTS = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}


@dataclass
class Control:
    tag: str
    name: str
    id: str
    in_label: bool


class Page(HTMLParser):
    """What a page offers its reader: landmarks, form controls and labels, the gear menu."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.mains = 0
        self.controls: list[Control] = []
        self.label_targets: set[str] = set()
        self.summaries: list[str] = []
        self.gear_menus = 0
        self.gear_links: list[tuple[str, str]] = []
        self._open: list[tuple[str, dict]] = []
        self._summary: list[str] | None = None
        self._link: tuple[str, list[str]] | None = None

    def _inside(self, tag: str, css_class: str | None = None) -> bool:
        return any(
            t == tag and (css_class is None or css_class in (a.get("class") or "").split())
            for t, a in self._open
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.mains += 1
        elif tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if not (tag == "input" and (attrs.get("type") or "text") in HIDDEN_INPUT_TYPES):
                self.controls.append(
                    Control(
                        tag=tag,
                        name=attrs.get("name") or "",
                        id=attrs.get("id") or "",
                        in_label=self._inside("label"),
                    )
                )
        elif tag == "details" and "gear-menu" in (attrs.get("class") or "").split():
            self.gear_menus += 1
        elif tag == "summary":
            self._summary = [attrs.get("aria-label") or attrs.get("title") or ""]
        elif tag == "a" and self._inside("details", "gear-menu"):
            self._link = (attrs.get("href") or "", [])
        if tag not in VOID_ELEMENTS:
            self._open.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self._open.pop()

    def handle_endtag(self, tag):
        if tag == "summary" and self._summary is not None:
            self.summaries.append(" ".join(" ".join(self._summary).split()))
            self._summary = None
        elif tag == "a" and self._link is not None:
            href, words = self._link
            self.gear_links.append((" ".join("".join(words).split()), href))
            self._link = None
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if self._summary is not None:
            self._summary.append(data)
        if self._link is not None:
            self._link[1].append(data)

    @property
    def unlabelled(self) -> list[Control]:
        return [c for c in self.controls if not c.in_label and c.id not in self.label_targets]


def parse(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    page.close()
    return page


# --- The gear ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/reglages/entreprises/",
        "/reglages/utilisateurs/",
        "/reglages/personnalisation/",
        "/reglages/securite/",
        "/reglages/arborescence/",
        "/reglages/applications/",
        "/reglages/applications/ajouter/",
        "/ged/emails-recus/",
    ],
)
def test_admins_see_the_gear_with_every_settings_page(world, path):
    page = parse(browser(world.a.admin).get(path))

    assert page.gear_menus == 1
    assert "Réglages" in page.summaries
    assert page.gear_links == ADMIN_MENU


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/reglages/entreprises/",
        "/reglages/utilisateurs/",
        "/reglages/applications/",
        "/reglages/applications/ajouter/",
        "/ged/emails-recus/",
    ],
)
def test_collaborators_see_the_gear_with_entreprises_applications_and_emails(world, path):
    page = parse(browser(world.a.collaborator).get(path))

    assert page.gear_menus == 1
    assert "Réglages" in page.summaries
    assert page.gear_links == COLLABORATOR_MENU


def test_collaborators_settings_pages_list_only_what_they_may_open(world):
    response = browser(world.a.collaborator).get("/reglages/entreprises/")

    assert "/reglages/utilisateurs/" not in response.text
    assert "/reglages/personnalisation/" not in response.text
    assert "/reglages/securite/" not in response.text
    assert "/reglages/arborescence/" not in response.text
    assert "Arborescence type" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/reglages/entreprises/",
        "/reglages/utilisateurs/",
        "/reglages/applications/",
        "/ged/emails-recus/",
    ],
)
def test_clients_have_no_gear(world, path):
    # Even where the cabinet installed apps: their menu entry stays with the staff.
    install_inqom(world)
    response = browser(world.a.client).get(path)
    page = parse(response)

    assert page.gear_menus == 0
    assert "Réglages" not in page.summaries
    assert "Réglages" not in response.content.decode()
    assert "/reglages/" not in response.text
    assert "Applications" not in response.text
    assert "/ged/emails-recus/" not in response.text
    assert "Emails reçus" not in response.content.decode()


def install_inqom(world) -> None:
    """Alpha installed Inqom and its four connectors."""
    app_install(
        cabinet=world.a.cabinet,
        app=PartnerApp.objects.get(slug="inqom"),
        by=world.a.admin,
        with_companions=True,
    )


def ged_pages(world) -> list[str]:
    folder = folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")
    document = deposit(folder)
    return [
        f"/ged/entreprises/{world.a.company.pk}/",
        f"/ged/dossiers/{folder.pk}/",
        f"/ged/documents/{document.pk}/",
    ]


def test_staff_see_their_gear_in_the_ged(world):
    for path in ged_pages(world):
        assert parse(browser(world.a.admin).get(path)).gear_links == ADMIN_MENU, path
        assert parse(browser(world.a.collaborator).get(path)).gear_links == COLLABORATOR_MENU, path


def test_clients_have_no_gear_in_their_ged(world):
    for path in ged_pages(world):
        response = browser(world.a.client).get(path)

        assert response.status_code == 200, path
        assert parse(response).gear_menus == 0, path
        assert "/reglages/" not in response.text, path


def test_a_visitor_has_no_gear_on_the_login_page(world):
    response = Client(HTTP_HOST=host_of(world.a.cabinet)).get("/connexion/")

    assert parse(response).gear_menus == 0
    assert "Réglages" not in response.content.decode()


def test_a_staff_session_carried_to_the_other_cabinet_shows_no_gear(world):
    response = browser(world.a.admin, cabinet=world.b.cabinet).get("/connexion/")

    assert parse(response).gear_menus == 0


def test_the_404_page_a_client_gets_has_no_gear(world):
    # The 404 page a client gets for a staff page is drawn with their own menus.
    response = browser(world.a.client).get("/reglages/personnalisation/")

    assert response.status_code == 404
    assert parse(response).gear_menus == 0


# --- Landmarks and labels ----------------------------------------------------------------------


def _set_password_page(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_HOST=host_of(world.a.cabinet)).post(
            "/mot-de-passe/oublie/", {"email": world.a.client.email}
        )
    [message] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+", message.body).group(0))
    return Client(HTTP_HOST=link.netloc).get(link.path, follow=True)


def every_page(world, django_capture_on_commit_callbacks) -> dict[str, object]:
    """Every page of the portal so far, as each kind of visitor sees it, errors included."""
    visitor = Client(HTTP_HOST=host_of(world.a.cabinet))
    admin, collaborator, client = (
        browser(world.a.admin),
        browser(world.a.collaborator),
        browser(world.a.client),
    )
    company = f"/reglages/entreprises/{world.a.company.pk}/"
    folder = folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")
    document = deposit(folder)
    two_companies = browser(
        ClientFactory(cabinet=world.a.cabinet, companies=[world.a.company, world.a.other_company])
    )
    ged = f"/ged/entreprises/{world.a.company.pk}/"
    install_inqom(world)
    achats = "/reglages/applications/inqom-achats/autorisations/"
    return {
        "login": visitor.get("/connexion/"),
        "login refused": visitor.post("/connexion/", {"username": "x@y.fr", "password": "z"}),
        "password forgotten": visitor.get("/mot-de-passe/oublie/"),
        "password forgotten refused": visitor.post("/mot-de-passe/oublie/", {"email": "x"}),
        "set password": _set_password_page(world, django_capture_on_commit_callbacks),
        "link expired": visitor.get("/mot-de-passe/MQ/mauvais-jeton/"),
        "csrf": Client(HTTP_HOST=host_of(world.a.cabinet), enforce_csrf_checks=True).post(
            "/connexion/", {}
        ),
        "unknown host": Client(HTTP_HOST="inconnu.localhost").get("/"),
        "visitor 404": visitor.get("/nulle-part/"),
        "admin home": admin.get("/"),
        "company list": admin.get("/reglages/entreprises/"),
        "company search empty": admin.get("/reglages/entreprises/", {"q": "zzz"}),
        "company create": admin.get("/reglages/entreprises/nouvelle/"),
        "company create refused": admin.post(
            "/reglages/entreprises/nouvelle/", {"name": "", "siren": "123"}
        ),
        "company detail": admin.get(company),
        "company detail refused": admin.post(company, {"name": "", "siren": ""}),
        "client invite refused": admin.post(company + "clients/", {"email": "x"}),
        "staff list": admin.get("/reglages/utilisateurs/"),
        "staff invite refused": admin.post("/reglages/utilisateurs/inviter/", {"email": "x"}),
        "branding": admin.get("/reglages/personnalisation/"),
        "branding refused": admin.post(
            "/reglages/personnalisation/", {"primary_color": "red", "accent_color": "#12345"}
        ),
        "collaborator home": collaborator.get("/"),
        "collaborator 403": collaborator.get("/reglages/utilisateurs/"),
        "client home": client.get("/"),
        "client 404": client.get("/reglages/entreprises/"),
        "ged company": admin.get(ged),
        "ged folder": admin.get(f"/ged/dossiers/{folder.pk}/"),
        "ged folder search empty": admin.get(f"/ged/dossiers/{folder.pk}/", {"q": "zzz"}),
        "ged document": admin.get(f"/ged/documents/{document.pk}/"),
        "ged trash": admin.get(f"{ged}corbeille/"),
        "folder template": admin.get("/reglages/arborescence/"),
        "folder template refused": admin.post(
            "/reglages/arborescence/", {"annual_subfolders": "Achats/2026", "permanent_folders": ""}
        ),
        "collaborator folder template 403": collaborator.get("/reglages/arborescence/"),
        "client ged company": client.get(ged),
        "client ged folder": client.get(f"/ged/dossiers/{folder.pk}/"),
        "client ged document": client.get(f"/ged/documents/{document.pk}/"),
        "client ged trash 404": client.get(f"{ged}corbeille/"),
        "client with two companies ged": two_companies.get(ged),
        "applications": admin.get("/reglages/applications/"),
        "store": admin.get("/reglages/applications/ajouter/"),
        "authorizations": admin.get(achats),
        "authorizations search empty": admin.get(achats, {"q": "zzz"}),
        "authorizations refused": admin.post(
            achats,
            {
                "rows": [world.a.company.pk],
                f"enabled-{world.a.company.pk}": "on",
                f"email-{world.a.company.pk}": "vente.x@inqombox.com",
            },
        ),
        "authorizations import": admin.get(achats.replace("autorisations/", "import/")),
        "collaborator applications": collaborator.get("/reglages/applications/"),
        "collaborator store": collaborator.get("/reglages/applications/ajouter/"),
        "collaborator authorizations": collaborator.get(achats),
        "client applications 404": client.get("/reglages/applications/"),
        "inbound settings": collaborator.get(f"{ged}depot-par-email/"),
        "inbound settings refused": admin.post(
            f"{ged}depot-par-email/", {"allowed_senders": "pas une adresse"}
        ),
        "inbound emails": collaborator.get("/ged/emails-recus/"),
        "inbound emails of a company": admin.get(
            "/ged/emails-recus/", {"company": world.a.company.pk}
        ),
        "client inbound settings 404": client.get(f"{ged}depot-par-email/"),
        "client inbound emails 404": client.get("/ged/emails-recus/"),
        "notifications": admin.get("/notifications/"),
        "notifications digest refused": collaborator.post(
            "/notifications/recapitulatif/", {"receive": "peut-être"}
        ),
        "client notifications 404": client.get("/notifications/"),
    }


def test_every_page_has_a_main_landmark(world, django_capture_on_commit_callbacks):
    pages = every_page(world, django_capture_on_commit_callbacks)

    assert pages["set password"].status_code == 200
    assert pages["authorizations"].status_code == 200
    assert pages["authorizations refused"].status_code == 400
    assert pages["inbound settings"].status_code == 200
    assert pages["inbound settings refused"].status_code == 400
    assert pages["client inbound emails 404"].status_code == 404
    assert pages["notifications digest refused"].status_code == 400
    assert pages["client notifications 404"].status_code == 404
    missing = {name: parse(r).mains for name, r in pages.items() if parse(r).mains != 1}
    assert missing == {}


def test_every_visible_form_field_has_a_label(world, django_capture_on_commit_callbacks):
    pages = every_page(world, django_capture_on_commit_callbacks)

    parsed = {name: parse(response) for name, response in pages.items()}
    # The check looks at real forms: the pages below do have fields.
    for name in (
        "login",
        "set password",
        "company detail",
        "staff list",
        "branding",
        "ged folder",
        "ged document",
        "folder template",
        "client with two companies ged",
        "authorizations",
        "authorizations refused",
        "authorizations import",
        "ged company",
        "inbound settings",
        "inbound settings refused",
        "inbound emails",
        "notifications",
        "notifications digest refused",
    ):
        assert parsed[name].controls, name
    unlabelled = {name: page.unlabelled for name, page in parsed.items() if page.unlabelled}
    assert unlabelled == {}


def test_the_label_check_catches_a_field_without_a_label():
    page = Page()
    page.feed(
        '<main><label for="a">A</label><input id="a" name="a">'
        '<label>B <input name="b"></label><input type="hidden" name="c">'
        '<select name="d"></select></main>'
    )

    assert [c.name for c in page.unlabelled] == ["d"]
