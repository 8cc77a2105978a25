"""The email that carries a document is written as Python's own generator would write it, byte
for byte, only without a loop over the lines of its attachment."""

import io
from email import message_from_bytes, policy
from email.generator import BytesGenerator

import pytest

from partner_apps.document_emails import DocumentEmailMessage, attachment_part
from tests.helpers.documents import PDF


def written_by_python(message) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False).flatten(message, linesep="\r\n")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("facture.pdf", PDF * 900, "application/pdf"),
        ("relevé été.csv", "date;libellé\r\n01/02;Café\r\n".encode("cp1252"), "text/csv"),
    ],
    ids=["pdf", "csv_with_crlf"],
)
def test_the_email_is_written_as_pythons_generator_writes_it(name, content, content_type):
    email = DocumentEmailMessage(
        subject="Entreprise Alpha – facture.pdf",
        body="Document de l'entreprise.\nDéposé par le client.\n",
        from_email="no-reply@welyb.fr",
        to=["achat.alpha@inqombox.com"],
    )
    email.attach(attachment_part(name, content, content_type))
    message = email.message()

    written = message.as_bytes(linesep="\r\n")

    assert written == written_by_python(message)
    assert b"\r\n" in written
    assert b"\n" not in written.replace(b"\r\n", b"")
    [part] = message_from_bytes(written, policy=policy.default).iter_attachments()
    assert (part.get_filename(), part.get_payload(decode=True)) == (name, content)
