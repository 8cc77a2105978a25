"""Notifications written by the apps built on the core: who gets one, in whose transaction, at
what cost; how they are retired when the thing is handled, or read."""

import pytest
from django.db import transaction

from tests.factories import AdminFactory, CollaboratorFactory
from tests.helpers.notifications import KIND, URL, notify, unread_of
from welyb_portal.tenancy.models import Notification, NotificationDigest
from welyb_portal.tenancy.services.notifications import (
    NotificationDraft,
    notifications_create_many,
    notifications_mark_read,
    notifications_resolve,
)
from welyb_portal.tenancy.services.users import user_active_set

pytestmark = pytest.mark.django_db

# The recipients, who has an unread one of the same key, the open digests (locked), when each
# person's last digest left, the new digests, the open digests again, the notifications:
# whatever the number of staff.
FIRST_NOTIFICATION_QUERIES = 7
# The recipients, who has an unread one of the same key, their open digests (locked), the
# notifications.
NEXT_NOTIFICATION_QUERIES = 4


def recipients_of(notifications) -> set[str]:
    return {notification.user.email for notification in notifications}


# --- Who is notified ---------------------------------------------------------------------------


def test_every_active_admin_and_collaborator_of_the_cabinet_is_notified_and_nobody_else(world):
    gone = CollaboratorFactory(cabinet=world.a.cabinet, email="parti@alpha.fr")
    user_active_set(user=gone, active=False, by=world.a.admin)

    created = notify(world.a.cabinet, "« facture-42.pdf » n'a pas pu partir.")

    assert recipients_of(created) == {"admin@alpha.fr", "collaborateur@alpha.fr"}
    assert {(n.kind, n.text, n.url, n.cabinet_id) for n in created} == {
        (KIND, "« facture-42.pdf » n'a pas pu partir.", URL, world.a.cabinet.pk)
    }
    assert unread_of(world.a.client) == unread_of(world.a.other_client) == []
    assert unread_of(gone) == unread_of(world.b.admin) == unread_of(world.b.collaborator) == []


def test_the_people_named_are_notified_when_they_are_active_staff_of_the_cabinet(world):
    created = notify(world.a.cabinet, users=[world.a.collaborator, world.a.client, world.b.admin])

    assert recipients_of(created) == {"collaborateur@alpha.fr"}
    assert unread_of(world.a.admin) == []


def test_a_link_elsewhere_than_a_path_of_the_cabinet_is_refused(world):
    for url in ("https://ailleurs.example/", "//ailleurs.example/", "/\\ailleurs.example/", "x/"):
        with pytest.raises(ValueError, match="path of the cabinet"):
            notify(world.a.cabinet, url=url)

    assert not Notification.objects.exists()


# --- In the caller's transaction, at a constant cost -------------------------------------------


class ChangedMind(Exception):
    pass


def _notify_then_roll_back(world) -> None:
    with transaction.atomic():
        notify(world.a.cabinet)
        assert len(unread_of(world.a.admin)) == 1
        raise ChangedMind


def test_notifications_of_a_transaction_that_rolls_back_leave_nothing_to_send(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ChangedMind):
        _notify_then_roll_back(world)

    assert unread_of(world.a.admin) == unread_of(world.a.collaborator) == []
    assert not NotificationDigest.objects.exists()
    assert callbacks == []


def test_the_digest_is_handed_to_the_workers_only_once_the_caller_commits(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(world.a.cabinet)
        notify(world.a.cabinet, "Une deuxième facture n'a pas pu partir.")

    # One digest for the admin (who receives it by default), opened by the first call.
    assert NotificationDigest.objects.filter(user=world.a.admin).count() == 1
    assert len(callbacks) == 1


@pytest.mark.parametrize("staff", [2, 20])
def test_notifying_the_staff_costs_the_same_queries_however_many_they_are(
    world, staff, django_assert_num_queries
):
    for number in range(staff - 2):
        factory = AdminFactory if number % 2 else CollaboratorFactory
        factory(cabinet=world.a.cabinet)

    with django_assert_num_queries(FIRST_NOTIFICATION_QUERIES):
        first = notify(world.a.cabinet, key="delivery:1")
    with django_assert_num_queries(NEXT_NOTIFICATION_QUERIES):
        notify(world.a.cabinet, key="delivery:2")

    assert len(first) == staff
    assert NotificationDigest.objects.count() == staff // 2


# --- Retired when handled, or read -------------------------------------------------------------


def test_a_second_notification_about_the_same_thing_waits_until_the_first_is_read(world):
    notify(world.a.cabinet, "Première alerte.", key="delivery:7")
    assert notify(world.a.cabinet, "Même envoi, encore.", key="delivery:7") == []
    notifications_mark_read(user=world.a.admin, ids=None)

    again = notify(world.a.cabinet, "Même envoi, de nouveau.", key="delivery:7")

    assert recipients_of(again) == {"admin@alpha.fr"}
    assert unread_of(world.a.collaborator) == ["Première alerte."]


def test_resolving_a_thing_retires_its_unread_notifications_for_everybody(world):
    notify(world.a.cabinet, "L'envoi 7 a échoué.", key="delivery:7")
    notify(world.a.cabinet, "L'envoi 8 a échoué.", key="delivery:8")
    notify(world.b.cabinet, "Chez Beta, l'envoi 7 a échoué.", key="delivery:7")

    assert notifications_resolve(cabinet=world.a.cabinet, key="delivery:7") == 2

    assert unread_of(world.a.admin) == unread_of(world.a.collaborator) == ["L'envoi 8 a échoué."]
    assert unread_of(world.b.admin) == ["Chez Beta, l'envoi 7 a échoué."]
    assert notifications_resolve(cabinet=world.a.cabinet, key="delivery:7") == 0
    with pytest.raises(ValueError, match="key"):
        notifications_resolve(cabinet=world.a.cabinet, key="")


def test_marking_read_never_touches_someone_elses_notifications(world):
    notify(world.a.cabinet, "Première.")
    notify(world.a.cabinet, "Deuxième.")
    notify(world.b.cabinet, "Chez Beta.")
    others = list(Notification.objects.exclude(user=world.a.admin).values_list("pk", flat=True))
    first = Notification.objects.get(user=world.a.admin, text="Première.")

    assert notifications_mark_read(user=world.a.admin, ids=[first.pk, *others, 10**9]) == 1

    assert unread_of(world.a.admin) == ["Deuxième."]
    # Their owners still have them to read.
    assert unread_of(world.a.collaborator) == ["Première.", "Deuxième."]
    assert unread_of(world.b.admin) == ["Chez Beta."]
    assert notifications_mark_read(user=world.a.admin, ids=None) == 1
    assert notifications_mark_read(user=world.a.admin, ids=None) == 0
    assert unread_of(world.a.collaborator) == ["Première.", "Deuxième."]


def test_several_notifications_at_once_cost_the_queries_of_one(world, django_assert_num_queries):
    drafts = [
        NotificationDraft("delivery.needs_action", f"Facture {n} non partie.", "/", f"delivery:{n}")
        for n in range(4)
    ]

    with django_assert_num_queries(FIRST_NOTIFICATION_QUERIES):
        written = notifications_create_many(cabinet=world.a.cabinet, drafts=drafts)

    # Two staff members, four notifications each.
    assert len(written) == 8
    assert sorted({n.key for n in written}) == [f"delivery:{n}" for n in range(4)]
