"""Every id read from a request goes through one rule, `request_id`: ASCII digits, a positive
bigint, nothing else. What `int()` would read as a real id ("+7", the id in Arabic-Indic digits),
what `str.isdigit()` took and `int()` refused ("²", a 500), numbers past a bigint (a 500 on
SQLite) and NUL (refused by PostgreSQL) are all the 404 of a missing object, in every `access_*`
helper and in every page that filters by a company given in its query string. (The `rows` of an
authorisation page and the SIRENs of a CSV are tested with their pages.)"""

import pytest
from django.http import Http404

from ged.access import access_document, access_folder
from partner_apps.access import access_delivery
from tests.conftest import browser
from tests.helpers.documents import folder_at
from tests.helpers.forwarding import ACHATS, connect, deposit_and_send, switch_on
from tests.not_ids import KINDS, not_ids
from welyb_portal.tenancy.access import (
    access_company,
    access_company_client,
    access_notification,
    access_staff_member,
)
from welyb_portal.tenancy.services.notifications import notifications_create
from welyb_portal.tenancy.validators import MAX_ID, request_id

pytestmark = pytest.mark.django_db


# --- The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), (7, 7), (MAX_ID, MAX_ID)],
)
def test_ascii_digits_and_integers_of_a_bigint_are_ids(value, expected):
    assert request_id(value) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_what_int_or_isdigit_would_take_is_no_id(kind):
    assert request_id(not_ids(7)[kind]) is None


@pytest.mark.parametrize("value", ["", "0", "-1", 0, -1, MAX_ID + 1, True, 7.0, None, ["7"]])
def test_zero_negatives_and_other_types_are_no_ids(value):
    assert request_id(value) is None


# --- The access helpers ------------------------------------------------------------------------


@pytest.fixture
def objects(world, django_capture_on_commit_callbacks):
    """One object of alpha's for each helper, and the helper as its admin calls it."""
    alpha = world.a
    achats = folder_at(alpha.company, "Dossier comptable annuel 2026/Achats")
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    switch_on(achats, ACHATS, by=alpha.admin)
    document = deposit_and_send(django_capture_on_commit_callbacks, achats, by=alpha.client)
    [notification] = notifications_create(
        cabinet=alpha.cabinet, kind="test", text="Bonjour", url="/", users=[alpha.admin]
    )
    return {
        "company": (alpha.company.pk, lambda pk: access_company(alpha.admin, pk)),
        "folder": (achats.pk, lambda pk: access_folder(alpha.admin, pk)),
        "document": (document.pk, lambda pk: access_document(alpha.admin, pk)),
        "delivery": (
            document.deliveries.get().pk,
            lambda pk: access_delivery(alpha.admin, pk),
        ),
        "notification": (notification.pk, lambda pk: access_notification(alpha.admin, pk)),
        "staff member": (
            alpha.collaborator.pk,
            lambda pk: access_staff_member(alpha.admin, pk),
        ),
        "client": (
            alpha.client.pk,
            lambda pk: access_company_client(alpha.admin, alpha.company, pk),
        ),
    }


HELPERS = ["company", "folder", "document", "delivery", "notification", "staff member", "client"]


@pytest.mark.parametrize("helper", HELPERS)
def test_each_helper_finds_its_object_by_its_id_in_any_form_a_request_has(objects, helper):
    pk, access = objects[helper]

    assert access(pk).pk == pk
    assert access(str(pk)).pk == pk


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("helper", HELPERS)
def test_each_helper_answers_404_to_what_is_no_id(objects, helper, kind):
    pk, access = objects[helper]

    with pytest.raises(Http404):
        access(not_ids(pk)[kind])


# --- Pages filtered by a company of the query string ------------------------------------------

FILTERS = {
    "Emails reçus": ("/ged/emails-recus/", "company"),
    "Historique d'envoi": ("/reglages/applications/envois/", "company"),
    "Envois à régler": ("/reglages/applications/a-regler/", "entreprise"),
    "the company switch": ("/ged/entreprises/", "company"),
}


@pytest.mark.parametrize("page", FILTERS)
def test_a_page_filtered_by_a_company_answers_for_its_id(world, page):
    path, parameter = FILTERS[page]

    response = browser(world.a.admin).get(path, {parameter: world.a.company.pk})

    assert response.status_code in (200, 302)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page", FILTERS)
def test_a_page_filtered_by_what_is_no_company_id_answers_404(world, page, kind):
    path, parameter = FILTERS[page]

    response = browser(world.a.admin).get(path, {parameter: not_ids(world.a.company.pk)[kind]})

    assert response.status_code == 404
