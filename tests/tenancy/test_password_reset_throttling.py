"""« Mot de passe oublié ? » sends at most three emails an hour for one address, and serves at
most twenty requests an hour from one client address. Past a limit it sends nothing and answers
exactly as always: whoever asks cannot tell they were held back. The email leaves through the
account-email task, once the request's transaction has committed."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import host_of
from tests.factories import ClientFactory
from tests.pages import text_of
from welyb_portal.tenancy.tasks import send_account_email

pytestmark = pytest.mark.django_db

FORGOTTEN_URL = "/mot-de-passe/oublie/"
PER_ADDRESS = 3  # PASSWORD_RESET_PER_ADDRESS_PER_HOUR's default
PER_IP = 20  # PASSWORD_RESET_PER_IP_PER_HOUR's default
RESET_SENT = (
    "Si un compte existe pour cette adresse, un email vient de lui être envoyé "
    "avec un lien pour choisir un nouveau mot de passe."
)
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def ask(cabinet, email: str, *, ip: str = "203.0.113.7"):
    """One request from a browser at `ip`, followed to the page it lands on."""
    browser = Client(HTTP_HOST=host_of(cabinet), REMOTE_ADDR=ip)
    return browser.post(FORGOTTEN_URL, {"email": email}, follow=True)


def answer_of(response) -> tuple:
    """What the person sees: the statuses, where they land, the page's main landmark (without
    its form's CSRF token, which differs for every visitor)."""
    main = re.search(r"<main.*?</main>", text_of(response), re.S).group(0)
    return response.status_code, tuple(response.redirect_chain), CSRF_TOKEN.sub("", main)


def recipients() -> list[str]:
    return [message.to[0] for message in mail.outbox]


def test_forty_requests_for_one_address_send_three_emails_and_all_answer_alike(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(world.a.cabinet, world.a.client.email) for _ in range(40)]

    assert recipients() == [world.a.client.email] * PER_ADDRESS
    [answer] = {answer_of(answer) for answer in answers}
    status, redirects, page = answer
    assert (status, redirects) == (200, (("/connexion/", 302),))
    assert RESET_SENT in page


def test_the_address_is_counted_however_it_is_typed_and_from_any_ip(
    world, django_capture_on_commit_callbacks
):
    typed = ["client@alpha.fr", "Client@Alpha.fr", " CLIENT@ALPHA.FR ", "client@alpha.fr"]

    with django_capture_on_commit_callbacks(execute=True):
        for n, email in enumerate(typed):
            ask(world.a.cabinet, email, ip=f"198.51.100.{n + 1}")

    assert recipients() == [world.a.client.email] * PER_ADDRESS


def test_an_unknown_address_answers_like_a_throttled_one(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(PER_ADDRESS):
            ask(world.a.cabinet, world.a.client.email)
        throttled = ask(world.a.cabinet, world.a.client.email)
        unknown = ask(world.a.cabinet, "personne@inconnu.fr")
        sent = ask(world.a.cabinet, world.a.admin.email)

    assert answer_of(throttled) == answer_of(unknown) == answer_of(sent)
    assert recipients() == [world.a.client.email] * PER_ADDRESS + [world.a.admin.email]


def test_the_same_address_on_another_cabinet_has_its_own_count(
    world, django_capture_on_commit_callbacks
):
    ClientFactory(cabinet=world.b.cabinet, email=world.a.client.email, companies=[world.b.company])

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(PER_ADDRESS + 2):
            ask(world.a.cabinet, world.a.client.email)
        ask(world.b.cabinet, world.a.client.email)

    assert len(mail.outbox) == PER_ADDRESS + 1
    assert "Cabinet Beta" in mail.outbox[-1].subject


def test_one_ip_asking_for_many_addresses_is_served_twenty_times_an_hour(
    world, django_capture_on_commit_callbacks
):
    clients = [
        ClientFactory(cabinet=world.a.cabinet, email=f"client{n}@alpha.fr", companies=[])
        for n in range(PER_IP + 5)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(world.a.cabinet, client.email, ip="192.0.2.66") for client in clients]
        elsewhere = ask(world.a.cabinet, world.a.admin.email, ip="192.0.2.67")

    assert recipients() == [client.email for client in clients[:PER_IP]] + [world.a.admin.email]
    assert len({answer_of(answer) for answer in [*answers, elsewhere]}) == 1


def test_unknown_addresses_use_up_the_ips_allowance_too(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(PER_IP):
            ask(world.a.cabinet, f"inconnu{n}@alpha.fr", ip="192.0.2.99")
        ask(world.a.cabinet, world.a.client.email, ip="192.0.2.99")

    assert mail.outbox == []


def test_the_limits_come_from_the_settings_and_zero_lifts_them(
    world, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR = 0
    settings.PASSWORD_RESET_PER_IP_PER_HOUR = 1

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            ask(world.a.cabinet, world.a.client.email, ip="192.0.2.10")
        for n in range(5):
            ask(world.a.cabinet, world.a.client.email, ip=f"192.0.2.{20 + n}")

    assert recipients() == [world.a.client.email] * 6


def test_the_reset_email_leaves_through_the_task_after_the_answer(
    world, django_capture_on_commit_callbacks
):
    with mock.patch.object(send_account_email, "delay", wraps=send_account_email.delay) as delay:
        with django_capture_on_commit_callbacks(execute=False) as on_commit:
            answer = ask(world.a.cabinet, world.a.client.email)

        # Answered: nothing sent, nothing handed to Celery until the transaction commits.
        assert RESET_SENT in text_of(answer)
        assert mail.outbox == []
        delay.assert_not_called()
        [commit] = on_commit
        commit()

    delay.assert_called_once_with(world.a.client.pk, "password_reset", None)
    assert recipients() == [world.a.client.email]


def test_a_client_held_back_does_not_spend_an_addresss_allowance(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(PER_IP):
            ask(world.a.cabinet, f"inconnu{n}@alpha.fr", ip="192.0.2.50")
        for _ in range(10):
            ask(world.a.cabinet, world.a.client.email, ip="192.0.2.50")
        ask(world.a.cabinet, world.a.client.email, ip="192.0.2.51")

    assert recipients() == [world.a.client.email]
