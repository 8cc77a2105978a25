"""The email that carries one document to a partner's collection address, built for the
deposit-to-partner path: a file is encoded once, and the message is written without a search
and without going through it line by line.

Django's own `attach(name, bytes, type)` would store the bytes, decode them to text, encode them
again for base64 and decode once more; and Python's generator, given a multipart message
without a boundary, picks one by searching the whole encoded message for it, then writes each
part's text a line at a time (some 1,400 lines for a 100 KB file) to turn its line endings into
CRLF. Here the part is encoded once (base64 by the C encoder), the boundary is chosen up front,
random, and a text without CR is written in one piece, its line endings replaced at once."""

import base64
import secrets
from email.generator import BytesGenerator
from email.mime.base import MIMEBase
from io import BytesIO

from django.core.mail import EmailMessage
from django.core.mail.message import SafeMIMEMultipart


def _text_charset(content: bytes) -> str:
    for charset in ("utf-8", "windows-1252"):
        try:
            content.decode(charset)
        except UnicodeDecodeError:
            continue
        return charset
    return "latin-1"


def attachment_part(name: str, content: bytes, content_type: str) -> MIMEBase:
    """The file exactly as deposited, in base64, under its name and type. A text file (.txt,
    .csv) is labelled with its charset and still sent in base64: decoded, a Windows-1252 CSV
    would lose its type and any text file its line endings over SMTP; anymail decodes it with
    the charset named."""
    maintype, subtype = content_type.split("/", 1)
    part = (
        MIMEBase(maintype, subtype, charset=_text_charset(content))
        if maintype == "text"
        else MIMEBase(maintype, subtype)
    )
    part.set_payload(base64.encodebytes(content).decode("ascii"))
    part["Content-Transfer-Encoding"] = "base64"
    filename = name if name.isascii() else ("utf-8", "", name)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def mime_boundary() -> str:
    """A multipart boundary that cannot occur in the parts: "=_" never appears in base64 or
    quoted-printable text, and 128 random bits make it unguessable for a text part."""
    return f"=_{secrets.token_hex(16)}"


class _WholeTextGenerator(BytesGenerator):
    """Python's bytes generator, writing a text without CR in one piece: the same bytes as its
    line-by-line loop (which splits on CRLF, CR and LF and writes each line and the line
    separator), in one call instead of two per line."""

    def _write_lines(self, lines):
        if "\r" in lines:
            super()._write_lines(lines)  # type: ignore[misc]  # private, untyped in typeshed
        elif lines:
            separator = self._NL  # type: ignore[attr-defined]
            self.write(lines if separator == "\n" else lines.replace("\n", separator))


class _DocumentMIMEMultipart(SafeMIMEMultipart):
    def as_bytes(self, unixfrom=False, linesep="\n"):
        # As Django's SafeMIMEMultipart.as_bytes, with the generator above (its clones write
        # the parts).
        out = BytesIO()
        _WholeTextGenerator(out, mangle_from_=False).flatten(
            self, unixfrom=unixfrom, linesep=linesep
        )
        return out.getvalue()


class DocumentEmailMessage(EmailMessage):
    """Django's EmailMessage, whose MIME form has its boundary chosen before it is written, and
    is written without a loop over the lines of its attachment."""

    def message(self):
        message = super().message()
        if isinstance(message, SafeMIMEMultipart):
            # The same object, written by the generator above (only as_bytes differs).
            message.__class__ = _DocumentMIMEMultipart
        if message.is_multipart() and message.get_boundary() is None:
            message.set_boundary(mime_boundary())
        return message
