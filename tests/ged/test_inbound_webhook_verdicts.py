"""The email services' verdicts on a sender, through their real webhooks: Postmark's
Received-SPF, Mailgun's own fields, Amazon SES's receipt (an SNS notification), each passing,
failing or missing. A sender the verdicts authenticate files; any other one is held."""

import base64
import json

import pytest
from django.test import Client

from ged.models import Document, InboundEmail, InboundStatus
from tests.conftest import basic
from tests.ged.test_inbound_webhooks import (
    PLATFORM_HOST,
    SECRET,
    achats_address,
    mailgun_payload,
    post,
    postmark_payload,
    raw_email,
)

pytestmark = pytest.mark.django_db

SES = "/anymail/amazon_ses/inbound/"
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


def ses_notification(to: str, sender: str, **verdicts: str) -> tuple[dict, str]:
    """An SNS notification of Amazon SES receiving an email (its content in base64), as
    documented: the receipt carries SES's SPF, DKIM and DMARC verdicts."""
    ses_event = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-01-05T08:30:00.000Z",
            "source": sender,
            "messageId": "o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g1x",
            "destination": [to],
        },
        "receipt": {
            "timestamp": "2026-01-05T08:30:00.000Z",
            "recipients": [to],
            **{name: {"status": status} for name, status in verdicts.items()},
            "action": {
                "type": "SNS",
                "topicArn": "arn:aws:sns:eu-west-1:1:depot",
                "encoding": "BASE64",
            },
        },
        "content": base64.b64encode(raw_email(to, sender, verdict=None)).decode(),
    }
    message_id = "d0d2b1b8-7f5e-5c4b-9a4f-1d3b2a4c5e6f"
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": "arn:aws:sns:eu-west-1:1:depot",
        "Message": json.dumps(ses_event),
        "Timestamp": "2026-01-05T08:30:01.000Z",
    }, message_id


def post_ses(notification: dict, message_id: str):
    return Client(HTTP_HOST=PLATFORM_HOST).post(
        SES,
        data=json.dumps(notification),
        content_type="text/plain; charset=UTF-8",
        HTTP_AUTHORIZATION=basic(SECRET),
        HTTP_X_AMZ_SNS_MESSAGE_TYPE="Notification",
        HTTP_X_AMZ_SNS_MESSAGE_ID=message_id,
    )


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
