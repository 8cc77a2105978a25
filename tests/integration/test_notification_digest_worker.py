"""Staff's email digest through the real chain: the commit, Redis, a Celery worker process with
its embedded beat (the digest sweep), PostgreSQL and an SMTP server. A burst of notifications
makes one email; notifications committed while the broker is down reach the person once it is
back, in one email, and no second one follows.

Small delays here (mirrored to the worker): a burst is gathered for 1 s, the sweep runs every
second, and the window between two emails of one person stays at 10 minutes, far longer than a
drill, so that any second email would be a duplicate."""

import re

import pytest

from tests.helpers.notifications import notify
from tests.integration.forwarding import wait_until
from tests.integration.smtp_sink import ReceivedEmail
from tests.pages import readable
from welyb_portal.tenancy.models import DigestStatus, NotificationDigest

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TEXTS = [f"« facture-{number}.pdf » n'a pas pu partir : adresse refusée." for number in (1, 2, 3)]


@pytest.fixture(autouse=True)
def _digest_settings(settings):
    # Before the worker starts: it copies them (MIRRORED_SETTINGS).
    settings.FAILURE_DIGEST_SECONDS = 600
    settings.FAILURE_DIGEST_GATHER_SECONDS = 1
    settings.FAILURE_DIGEST_SWEEP_SECONDS = 1


@pytest.fixture
def celery_worker_env(request) -> dict[str, str]:
    # A test may add its own (indirect parametrization).
    return dict(getattr(request, "param", {}))


@pytest.fixture
def celery_worker_beat() -> bool:
    return True


def texts_in(email: ReceivedEmail) -> list[str]:
    return [text.strip() for text in re.findall(r"^- (.+)$", readable(email.text), re.M)]


def assert_digest_of(email: ReceivedEmail, digest: NotificationDigest, texts: list[str]) -> None:
    """The admin's digest, in the cabinet's name, carrying these notifications (newest first)."""
    assert email.rcpt_tos == ("admin@alpha.fr",)
    (sender,) = email.message["From"].addresses
    assert sender.display_name == "Cabinet Alpha"
    assert email.subject == f"Cabinet Alpha : {len(texts)} points demandent votre attention"
    assert sorted(texts_in(email)) == sorted(texts)
    assert email.message["Message-ID"] == digest.message_id
    assert "http://alpha.localhost/notifications/" in email.text


def test_a_burst_of_notifications_reaches_the_admin_in_one_email(world, smtp_sink, celery_worker):
    for text in TEXTS:
        notify(world.a.cabinet, text)
    digest = NotificationDigest.objects.get(user=world.a.admin)

    (email,) = smtp_sink.wait_for(1, timeout=20)
    assert_digest_of(email, digest, TEXTS)
    # More comes within the window: it waits for the next email, ten minutes after this one.
    notify(world.a.cabinet, "« facture-4.pdf » n'a pas pu partir.")
    smtp_sink.assert_nothing_more(within=3)
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT
    waiting = NotificationDigest.objects.get(user=world.a.admin, status=DigestStatus.PENDING)
    assert (waiting.due_at - digest.claimed_at).total_seconds() == 600


def test_notifications_made_while_redis_is_down_arrive_in_one_digest_once_it_is_back(
    world, private_redis, smtp_sink, celery_worker, caplog
):
    private_redis.stop()
    # Committed: the digest's hand-over, after the commit, fails and says so.
    for text in TEXTS:
        notify(world.a.cabinet, text)
    digest = NotificationDigest.objects.get(user=world.a.admin)
    assert f"digest {digest.pk} not enqueued" in caplog.text
    # Nothing can go while the broker is down.
    smtp_sink.assert_nothing_more(within=3)
    digest.refresh_from_db()
    assert digest.status == DigestStatus.PENDING

    # The broker comes back, empty: the outbox, not the broker, knew of the digest.
    log_offset = len(celery_worker.log())
    private_redis.start()
    (email,) = smtp_sink.wait_for(1, timeout=45)
    assert_digest_of(email, digest, TEXTS)
    assert re.search(
        r"sweep_notification_digests\[[\w-]+\] succeeded in \S+: [1-9]",
        celery_worker.log()[log_offset:],
    ), "no sweep handed the digest over after the broker came back"
    # Once: the sweeps that keep running every second send nothing more.
    smtp_sink.assert_nothing_more(within=3)
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == (DigestStatus.SENT, 1)


# A digest "sending" for longer than a task's hard time limit lost its worker.
@pytest.mark.parametrize(
    "celery_worker_env",
    [{"CELERY_TASK_SOFT_TIME_LIMIT": "4", "CELERY_TASK_TIME_LIMIT": "5"}],
    indirect=True,
)
def test_a_digest_whose_worker_died_while_sending_goes_again_as_the_same_message(
    world, smtp_sink, celery_worker
):
    # A slow server: the worker waits for its reply to the message when it is killed.
    smtp_sink.reply_delay = 2
    for text in TEXTS:
        notify(world.a.cabinet, text)
    digest = NotificationDigest.objects.get(user=world.a.admin)
    wait_until(
        lambda: NotificationDigest.objects.filter(pk=digest.pk, status="sending").exists(),
        timeout=20,
        what=lambda: f"the digest being sent, found {NotificationDigest.objects.get().status}",
    )
    celery_worker.kill()
    celery_worker.start()

    # Taken back by the sweep once the time limit is past, and sent again.
    wait_until(
        lambda: NotificationDigest.objects.filter(pk=digest.pk, status="sent").exists(),
        timeout=30,
        what=lambda: f"the digest sent, found {NotificationDigest.objects.get().status}",
    )
    smtp_sink.assert_nothing_more(within=3)
    # At least once: the server may have taken the first copy before the worker died. Then
    # the copies are one message, by its Message-ID.
    emails = smtp_sink.messages
    assert 1 <= len(emails) <= 2
    for email in emails:
        assert_digest_of(email, digest, TEXTS)
    digest.refresh_from_db()
    assert digest.attempts == 2
    print(f"\nworker killed mid-send: {len(emails)} cop{'ies' if len(emails) > 1 else 'y'}")
