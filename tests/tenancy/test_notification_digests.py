"""The email digest of staff notifications: promptly after a quiet period, then at most one per
person every FAILURE_DIGEST_SECONDS; to admins by default, to whoever asked; nothing that was
read or resolved meanwhile; in the cabinet's colours, with links on its host. Its outbox keeps
it when no worker picked it up, and sends it again when its worker died."""

import io
import re
import socket
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.conftest import World
from tests.factories import CollaboratorFactory
from tests.helpers.notifications import at, notify, open_digest
from tests.pages import readable
from welyb_portal.tenancy.emails import DIGEST_MAX_ITEMS
from welyb_portal.tenancy.models import Cabinet, DigestStatus, Notification, NotificationDigest
from welyb_portal.tenancy.services.digests import DIGEST_MAX_ATTEMPTS, digest_send, digests_sweep
from welyb_portal.tenancy.services.notifications import (
    digest_preference_set,
    notifications_mark_read,
    notifications_resolve,
)
from welyb_portal.tenancy.services.users import user_active_set

pytestmark = pytest.mark.django_db

WINDOW = 600
GATHER = 60
SWEEP = 60


@pytest.fixture(autouse=True)
def _digest_settings(settings):
    settings.FAILURE_DIGEST_SECONDS = WINDOW
    settings.FAILURE_DIGEST_GATHER_SECONDS = GATHER
    settings.FAILURE_DIGEST_SWEEP_SECONDS = SWEEP
    settings.DEFAULT_FROM_EMAIL = "no-reply@welyb.fr"


def texts_in(message) -> list[str]:
    return re.findall(r"^- (.+)$", readable(message.body), re.M)


def send_when_due(digest: NotificationDigest) -> str | None:
    return digest_send(digest_id=digest.pk, now=at(digest))


# --- When it goes ------------------------------------------------------------------------------


def test_after_a_quiet_period_the_digest_goes_once_the_burst_is_gathered(world: World):
    before = timezone.now()
    notify(world.a.cabinet, "« facture-1.pdf » n'a pas pu partir.")
    notify(world.a.cabinet, "« facture-2.pdf » n'a pas pu partir.")
    notify(world.a.cabinet, "« facture-3.pdf » n'a pas pu partir.")
    digest = open_digest(world.a.admin)

    assert (
        before + timedelta(seconds=GATHER)
        <= digest.due_at
        <= timezone.now() + timedelta(seconds=GATHER)
    )
    assert digest_send(digest_id=digest.pk, now=at(digest, -1)) is None
    assert mail.outbox == []

    assert send_when_due(digest) == DigestStatus.SENT
    [message] = mail.outbox
    assert message.to == ["admin@alpha.fr"]
    assert message.subject == "Cabinet Alpha : 3 points demandent votre attention"
    assert texts_in(message) == [
        "« facture-3.pdf » n'a pas pu partir.",
        "« facture-2.pdf » n'a pas pu partir.",
        "« facture-1.pdf » n'a pas pu partir.",
    ]


def test_one_point_is_said_in_the_singular(world: World):
    notify(world.a.cabinet, "« facture-1.pdf » n'a pas pu partir.")

    send_when_due(open_digest(world.a.admin))

    [message] = mail.outbox
    assert message.subject == "Cabinet Alpha : 1 point demande votre attention"
    assert "1 point demande votre attention sur le portail de Cabinet Alpha" in message.body


def test_at_most_one_email_per_person_every_window(world: World):
    notify(world.a.cabinet, "Première alerte.")
    first = open_digest(world.a.admin)
    send_when_due(first)
    first.refresh_from_db()

    notify(world.a.cabinet, "Deuxième alerte.")
    notify(world.a.cabinet, "Troisième alerte.")
    second = open_digest(world.a.admin)

    assert second.due_at == first.claimed_at + timedelta(seconds=WINDOW)
    assert digest_send(digest_id=second.pk, now=at(second, -1)) is None
    assert len(mail.outbox) == 1
    assert send_when_due(second) == DigestStatus.SENT
    # Each notification went once: the second email carries only what came after the first.
    assert [texts_in(message) for message in mail.outbox] == [
        ["Première alerte."],
        ["Troisième alerte.", "Deuxième alerte."],
    ]


def test_a_digest_is_sent_by_one_worker_only(world: World):
    notify(world.a.cabinet)
    digest = open_digest(world.a.admin)

    assert send_when_due(digest) == DigestStatus.SENT
    assert send_when_due(digest) is None
    assert digest_send(digest_id=digest.pk, now=at(digest, WINDOW)) is None

    assert len(mail.outbox) == 1


# --- Who receives it ---------------------------------------------------------------------------


