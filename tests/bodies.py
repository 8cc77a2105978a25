"""What the request-body tests share: a body nobody may read, multipart bodies built by hand,
and the temporary upload files a request wrote."""

import os
import uuid

from django.core.files.uploadedfile import TemporaryUploadedFile

MEBIBYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 2_621_440  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE


class UnreadBody:
    """A request body whose Content-Length says what it likes and whose first byte read fails
    the test: what is refused from its length must be refused unread."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def unread(length: int, content_type: str = "application/json") -> dict:
    """The test client's extra arguments for a body of `length` bytes that nobody reads."""
    return {"CONTENT_LENGTH": str(length), "CONTENT_TYPE": content_type, "wsgi.input": UnreadBody()}


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser builds it: (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for name, value in fields.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + content
        + b"\r\n"
        for name, (file_name, content) in files.items()
    ]
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Spool:
    """The temporary upload files written during a test, each with the most bytes it held."""

    def __init__(self):
        self.files: list[TemporaryUploadedFile] = []

    @property
    def sizes(self) -> list[int]:
        return [getattr(file, "bytes_on_disk", None) or _size_now(file) for file in self.files]

    @property
    def largest(self) -> int:
        return max(self.sizes, default=0)


def _size_now(file) -> int:
    try:
        return os.path.getsize(file.temporary_file_path())
    except FileNotFoundError:
        return 0


def watch_spool(monkeypatch) -> Spool:
    """Watches Django's temporary upload files: those created, and their size as they close
    (a temporary upload deletes its file as it closes)."""
    watched = Spool()
    create, close = TemporaryUploadedFile.__init__, TemporaryUploadedFile.close

    def creating(self, *args, **kwargs):
        create(self, *args, **kwargs)
        watched.files.append(self)

    def closing(self):
        if not self.closed:
            self.bytes_on_disk = _size_now(self)
        return close(self)

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", creating)
    monkeypatch.setattr(TemporaryUploadedFile, "close", closing)
    return watched
