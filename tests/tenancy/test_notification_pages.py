"""The bell of the top bar and the « Notifications » page: staff see what needs them, open it,
mark it read and choose whether they get the email digest; clients never see any of it. The
badges the apps add to the top bar (settings.TOPBAR_BADGES) sit next to the bell."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import browser
from tests.helpers.notifications import notify, unread_of
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry, Company, Notification

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"
READ_ALL = "/notifications/tout-lire/"
DIGEST = "/notifications/recapitulatif/"


def open_url(notification: Notification) -> str:
    return f"/notifications/{notification.pk}/ouvrir/"


@dataclass
class Item:
    text: str = ""
    unread: bool = False
    link: str = ""  # where a read one leads
    opens: str = ""  # the POST that opens an unread one


@dataclass
class TopBar(HTMLParser):
    """What a reader finds in the top bar and on the notifications page."""

    bell: str | None = None  # the bell's accessible name
    bell_count: str = ""
    badges: list[tuple[str, str]] = field(default_factory=list)  # (text, href)
    items: list[Item] = field(default_factory=list)
    _in: str = ""

    def __post_init__(self):
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "a" and "bell" in classes:
            self.bell, self._in = attrs["aria-label"], "bell"
        elif self._in == "bell" and "count-badge" in classes:
            self._in = "bell-count"
        elif tag == "a" and "topbar-badge" in classes:
            self.badges.append(("", attrs["href"]))
            self._in = "badge"
        elif tag == "li" and "notification" in classes:
            self.items.append(Item(unread="notification-unread" in classes))
            self._in = "item"
        elif self._in == "item" and tag == "a":
            self.items[-1].link = attrs["href"]
        elif self._in == "item" and tag == "form":
            self.items[-1].opens = attrs["action"]

    def handle_endtag(self, tag):
        if (tag, self._in) in {("a", "bell"), ("a", "badge"), ("li", "item")}:
            self._in = ""
        elif tag == "span" and self._in == "bell-count":
            self._in = "bell"

    def handle_data(self, data):
        if self._in == "bell-count":
            self.bell_count += data.strip()
        elif self._in == "badge":
            text, href = self.badges[-1]
            self.badges[-1] = (" ".join(f"{text} {data}".split()), href)
        elif self._in == "item" and not self.items[-1].text and data.strip():
            self.items[-1].text = data.strip()


def read(response) -> TopBar:
    assert response.status_code == 200
    page = TopBar()
    page.feed(response.content.decode())
    return page


def many(cabinet, count: int) -> None:
    for number in range(1, count + 1):
        notify(cabinet, f"Alerte n°{number}.")


# --- The bell ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unread", "label", "badge"),
    [
        (0, "Notifications", ""),
        (1, "Notifications, 1 non lue", "1"),
        (3, "Notifications, 3 non lues", "3"),
        (120, "Notifications, 120 non lues", "99+"),
    ],
)
def test_staff_see_their_unread_count_on_the_bell(world, unread, label, badge):
    many(world.a.cabinet, unread)

    for member in (world.a.admin, world.a.collaborator):
        page = read(browser(member).get("/"))
        assert (page.bell, page.bell_count) == (label, badge)


def test_the_bell_counts_only_what_is_still_unread(world):
    many(world.a.cabinet, 3)
    first = Notification.objects.filter(user=world.a.admin).order_by("pk").first()
    browser(world.a.admin).post(open_url(first))

    assert read(browser(world.a.admin).get("/")).bell == "Notifications, 2 non lues"
    assert read(browser(world.a.collaborator).get("/")).bell == "Notifications, 3 non lues"
    assert read(browser(world.b.admin).get("/")).bell == "Notifications"


def test_the_bell_costs_staff_one_query_and_clients_none(world):
    many(world.a.cabinet, 3)

    def bell_queries(user) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert browser(user).get("/").status_code == 200
        return sum('"tenancy_notification"' in query["sql"] for query in queries)

    assert bell_queries(world.a.collaborator) == 1
    assert bell_queries(world.a.client) == 0


def test_clients_never_see_the_bell_nor_the_page(world):
    many(world.a.cabinet, 2)
    notification = Notification.objects.filter(user=world.a.admin).first()
    client = browser(world.a.client)

    home = client.get("/")
    assert read(home).bell is None
    assert PAGE not in text_of(home)
    assert client.get(PAGE).status_code == 404
    for path in (READ_ALL, DIGEST, open_url(notification)):
        assert client.post(path).status_code == 404
    assert len(unread_of(world.a.admin)) == 2


# --- The page ----------------------------------------------------------------------------------


def test_the_page_lists_the_users_own_notifications_newest_first_unread_marked(world):
    notify(world.a.cabinet, "Plus ancienne.", url="/envois/1/")
    notify(world.a.cabinet, "Plus récente.", url="/envois/2/")
    notify(world.b.cabinet, "Chez Beta.")
    browser(world.a.admin).post(
        open_url(Notification.objects.get(user=world.a.admin, url="/envois/1/"))
    )

    page = read(browser(world.a.admin).get(PAGE))

    newest, oldest = page.items
    assert (newest.text, newest.unread, newest.link) == ("Plus récente.", True, "")
    assert newest.opens.endswith("/ouvrir/")
    assert (oldest.text, oldest.unread, oldest.link, oldest.opens) == (
        "Plus ancienne.",
        False,
        "/envois/1/",
        "",
    )


def test_the_page_is_paginated(world):
    many(world.a.cabinet, 27)

    first = read(browser(world.a.collaborator).get(PAGE))
    second = browser(world.a.collaborator).get(PAGE, {"page": 2})

    assert [item.text for item in first.items][:2] == ["Alerte n°27.", "Alerte n°26."]
    assert len(first.items) == 25
    assert [item.text for item in read(second).items] == ["Alerte n°2.", "Alerte n°1."]
    assert "Page 2 sur 2" in text_of(second)


def test_a_staff_member_without_notifications_is_told_so(world):
    response = browser(world.a.collaborator).get(PAGE)

    assert "Aucune notification pour l'instant" in text_of(response)
    assert "Tout marquer comme lu" not in text_of(response)


def test_opening_a_notification_marks_it_read_and_follows_its_link(world):
    notify(world.a.cabinet, "L'envoi 7 a échoué.", url="/envois/7/?filtre=echec")
    mine = Notification.objects.get(user=world.a.admin)
    client = browser(world.a.admin)

    assert client.get(open_url(mine)).status_code == 405
    assert unread_of(world.a.admin) == ["L'envoi 7 a échoué."]

    response = client.post(open_url(mine))

    assert (response.status_code, response["Location"]) == (302, "/envois/7/?filtre=echec")
    assert unread_of(world.a.admin) == []
    assert unread_of(world.a.collaborator) == ["L'envoi 7 a échoué."]


def test_a_colleagues_notification_cannot_be_opened(world):
    notify(world.a.cabinet)
    theirs = Notification.objects.get(user=world.a.collaborator)

    response = browser(world.a.admin).post(open_url(theirs))

    # As for a missing one (test_isolation.py compares the two answers word for word).
    assert response.status_code == 404
    assert browser(world.a.admin).post("/notifications/999999/ouvrir/").status_code == 404
    assert len(unread_of(world.a.collaborator)) == 1


def test_a_link_that_leaves_the_cabinets_host_is_not_followed(world):
    # Written past the service, which refuses such links.
    notification = Notification.objects.create(
        cabinet=world.a.cabinet,
        user=world.a.admin,
        kind="x",
        text="Ailleurs.",
        url="//ailleurs.example/",
    )

    response = browser(world.a.admin).post(open_url(notification))

    assert (response.status_code, response["Location"]) == (302, PAGE)


def test_everything_is_marked_read_at_once_and_only_the_users_own(world):
    many(world.a.cabinet, 3)

    response = browser(world.a.admin).post(READ_ALL, follow=True)

    assert "3 notifications marquées comme lues." in text_of(response)
    assert read(response).bell == "Notifications"
    assert all(not item.unread for item in read(response).items)
    assert len(unread_of(world.a.collaborator)) == 3
    again = browser(world.a.admin).post(READ_ALL, follow=True)
    assert "Aucune notification non lue." in text_of(again)


# --- The digest preference ---------------------------------------------------------------------


def chosen(response) -> str:
    """The value of the checked choice: "" (as the role has it), "oui" or "non"."""
    [value] = re.findall(
        r'<input type="radio" name="receive" value="([^"]*)"[^>]*\schecked', text_of(response)
    )
    return value


@pytest.mark.parametrize(("role", "default"), [("admin", "oui"), ("collaborator", "non")])
def test_the_preference_shows_what_the_role_gives_by_default(world, role, default):
    response = browser(getattr(world.a, role)).get(PAGE)

    assert "Recevoir un récapitulatif par email" in text_of(response)
    assert f"Selon mon rôle ({default})" in text_of(response)
    assert chosen(response) == ""


def test_saving_the_preference_is_audited_once(world):
    client = browser(world.a.admin)

    response = client.post(DIGEST, {"receive": "non"}, follow=True)

    assert "Préférence enregistrée." in text_of(response)
    assert chosen(response) == "non"
    world.a.admin.refresh_from_db()
    assert world.a.admin.notification_digest is False
    [entry] = AuditEntry.objects.filter(action="notifications.digest_changed")
    assert (entry.actor, entry.cabinet, entry.data) == (
        world.a.admin,
        world.a.cabinet,
        {"old": None, "new": False},
    )
    client.post(DIGEST, {"receive": "non"})
    client.post(DIGEST, {"receive": ""})
    world.a.admin.refresh_from_db()
    assert world.a.admin.notification_digest is None
    assert AuditEntry.objects.filter(action="notifications.digest_changed").count() == 2


def test_an_unknown_choice_is_refused_with_the_page(world):
    response = browser(world.a.collaborator).post(DIGEST, {"receive": "peut-être"})

    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text_of(response)
    world.a.collaborator.refresh_from_db()
    assert world.a.collaborator.notification_digest is None


# --- The apps' badges --------------------------------------------------------------------------


def apps_badges(request) -> list[dict]:
    """What an app built on the core would register in settings.TOPBAR_BADGES."""
    if not request.user.is_cabinet_staff:
        return []
    return [
        {
            "label": "Envois à régler",
            "counts": request.user.cabinet.companies.all(),
            "url": "/envois/a-regler/",
        },
        {"label": "Rien à voir", "counts": Company.objects.none(), "url": "/rien/"},
    ]


def test_the_badges_of_the_apps_sit_next_to_the_bell_while_their_count_is_above_zero(
    world, settings
):
    settings.TOPBAR_BADGES = ["tests.tenancy.test_notification_pages.apps_badges"]

    staff = read(browser(world.a.collaborator).get(PAGE))
    client = read(browser(world.a.client).get("/"))

    companies = world.a.collaborator.cabinet.companies.count()
    assert companies > 0
    assert staff.badges == [(f"Envois à régler {companies}", "/envois/a-regler/")]
    assert client.badges == []