def test_admins_receive_it_by_default_and_collaborators_do_not(world: World):
    notify(world.a.cabinet)

    assert NotificationDigest.objects.get().user == world.a.admin
    assert Notification.objects.get(user=world.a.collaborator).digest is None


def test_each_person_may_turn_it_on_or_off(world: World):
    digest_preference_set(user=world.a.admin, receive=False)
    digest_preference_set(user=world.a.collaborator, receive=True)

    notify(world.a.cabinet)
    send_when_due(open_digest(world.a.collaborator))

    assert [message.to for message in mail.outbox] == [["collaborateur@alpha.fr"]]
    assert not NotificationDigest.objects.filter(user=world.a.admin).exists()


def test_a_digest_on_its_way_is_not_sent_to_someone_who_turned_it_off(world: World):
    notify(world.a.cabinet)
    digest = open_digest(world.a.admin)
    digest_preference_set(user=world.a.admin, receive=False)

    assert send_when_due(digest) == DigestStatus.SKIPPED

    assert mail.outbox == []
    digest.refresh_from_db()
    assert digest.reason == "Récapitulatif désactivé par son destinataire."


def test_a_deactivated_cabinet_sends_no_digest(world: World):
    notify(world.a.cabinet)
    digest = open_digest(world.a.admin)
    Cabinet.objects.filter(pk=world.a.cabinet.pk).update(is_active=False)

    assert send_when_due(digest) == DigestStatus.SKIPPED
    assert mail.outbox == []


def test_a_digest_is_not_sent_to_someone_who_left_the_cabinet(world: World):
    colleague = CollaboratorFactory(cabinet=world.a.cabinet, notification_digest=True)
    notify(world.a.cabinet)
    digest = open_digest(colleague)
    user_active_set(user=colleague, active=False, by=world.a.admin)

    assert send_when_due(digest) == DigestStatus.SKIPPED
    assert mail.outbox == []


# --- What it carries ---------------------------------------------------------------------------


def test_nothing_is_sent_when_everything_was_read_or_resolved_meanwhile(world: World):
    notify(world.a.cabinet, "L'envoi 7 a échoué.", key="delivery:7")
    notify(world.a.cabinet, "L'envoi 8 a échoué.", key="delivery:8")
    digest = open_digest(world.a.admin)
    notifications_resolve(cabinet=world.a.cabinet, key="delivery:7")
    notifications_mark_read(
        user=world.a.admin,
        ids=list(Notification.objects.filter(key="delivery:8").values_list("pk", flat=True)),
    )

    assert send_when_due(digest) == DigestStatus.SKIPPED

    assert mail.outbox == []


def test_what_was_read_or_resolved_meanwhile_is_left_out(world: World):
    notify(world.a.cabinet, "L'envoi 7 a échoué.", key="delivery:7")
    notify(world.a.cabinet, "L'envoi 8 a échoué.", key="delivery:8")
    notify(world.a.cabinet, "L'envoi 9 a échoué.", key="delivery:9")
    digest = open_digest(world.a.admin)
    notifications_resolve(cabinet=world.a.cabinet, key="delivery:7")
    read = Notification.objects.get(user=world.a.admin, key="delivery:9")
    notifications_mark_read(user=world.a.admin, ids=[read.pk])

    send_when_due(digest)

    [message] = mail.outbox
    assert texts_in(message) == ["L'envoi 8 a échoué."]
    assert message.subject == "Cabinet Alpha : 1 point demande votre attention"


def test_the_email_comes_in_the_cabinets_name_with_links_on_its_host(world: World):
    notify(world.a.cabinet, "« facture-42.pdf » n'a pas pu partir.", url="/envois/42/")
    digest = open_digest(world.a.admin)

    send_when_due(digest)

    [message] = mail.outbox
    assert message.from_email == "Cabinet Alpha <no-reply@welyb.fr>"
    assert message.extra_headers["Message-ID"] == digest.message_id
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    body = readable(message.body)
    assert "- « facture-42.pdf » n'a pas pu partir.\n  http://alpha.localhost/envois/42/" in body
    assert "Toutes vos notifications : http://alpha.localhost/notifications/" in body
    assert "au plus une fois toutes les 10 minutes" in body
    assert (
        "Pour ne plus le recevoir, choisissez « Non » sous « Recevoir un récapitulatif par "
        "email » sur la page Notifications."
    ) in body
    [(html, content_type)] = message.alternatives
    assert content_type == "text/html"
    assert '<a href="http://alpha.localhost/envois/42/"' in html
    assert "« facture-42.pdf » n&#x27;a pas pu partir." in readable(html)
    assert 'href="http://alpha.localhost/notifications/"' in html
    assert world.a.cabinet.primary_color in html


