"""Notifications through the API: staff list their own, newest first, and mark them read, some
or all; nobody reads or marks anybody else's, and clients are refused."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import api, host_of
from tests.helpers.notifications import notify, unread_of
from welyb_portal.tenancy.models import Notification

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
READ = "/api/v1/notifications/read/"


def texts(response) -> list[str]:
    return [row["text"] for row in response.json()["results"]]


def test_staff_list_their_own_notifications_newest_first(world):
    notify(world.a.cabinet, "Plus ancienne.", url="/envois/1/")
    notify(world.a.cabinet, "Plus récente.", url="/envois/2/", key="delivery:2")
    notify(world.a.cabinet, "Pour le collaborateur seul.", users=[world.a.collaborator])
    notify(world.b.cabinet, "Chez Beta.")
    oldest = Notification.objects.get(user=world.a.admin, url="/envois/1/")
    api(world.a.admin).post(READ, {"ids": [oldest.pk]}, format="json")

    response = api(world.a.admin).get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    newest, older = body["results"]
    assert set(newest) == {"id", "kind", "text", "url", "created_at", "read"}
    assert (newest["kind"], newest["text"], newest["url"], newest["read"]) == (
        "delivery.needs_action",
        "Plus récente.",
        "/envois/2/",
        False,
    )
    assert (older["id"], older["text"], older["read"]) == (oldest.pk, "Plus ancienne.", True)


def test_the_list_is_paginated(world):
    for number in range(1, 53):
        notify(world.a.cabinet, f"Alerte n°{number}.", users=[world.a.collaborator])

    first = api(world.a.collaborator).get(LIST)
    second = api(world.a.collaborator).get(LIST, {"page": 2})

    assert first.json()["count"] == 52
    assert len(texts(first)) == 50
    assert texts(second) == ["Alerte n°2.", "Alerte n°1."]


def test_staff_mark_some_read_and_nobody_elses(world):
    notify(world.a.cabinet, "Première.")
    notify(world.a.cabinet, "Deuxième.")
    notify(world.b.cabinet, "Chez Beta.")
    first = Notification.objects.get(user=world.a.admin, text="Première.")
    colleagues = Notification.objects.get(user=world.a.collaborator, text="Première.")
    beta = Notification.objects.get(user=world.b.admin)

    response = api(world.a.admin).post(
        READ, {"ids": [first.pk, colleagues.pk, beta.pk, 10**12]}, format="json"
    )

    assert (response.status_code, response.json()) == (200, {"read": 1})
    assert unread_of(world.a.admin) == ["Deuxième."]
    # Seen from the other side: theirs are as they were.
    for user in (world.a.collaborator, world.b.admin):
        listed = api(user).get(LIST).json()["results"]
        assert all(row["read"] is False for row in listed), user


def test_staff_mark_all_read_with_an_empty_body(world):
    notify(world.a.cabinet, "Première.")
    notify(world.a.cabinet, "Deuxième.")

    response = api(world.a.collaborator).post(READ, {}, format="json")

    assert (response.status_code, response.json()) == (200, {"read": 2})
    assert unread_of(world.a.collaborator) == []
    assert unread_of(world.a.admin) == ["Première.", "Deuxième."]
    assert api(world.a.collaborator).post(READ, {}, format="json").json() == {"read": 0}


@pytest.mark.parametrize(
    "body",
    [
        {"ids": "tout"},
        {"ids": [0]},
        {"ids": ["un"]},
        {"ids": [2**64]},
        {"ids": None},
        {"ids": list(range(1, 1002))},
    ],
)
def test_bad_ids_are_refused_with_field_errors_and_nothing_marked(world, body):
    notify(world.a.cabinet, "Première.")

    response = api(world.a.admin).post(READ, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"ids"}
    assert unread_of(world.a.admin) == ["Première."]


def test_clients_are_refused_and_anonymous_callers_asked_to_log_in(world):
    notify(world.a.cabinet, "Première.")

    for path, method in ((LIST, "get"), (READ, "post")):
        assert getattr(api(world.a.client), method)(path).status_code == 403
        anonymous = APIClient(HTTP_HOST=host_of(world.a.cabinet))
        assert getattr(anonymous, method)(path).status_code == 401
    assert unread_of(world.a.admin) == ["Première."]


def test_each_refused_id_is_named_by_its_position(world):
    response = api(world.a.admin).post(READ, {"ids": [3, "trois", 0]}, format="json")

    assert response.status_code == 400
    second, third = response.json()["ids"]
    assert second == "Élément 2 : Un nombre entier valide est requis."
    assert third.startswith("Élément 3 : Assurez-vous que cette valeur est supérieure ou égale")
