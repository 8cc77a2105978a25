"""Verdicts as the email service's receiving servers write them: the tests' platform trusts
the Authentication-Results of `mx.depot.test` (tests/conftest.py), as a real one trusts those
of its inbound MX."""

import email.utils
from email.message import EmailMessage

from tests.helpers.documents import PDF

TRUSTED_AUTHSERV_ID = "mx.depot.test"


def authentication_results(
    sender: str, *, dmarc: str = "pass", authserv_id: str = TRUSTED_AUTHSERV_ID
) -> str:
    """The value of an Authentication-Results header giving DMARC's verdict on the sender's
    domain."""
    domain = sender.rpartition("@")[2].strip(">")
    return f"{authserv_id}; dmarc={dmarc} header.from={domain}"


CONTENT_TYPES = {
    "pdf": ("application", "pdf"),
    "png": ("image", "png"),
    "csv": ("text", "csv"),
}


def some_pdf(label: str, size: int | None = None) -> bytes:
    """A PDF of its own (its bytes differ from every other label's), padded to `size`."""
    content = PDF + f"% {label}\n".encode()
    return content + b"0" * (size - len(content)) if size else content


def _part_type(name: str) -> tuple[str, str]:
    return CONTENT_TYPES.get(name.rpartition(".")[2].lower(), ("application", "octet-stream"))


def build(
    to: str,
    *,
    sender: str,
    subject: str = "Factures de janvier",
    files: list[tuple[str, bytes]] | None = None,
    inline: list[tuple[str, bytes]] = (),
    message_id: str | None = "",
    verdict: str | None = "pass",
) -> bytes:
    """An email as a mail client writes it: a text body, images embedded in it (`inline`,
    signatures and logos), and attachments (`files`, a PDF by default). `message_id`: "" for a
    fresh one, None for none. `verdict`: DMARC's, as the receiving server records it (None: no
    verdict at all)."""
    message = EmailMessage()
    if verdict is not None:
        message["Authentication-Results"] = authentication_results(sender, dmarc=verdict)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 05 Jan 2026 09:30:00 +0100"
    if message_id is not None:
        message["Message-ID"] = message_id or email.utils.make_msgid(domain="exemple.fr")
    message.set_content("Bonjour,\n\nVeuillez trouver ci-joint mes pièces.\n")
    for name, content in inline:
        maintype, subtype = _part_type(name)
        message.add_related(
            content,
            maintype,
            subtype,
            cid=email.utils.make_msgid(domain="exemple.fr"),
            filename=name,
            disposition="inline",
        )
    for name, content in [("facture.pdf", PDF)] if files is None else files:
        maintype, subtype = _part_type(name)
        message.add_attachment(content, maintype, subtype, filename=name)
    return message.as_bytes()
