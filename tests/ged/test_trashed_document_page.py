"""A link to a document put in the trash opens the portal's own French 404, which says what
happened: to staff, that it is in the trash, with the way there; to clients, only that it is
gone. Never Django's English debug page, not even with DEBUG as `make run` has it."""

import re

import pytest

from ged.services.documents import document_trash
from tests.conftest import api, browser
from tests.helpers.documents import deposit, folder_at
from tests.pages import text_of

pytestmark = pytest.mark.django_db

STAFF_SENTENCE = "Ce document a été mis à la corbeille."
CLIENT_SENTENCE = "Ce document n'est plus disponible."


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def trashed(world):
    document = deposit(folder_at(world.a.company, "Achats"), by=world.a.client)
    return document_trash(document=document, by=world.a.admin)


def links(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)">', page.split("<main")[1])


@pytest.mark.parametrize("suffix", ["", "telecharger/"])
def test_staff_read_that_it_is_in_the_trash_with_a_link_to_it(world, trashed, debug, suffix):
    response = browser(world.a.collaborator).get(f"/ged/documents/{trashed.pk}/{suffix}")

    assert response.status_code == 404
    page = text_of(response)
    assert '<html lang="fr">' in page
    assert STAFF_SENTENCE in page
    assert f"/ged/entreprises/{world.a.company.pk}/corbeille/" in links(page)
    assert "Page not found" not in page
    assert "Using the URLconf" not in page


@pytest.mark.parametrize("suffix", ["", "telecharger/"])
def test_a_client_reads_only_that_it_is_no_longer_available(world, trashed, debug, suffix):
    response = browser(world.a.client).get(f"/ged/documents/{trashed.pk}/{suffix}")

    assert response.status_code == 404
    page = text_of(response)
    assert CLIENT_SENTENCE in page
    assert "corbeille" not in page
    assert "Page not found" not in page


def test_others_get_the_404_of_a_missing_document(world, trashed, debug):
    for user in (world.b.admin, world.a.other_client):
        response = browser(user, cabinet=world.a.cabinet).get(f"/ged/documents/{trashed.pk}/")
        page = text_of(response)
        assert response.status_code in (302, 404)
        assert STAFF_SENTENCE not in page
        assert CLIENT_SENTENCE not in page


def test_a_document_that_never_existed_keeps_the_plain_french_404(world, debug):
    response = browser(world.a.admin).get("/ged/documents/999999/")

    assert response.status_code == 404
    assert STAFF_SENTENCE not in text_of(response)
    if not debug:
        assert "Cette page n'existe pas" in text_of(response)


def test_the_api_answers_its_usual_404(world, trashed):
    response = api(world.a.admin).get(f"/api/v1/documents/{trashed.pk}/")
    missing = api(world.a.admin).get("/api/v1/documents/999999/")

    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
