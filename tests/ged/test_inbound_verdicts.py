"""Whether an email's `From` is its sender, as the email service's verdicts prove it: DMARC for
the `From` domain, a DKIM signature of that domain, or SPF for an envelope sender of that
domain; read only where the service wrote them, never where the sender could have."""

from email.message import EmailMessage

import pytest
from anymail.inbound import AnymailInboundMessage
from django.test import RequestFactory

from ged.inbound_verdicts import aligned, sender_check
from tests.helpers.inbound import TRUSTED_AUTHSERV_ID

SENDER = "marie@boulangerie-martin.fr"


def message(*headers: tuple[str, str], sender: str = SENDER, envelope: str | None = None):
    """An email as anymail hands it over: `headers` first, in that order (the topmost first)."""
    built = EmailMessage()
    for name, value in headers:
        built[name] = value
    built["From"] = f"Marie <{sender}>"
    built["To"] = "achats-x@depot.welyb.fr"
    built["Subject"] = "Facture"
    built.set_content("Ci-joint.")
    parsed = AnymailInboundMessage.parse_raw_mime_bytes(built.as_bytes())
    parsed.envelope_sender = envelope
    return parsed


def results(value: str, authserv_id: str = TRUSTED_AUTHSERV_ID) -> tuple[str, str]:
    return ("Authentication-Results", f"{authserv_id}; {value}")


def check(email, *, esp: str = "Postmark", esp_event=None):
    return sender_check(
        message=email,
        esp=esp,
        esp_event=esp_event,
        envelope_sender=email.envelope_sender or "",
    )


# --- Authentication-Results --------------------------------------------------------------------


def test_dmarc_passed_for_the_from_domain_authenticates_the_sender():
    verdict = check(message(results("dmarc=pass header.from=boulangerie-martin.fr")))

    assert (verdict.authenticated, verdict.method) == (True, "dmarc")
    assert verdict.summary == "Expéditeur vérifié (DMARC pour boulangerie-martin.fr)."
    assert (verdict.dmarc, verdict.dkim, verdict.spf) == ("pass", "none", "none")


def test_a_dkim_signature_of_the_from_domain_or_of_its_parent_authenticates():
    own = check(message(results("dkim=pass header.d=boulangerie-martin.fr header.s=s1")))
    parent = check(
        message(
            results("dkim=pass header.i=@boulangerie-martin.fr"),
            sender="m@mail.boulangerie-martin.fr",
        )
    )

    assert (own.authenticated, own.method) == (True, "dkim")
    assert (parent.authenticated, parent.method) == (True, "dkim")


def test_spf_passed_for_an_envelope_sender_of_the_from_domain_authenticates():
    verdict = check(message(results("spf=pass smtp.mailfrom=bounces@boulangerie-martin.fr")))

    assert (verdict.authenticated, verdict.method) == (True, "spf")


def test_a_pass_for_another_domain_proves_nothing_and_says_so():
    verdict = check(
        message(
            results("dkim=pass header.d=mailer.example; spf=pass smtp.mailfrom=b@mailer.example")
        )
    )

    assert not verdict.authenticated
    assert verdict.summary == (
        "Rien ne prouve que cet email vient bien de marie@boulangerie-martin.fr : DMARC absent, "
        "DKIM réussi, mais pour un autre domaine (mailer.example), SPF réussi, mais pour un "
        "autre domaine (mailer.example)."
    )


def test_failures_are_said_in_french():
    verdict = check(
        message(
            results(
                "dmarc=fail header.from=boulangerie-martin.fr; dkim=fail "
                "header.d=boulangerie-martin.fr; spf=softfail smtp.mailfrom=x@boulangerie-martin.fr"
            )
        )
    )

    assert not verdict.authenticated
    assert verdict.summary.endswith(": DMARC échoué, DKIM échoué, SPF échoué (souple).")
    assert (verdict.dmarc, verdict.dkim, verdict.spf) == ("fail", "fail", "softfail")


def test_the_results_the_sender_wrote_under_another_name_are_ignored():
    forged = check(
        message(results("dmarc=pass header.from=boulangerie-martin.fr", "mx.evil.example"))
    )

    assert not forged.authenticated
    assert forged.dmarc == "none"


def test_only_the_topmost_results_of_a_trusted_server_count():
    # The receiving server writes its own on top; the one below came with the email.
    verdict = check(
        message(
            results("dmarc=fail header.from=boulangerie-martin.fr"),
            results("dmarc=pass header.from=boulangerie-martin.fr"),
        )
    )

    assert not verdict.authenticated
    assert verdict.dmarc == "fail"


def test_a_header_authres_cannot_read_is_no_verdict():
    verdict = check(message(("Authentication-Results", f"{TRUSTED_AUTHSERV_ID}; dmarc=")))

    assert not verdict.authenticated
    assert verdict.dmarc == "none"


