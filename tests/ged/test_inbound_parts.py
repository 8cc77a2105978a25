"""An email of thousands of parts is refused before anything builds it: counted in the email
service's payload (Postmark's JSON, Mailgun's raw MIME, Amazon SES's notification), recorded as
refused, answered 200, in linear time."""

import base64
import json
import time

import pytest
from django.test import Client

from ged.models import Document, InboundEmail, InboundStatus
from tests.conftest import basic
from tests.ged.webhook_helpers import (
    PLATFORM_HOST,
    SECRET,
    achats_address,
    mailgun_payload,
    post,
    post_ses,
    postmark_payload,
    ses_notification,
)

pytestmark = pytest.mark.django_db

PARTS = 16_000
# Generous: the count is a pass over a few megabytes, where building the message took 9 s.
CPU_SECONDS = 1.0
DOMAIN = "depot.welyb.fr"


@pytest.fixture(autouse=True)
def webhooks(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_MAX_PARTS = 200
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"}


def many_parts_mime(to: str, sender: str, parts: int) -> str:
    """A raw email of `parts` tiny inline images."""
    boundary = "=_frontiere"
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Beaucoup de parties\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
    )
    part = (
        f"--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        'Content-Disposition: inline; filename="p.png"\r\n\r\neA==\r\n'
    )
    return head + part * parts + f"--{boundary}--\r\n"


def timed(call):
    started = time.process_time()
    response = call()
    return response, time.process_time() - started


def assert_refused_unread(response, seconds: float) -> None:
    assert response.status_code == 200
    record = InboundEmail.objects.get()
    assert record.status == InboundStatus.REFUSED
    assert record.reason.startswith("Email non lu : il compte ")
    assert record.reason.endswith("parties, 200 au plus (pièces jointes, images et textes).")
    assert not Document.objects.exists()
    assert seconds < CPU_SECONDS, f"{seconds:.2f} s of CPU"


def test_postmark(world):
    to = achats_address(world.a.company)
    payload = postmark_payload(to, world.a.client.email)
    payload["Attachments"] = [
        {"Name": f"p{n}.png", "Content": "eA==", "ContentType": "image/png", "ContentID": f"{n}"}
        for n in range(PARTS)
    ]

    response, seconds = timed(lambda: post("postmark", payload))

    assert_refused_unread(response, seconds)
    record = InboundEmail.objects.get()
    assert (record.company, record.sender) == (world.a.company, world.a.client.email)


def test_mailgun(world):
    to = achats_address(world.a.company)
    payload = mailgun_payload(
        to,
        world.a.client.email,
        body_mime=many_parts_mime(to, world.a.client.email, PARTS),
        signing_key="key-mailgun",
    )

    response, seconds = timed(lambda: post("mailgun", payload))

    assert_refused_unread(response, seconds)


def test_amazon_ses(world):
    to = achats_address(world.a.company)
    notification, message_id = ses_notification(to, world.a.client.email)
    event = json.loads(notification["Message"])
    event["content"] = base64.b64encode(
        many_parts_mime(to, world.a.client.email, PARTS).encode()
    ).decode()
    notification["Message"] = json.dumps(event)

    response, seconds = timed(lambda: post_ses(notification, message_id))

    assert_refused_unread(response, seconds)


def test_the_same_event_again_is_recorded_once(world):
    to = achats_address(world.a.company)
    payload = postmark_payload(to, world.a.client.email)
    payload["Attachments"] = payload["Attachments"] * 200

    post("postmark", payload)
    post("postmark", payload)

    assert InboundEmail.objects.count() == 1


def test_an_email_within_the_count_is_read_as_usual(world):
    to = achats_address(world.a.company)

    response = post("postmark", postmark_payload(to, world.a.client.email))

    assert response.status_code == 200
    assert InboundEmail.objects.get().status == InboundStatus.DEPOSITED


def test_a_call_without_the_credentials_records_nothing(world):
    to = achats_address(world.a.company)
    payload = postmark_payload(to, world.a.client.email)
    payload["Attachments"] = payload["Attachments"] * 500

    response = Client(HTTP_HOST=PLATFORM_HOST).post(
        "/anymail/postmark/inbound/",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic("intrus:pass"),
    )

    assert response.status_code in (400, 401, 403)
    assert not InboundEmail.objects.exists()
