"""The email services' verdicts on a sender, through their real webhooks: Postmark's
Received-SPF, Mailgun's own fields, Amazon SES's receipt (an SNS notification), each passing,
failing or missing. A sender the verdicts authenticate files; any other one is held."""

import pytest

from ged.models import Document, InboundEmail, InboundStatus
from tests.ged.webhook_helpers import (
    SECRET,
    achats_address,
    mailgun_payload,
    post,
    post_ses,
    postmark_payload,
    raw_email,
    ses_notification,
)

pytestmark = pytest.mark.django_db

DOMAIN = "depot.welyb.fr"


@pytest.fixture(autouse=True)
def webhooks(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"}


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    def deliver(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return deliver


def outcome() -> tuple[str, bool, str]:
    record = InboundEmail.objects.get()
    return record.status, Document.objects.exists(), record.authentication.get("method", "")


FILED = (InboundStatus.DEPOSITED, True)
HELD = (InboundStatus.HELD, False)


@pytest.mark.parametrize(
    ("spf", "expected", "method"),
    [("Pass", FILED, "spf"), ("Fail", HELD, ""), ("SoftFail", HELD, ""), (None, HELD, "")],
    ids=["pass", "fail", "softfail", "missing"],
)
def test_postmark_received_spf(world, deliver, spf, expected, method):
    alpha = world.a
    payload = postmark_payload(achats_address(alpha.company), alpha.client.email, spf=spf)

    response = deliver(post, "postmark", payload)

    assert response.status_code == 200
    assert outcome() == (*expected, method)


@pytest.mark.parametrize(
    ("fields", "expected", "method"),
    [
        ({"X-Mailgun-Spf": "Pass"}, FILED, "spf"),
        ({"X-Mailgun-Spf": "Fail", "X-Mailgun-Dkim-Check-Result": "Fail"}, HELD, ""),
        ({}, HELD, ""),
    ],
    ids=["pass", "fail", "missing"],
)
def test_mailgun_verdicts(world, deliver, fields, expected, method):
    alpha = world.a
    to = achats_address(alpha.company)
    payload = mailgun_payload(
        to,
        alpha.client.email,
        body_mime=raw_email(to, alpha.client.email, verdict=None).decode(),
        signing_key="key-mailgun",
    )
    payload.update(fields)

    response = deliver(post, "mailgun", payload)

    assert response.status_code == 200
    assert outcome() == (*expected, method)


@pytest.mark.parametrize(
    ("verdicts", "expected", "method"),
    [
        ({"spfVerdict": "PASS", "dkimVerdict": "PASS", "dmarcVerdict": "PASS"}, FILED, "dmarc"),
        ({"spfVerdict": "PASS", "dmarcVerdict": "GRAY"}, FILED, "spf"),
        ({"spfVerdict": "FAIL", "dkimVerdict": "FAIL", "dmarcVerdict": "FAIL"}, HELD, ""),
        ({}, HELD, ""),
    ],
    ids=["pass", "spf_only", "fail", "missing"],
)
def test_amazon_ses_receipt(world, deliver, verdicts, expected, method):
    alpha = world.a
    notification, message_id = ses_notification(
        achats_address(alpha.company), alpha.client.email, **verdicts
    )

    response = deliver(post_ses, notification, message_id)

    assert response.status_code == 200
    assert outcome() == (*expected, method)
    assert InboundEmail.objects.get().esp == "Amazon SES"