# --- Received-SPF --------------------------------------------------------------------------------


def received_spf(result: str, envelope: str) -> tuple[str, str]:
    return (
        "Received-SPF",
        f"{result} (sender SPF authorized) identity=mailfrom; client-ip=203.0.113.7; "
        f"envelope-from={envelope}; receiver=achats@depot.welyb.fr",
    )


def test_postmarks_received_spf_on_top_authenticates_an_aligned_envelope_sender():
    verdict = check(message(received_spf("Pass", SENDER), envelope=SENDER))

    assert (verdict.authenticated, verdict.method) == (True, "spf")


def test_a_received_spf_below_postmarks_own_is_the_senders_and_ignored():
    verdict = check(
        message(received_spf("Fail", SENDER), received_spf("Pass", SENDER), envelope=SENDER)
    )

    assert not verdict.authenticated
    assert verdict.spf == "fail"


def test_received_spf_is_not_read_for_a_service_that_does_not_write_it():
    verdict = check(message(received_spf("Pass", SENDER), envelope=SENDER), esp="Mailgun")

    assert not verdict.authenticated
    assert verdict.spf == "none"


# --- The services' own fields --------------------------------------------------------------------


def mailgun_event(**fields):
    """The Django request anymail hands over as Mailgun's event: its form fields."""
    return RequestFactory().post("/anymail/mailgun/inbound/", fields)


DKIM_SIGNATURE = (
    "DKIM-Signature",
    "v=1; a=rsa-sha256; c=relaxed/relaxed; d=boulangerie-martin.fr; s=s1; h=from:to; bh=x; b=y",
)


@pytest.mark.parametrize(
    ("fields", "headers", "method"),
    [
        ({"X-Mailgun-Spf": "Pass"}, (), "spf"),
        ({"X-Mailgun-Dkim-Check-Result": "Pass"}, (DKIM_SIGNATURE,), "dkim"),
        ({"X-Mailgun-Spf": "Fail", "X-Mailgun-Dkim-Check-Result": "Fail"}, (DKIM_SIGNATURE,), ""),
        # DKIM passed, but the signature is another domain's.
        (
            {"X-Mailgun-Dkim-Check-Result": "Pass"},
            (("DKIM-Signature", "v=1; d=mailer.example; s=s1; bh=x; b=y"),),
            "",
        ),
        ({}, (), ""),
    ],
    ids=["spf_pass", "dkim_pass", "both_fail", "dkim_other_domain", "missing"],
)
def test_mailguns_verdicts(fields, headers, method):
    email = message(*headers, envelope=SENDER)

    verdict = check(email, esp="Mailgun", esp_event=mailgun_event(**fields))

    assert (verdict.authenticated, verdict.method) == (bool(method), method)


def ses_event(**verdicts):
    return {
        "mail": {"source": SENDER},
        "receipt": {name: {"status": status} for name, status in verdicts.items()},
    }


@pytest.mark.parametrize(
    ("verdicts", "method"),
    [
        ({"dmarcVerdict": "PASS", "dkimVerdict": "PASS", "spfVerdict": "PASS"}, "dmarc"),
        ({"dmarcVerdict": "FAIL", "dkimVerdict": "PASS", "spfVerdict": "FAIL"}, "dkim"),
        ({"dmarcVerdict": "GRAY", "spfVerdict": "PASS"}, "spf"),
        ({"dmarcVerdict": "FAIL", "dkimVerdict": "FAIL", "spfVerdict": "FAIL"}, ""),
        ({}, ""),
    ],
    ids=["all_pass", "dkim_only", "spf_only", "all_fail", "missing"],
)
def test_amazon_ses_receipt_verdicts(verdicts, method):
    verdict = check(message(DKIM_SIGNATURE), esp="Amazon SES", esp_event=ses_event(**verdicts))

    assert (verdict.authenticated, verdict.method) == (bool(method), method)


def test_amazon_ses_own_authentication_results_are_trusted_for_ses_only():
    header = results("dmarc=pass header.from=boulangerie-martin.fr", "amazonses.com")

    assert check(message(header), esp="Amazon SES", esp_event={}).authenticated
    assert not check(message(header), esp="Postmark").authenticated


@pytest.mark.parametrize(
    ("domain", "from_domain", "expected"),
    [
        ("exemple.fr", "exemple.fr", True),
        ("mail.exemple.fr", "exemple.fr", True),
        ("exemple.fr", "factures.exemple.fr", True),
        ("autre.fr", "exemple.fr", False),
        ("xexemple.fr", "exemple.fr", False),
        ("", "exemple.fr", False),
    ],
)
def test_alignment_is_relaxed_but_never_a_lookalike(domain, from_domain, expected):
    assert aligned(domain, from_domain) is expected
