"""Emails as each ESP's webhook hands them over (Mailgun, Postmark, Amazon SES), posted to the
platform's host with the webhook's credentials. Shared by the GED's inbound webhook tests."""

import base64
import hashlib
import hmac
import json
from email.message import EmailMessage

import pytest
from django.test import Client

from ged.services.inbound_addresses import inbound_address_email, inbound_addresses_ensure
from tests.conftest import basic
from tests.helpers.documents import PDF, PNG
from tests.helpers.inbound import authentication_results

DOMAIN = "depot.welyb.fr"
SECRET = "user:pass"
SIGNING_KEY = "key-mailgun-webhook-signing-key"
MAILGUN = "/anymail/mailgun/inbound/"
POSTMARK = "/anymail/postmark/inbound/"
SES = "/anymail/amazon_ses/inbound/"
PLATFORM_HOST = "localhost"
CABINET_HOST = "alpha.localhost"
TIMESTAMP = "1767601800"
# Mailgun's random 50-character token, which anymail takes as the event id.
MAILGUN_EVENT = "c47468e4d6a6c8ea3f7d13f8a1b0a9e2f2b6e1c0a9d8e7f6a5"
UNREADABLE = "Email illisible"


@pytest.fixture(autouse=True)
def webhooks(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def achats_address(company) -> str:
    [achats] = [a for a in inbound_addresses_ensure(company=company) if a.target == "achats"]
    return inbound_address_email(achats)


def raw_email(
    to: str,
    sender: str,
    *,
    message_id: str = "<facture-0105@exemple.fr>",
    pdf: bytes = PDF,
    shown_to: str | None = None,
    verdict: str | None = "pass",
) -> bytes:
    """What the client's mail program sends: a body, a signature logo, an invoice. `shown_to`:
    the To header when the deposit address was in Bcc."""
    message = EmailMessage()
    if verdict is not None:
        message["Authentication-Results"] = authentication_results(sender, dmarc=verdict)
    message["From"] = f"Marie Client <{sender}>"
    message["To"] = shown_to or to
    message["Subject"] = "Facture farine janvier"
    message["Date"] = "Mon, 05 Jan 2026 09:30:00 +0100"
    message["Message-ID"] = message_id
    message.set_content("Bonjour,\n\nCi-joint la facture.\n\nMarie")
    message.add_related(
        PNG, "image", "png", cid="<logo@exemple.fr>", filename="logo.png", disposition="inline"
    )
    message.add_attachment(pdf, "application", "pdf", filename="facture-farine.pdf")
    return message.as_bytes()


def mailgun_payload(
    to: str,
    sender: str,
    *,
    token: str = MAILGUN_EVENT,
    body_mime: str | None = None,
    signing_key: str = SIGNING_KEY,
) -> dict:
    """A Mailgun route's forward() with "raw MIME" on: the message in `body-mime`, the envelope
    in `recipient`/`sender`, signed with the webhook signing key."""
    signature = hmac.new(
        signing_key.encode(), f"{TIMESTAMP}{token}".encode(), hashlib.sha256
    ).hexdigest()
    return {
        "recipient": to,
        "sender": sender,
        "from": f"Marie Client <{sender}>",
        "subject": "Facture farine janvier",
        "body-mime": raw_email(to, sender).decode() if body_mime is None else body_mime,
        "timestamp": TIMESTAMP,
        "token": token,
        "signature": signature,
    }


def postmark_payload(
    to: str,
    sender: str,
    *,
    message_id: str = "73e6d360-66eb-11e1-8e72-a8904824019b",
    spf: str | None = "Pass",
) -> dict:
    """Postmark's inbound webhook JSON, as documented, with its attachments in base64; `spf`:
    the verdict of the Received-SPF header Postmark writes on top (None: no such header)."""
    return {
        "FromName": "Marie Client",
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "Marie Client", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": "Facture farine janvier",
        "MessageID": message_id,
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Mon, 5 Jan 2026 09:30:00 +0100",
        "TextBody": "Bonjour,\n\nCi-joint la facture.\n\nMarie",
        "HtmlBody": '<p>Ci-joint la facture.</p><img src="cid:logo@exemple.fr">',
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{sender}>"},
            *(
                [
                    {
                        "Name": "Received-SPF",
                        "Value": f"{spf} (sender SPF authorized) identity=mailfrom; "
                        f"client-ip=203.0.113.7; helo=mail.exemple.fr; envelope-from={sender}; "
                        f"receiver={to}",
                    }
                ]
                if spf
                else []
            ),
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "MIME-Version", "Value": "1.0"},
            {"Name": "Message-ID", "Value": "<facture-0105@exemple.fr>"},
        ],
        "Attachments": [
            {
                "Name": "logo.png",
                "Content": base64.b64encode(PNG).decode(),
                "ContentType": "image/png",
                "ContentLength": len(PNG),
                "ContentID": "logo@exemple.fr",
            },
            {
                "Name": "facture-farine.pdf",
                "Content": base64.b64encode(PDF).decode(),
                "ContentType": "application/pdf",
                "ContentLength": len(PDF),
            },
        ],
    }


def post(esp: str, payload, *, host: str = PLATFORM_HOST, credentials: str | None = SECRET):
    """The email service's call: Mailgun posts a form, Postmark JSON (or whatever it holds)."""
    headers = {"HTTP_AUTHORIZATION": basic(credentials)} if credentials else {}
    client = Client(HTTP_HOST=host)
    if esp == "mailgun":
        return client.post(MAILGUN, data=payload, **headers)
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(POSTMARK, data=body, content_type="application/json", **headers)


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
