"""Account emails leave through the real chain: the commit, Redis, a Celery worker process and
an SMTP server; the link they carry works on the cabinet's host."""

import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.conftest import api, host_of
from welyb_portal.tenancy.models import Membership, User
from welyb_portal.tenancy.services.users import client_invite

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Tournesol-Bilan-Exercice-2026"
SEND_ACCOUNT_EMAIL = "welyb_portal.tenancy.tasks.send_account_email"


def test_invitation_created_through_the_api_reaches_the_client_by_smtp_via_the_worker(
    world, smtp_sink, celery_worker, celery_published
):
    alpha = world.a
    response = api(alpha.collaborator).post(
        f"/api/v1/companies/{alpha.company.pk}/clients/",
        {"email": "nouveau@client.fr"},
        format="json",
    )
    assert response.status_code == 201, response.content

    # Ids, not objects, crossed the broker, to the worker's queue.
    new_client = User.objects.get(cabinet=alpha.cabinet, email="nouveau@client.fr")
    assert [(task.name, task.args, task.routing_key) for task in celery_published] == [
        (SEND_ACCOUNT_EMAIL, (new_client.pk, "invitation", alpha.company.pk), celery_worker.queue)
    ]

    (email,) = smtp_sink.wait_for(1)
    assert email.rcpt_tos == ("nouveau@client.fr",)
    assert email.mail_from == settings.DEFAULT_FROM_EMAIL
    (sender,) = email.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Cabinet Alpha", settings.DEFAULT_FROM_EMAIL)
    assert email.message["To"] == "nouveau@client.fr"
    assert "Cabinet Alpha" in email.subject
    link = re.search(r"http://alpha\.localhost(/mot-de-passe/[\w-]+/[\w-]+/)", email.text)
    assert link, email.text
    assert link.group(0) in email.html

    # The client follows the link on the cabinet's host and chooses a password.
    browser = Client(HTTP_HOST=host_of(alpha.cabinet))
    form_page = browser.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    assert "new_password1" in form_page.text, "the link was refused"
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    done = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302, done.text
    new_client.refresh_from_db()
    assert new_client.check_password(NEW_PASSWORD)

    login = Client(HTTP_HOST=host_of(alpha.cabinet)).post(
        "/connexion/", {"username": "nouveau@client.fr", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert login.wsgi_request.user == new_client


class ChangedMind(Exception):
    pass


def _invite_then_roll_back(*, company, email, by):
    with transaction.atomic():
        client_invite(company=company, email=email, by=by)
        raise ChangedMind


# A new address would get an invitation; a client of the cabinet who already has an account
# would get an "access" email about the other company (the worker would find that account).
@pytest.mark.parametrize("invited", ["a new address", "a client of the cabinet"])
def test_invitation_whose_transaction_rolls_back_sends_nothing(
    invited, world, smtp_sink, celery_worker, celery_published, mailoutbox
):
    alpha = world.a
    email = "annule@client.fr" if invited == "a new address" else alpha.client.email
    with pytest.raises(ChangedMind):
        _invite_then_roll_back(company=alpha.other_company, email=email, by=alpha.admin)
    assert not Membership.objects.filter(company=alpha.other_company, user__email=email).exists()

    assert celery_published == []
    smtp_sink.assert_nothing_more(within=2)
    assert mailoutbox == []

    # The worker was alive all along: the next invitation, committed, arrives alone.
    client_invite(company=alpha.other_company, email="confirme@client.fr", by=alpha.admin)
    (received,) = smtp_sink.wait_for(1)
    assert received.rcpt_tos == ("confirme@client.fr",)
