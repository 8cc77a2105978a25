"""The portal has an icon: pages name it, and browsers that ask for /favicon.ico on their own
(the admin's pages, a PDF in a tab) are sent to it instead of a 404."""

import re

import pytest
from django.test import Client

from tests.conftest import browser

pytestmark = pytest.mark.django_db


def icon_href(page: str) -> str:
    match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert match, "no <link rel=icon> in the page"
    return match.group(1)


def test_pages_name_the_svg_icon_and_it_is_served_as_svg(world):
    for client in (browser(world.a.client), browser(cabinet=world.a.cabinet)):
        page = client.get("/", follow=True)
        href = icon_href(page.content.decode())
        icon = client.get(href)
        assert icon.status_code == 200
        assert icon["Content-Type"] == "image/svg+xml"
        assert b"<svg" in b"".join(icon.streaming_content)


@pytest.mark.parametrize("host", ["cabinet", "platform"])
def test_favicon_ico_leads_to_the_icon_the_pages_name_on_every_host(world, host):
    pages_icon = icon_href(browser(cabinet=world.a.cabinet).get("/connexion/").content.decode())
    client = (
        browser(cabinet=world.a.cabinet) if host == "cabinet" else Client(HTTP_HOST="localhost")
    )
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == pages_icon
    assert client.get(response["Location"])["Content-Type"] == "image/svg+xml"


def test_a_host_nobody_owns_gets_no_icon(world):
    assert Client(HTTP_HOST="nobody.localhost").get("/favicon.ico").status_code == 404