def test_a_large_burst_lists_the_newest_and_counts_the_others(world: World):
    for number in range(1, DIGEST_MAX_ITEMS + 6):
        notify(world.a.cabinet, f"L'envoi {number} a échoué.")

    send_when_due(open_digest(world.a.admin))

    [message] = mail.outbox
    assert message.subject == (
        f"Cabinet Alpha : {DIGEST_MAX_ITEMS + 5} points demandent votre attention"
    )
    listed = texts_in(message)
    assert len(listed) == DIGEST_MAX_ITEMS
    assert listed[0] == f"L'envoi {DIGEST_MAX_ITEMS + 5} a échoué."
    assert "… et 5 autres.\n" in message.body


# --- The outbox: broker down, worker dead, email server down -----------------------------------


def test_the_sweep_sends_a_digest_no_worker_picked_up_and_only_once(world: World):
    notify(world.a.cabinet)
    digest = open_digest(world.a.admin)
    # Its own task never came (the broker was down): due for longer than a sweep period.
    NotificationDigest.objects.filter(pk=digest.pk).update(
        due_at=timezone.now() - timedelta(seconds=SWEEP + 1)
    )

    # Tasks run in-process here: the sweep's hand-over sends it.
    assert digests_sweep() == 1
    assert digests_sweep() == 0

    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == digest.message_id
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT


def test_the_sweep_leaves_a_digest_its_own_task_is_about_to_send(world: World):
    notify(world.a.cabinet)
    NotificationDigest.objects.update(due_at=timezone.now() - timedelta(seconds=SWEEP - 5))

    assert digests_sweep() == 0
    assert mail.outbox == []


def test_a_digest_whose_worker_died_while_sending_goes_again_as_the_same_message(
    world: World, settings
):
    notify(world.a.cabinet, "L'envoi 7 a échoué.")
    digest = open_digest(world.a.admin)
    died_at = timezone.now() - timedelta(seconds=settings.FAILURE_DIGEST_SENDING_TIMEOUT_SECONDS)
    NotificationDigest.objects.filter(pk=digest.pk).update(
        status=DigestStatus.SENDING, claimed_at=died_at - timedelta(seconds=1), attempts=1
    )
    # Still within its time: the worker may be sending it right now.
    assert digests_sweep(now=died_at) == 0

    assert digests_sweep() == 1

    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == digest.message_id
    assert texts_in(message) == ["L'envoi 7 a échoué."]
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == (DigestStatus.SENT, 2)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_digest_the_email_server_refused_is_tried_again_a_window_later(world: World, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    notify(world.a.cabinet)
    digest = open_digest(world.a.admin)

    assert send_when_due(digest) == DigestStatus.RETRYING
    digest.refresh_from_db()
    assert digest.due_at == digest.claimed_at + timedelta(seconds=WINDOW)
    assert "Connection refused" in digest.reason

    for _attempt in range(DIGEST_MAX_ATTEMPTS - 2):
        assert send_when_due(digest) == DigestStatus.RETRYING
        digest.refresh_from_db()
    assert send_when_due(digest) == DigestStatus.FAILED
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == (DigestStatus.FAILED, DIGEST_MAX_ATTEMPTS)


# --- Concurrency (PostgreSQL's row locks) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_waits_for_the_transaction_that_adds_to_the_digest_it_claims(world: World):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two sessions: PostgreSQL")
    notify(world.a.cabinet, "Première alerte.")
    digest = open_digest(world.a.admin)
    NotificationDigest.objects.filter(pk=digest.pk).update(due_at=timezone.now())
    outcome = {}

    def worker():
        try:
            outcome["status"] = digest_send(digest_id=digest.pk)
        finally:
            connections.close_all()

    with transaction.atomic():
        notify(world.a.cabinet, "Deuxième alerte, dans une transaction encore ouverte.")
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=1)
        # The worker waits on the digest this transaction holds.
        assert thread.is_alive()
    thread.join(timeout=10)

    assert outcome == {"status": DigestStatus.SENT}
    [message] = mail.outbox
    assert sorted(texts_in(message)) == [
        "Deuxième alerte, dans une transaction encore ouverte.",
        "Première alerte.",
    ]


def test_the_sweep_command_sends_what_is_due_where_no_beat_runs(world: World):
    notify(world.a.cabinet)
    NotificationDigest.objects.update(due_at=timezone.now() - timedelta(seconds=SWEEP + 1))
    output = io.StringIO()

    call_command("sweep_notification_digests", stdout=output)

    assert output.getvalue() == "1 récapitulatif relancé.\n"
    assert [message.to for message in mail.outbox] == [["admin@alpha.fr"]]
