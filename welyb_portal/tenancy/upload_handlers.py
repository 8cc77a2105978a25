"""The portal's one upload handler (FILE_UPLOAD_HANDLERS), and what it tells the views.

A file part of a multipart form reaches the disk only for a signed-in user (a session, or the
API's token once the API's view has checked it), and only up to its route's cap
(request_bodies.py): the chunk that would pass it is not written, the temporary file is deleted
and the rest of the part skipped, and the view finds the file in `upload_refusals(request)`.
Anybody else's file parts are skipped without a byte written: an anonymous form (a login page
with a file part, posted with a CSRF cookie) never spools anything. A route that reads its body
in memory has its whole form parsed here, in memory, fields as large as the body.
"""

import base64
import binascii
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import (
    FIELD,
    FILE,
    ChunkIter,
    LazyStream,
    MultiPartParserError,
    Parser,
)
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import force_str

from .request_bodies import default_max_bytes, request_body_limit


@dataclass(frozen=True)
class UploadRefusal:
    """A file of the form that passed its route's cap: deleted, never given to the view."""

    field_name: str
    file_name: str
    max_bytes: int


def upload_refusals(request) -> list[UploadRefusal]:
    """The files of the request's form refused for their size (a DRF request as well: it
    passes the attribute on from Django's)."""
    return list(getattr(request, "upload_refusals", ()))


class BoundedUploadHandler(TemporaryFileUploadHandler):
    """Temporary files, for signed-in users only, each up to its route's cap (module)."""

    # Django hands every handler its request; new_file names the file before any chunk.
    request: HttpRequest
    field_name: str
    file_name: str
    max_bytes: int

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = request_body_limit(self.request)
        if limit is not None and limit.in_memory:
            return form_in_memory(input_data, boundary, encoding or settings.DEFAULT_CHARSET)
        return None

    def new_file(self, field_name, file_name, *args, **kwargs):
        max_bytes = self._file_max_bytes()
        if max_bytes is None:
            # No file of this request is ever written (the user is the same for all its files):
            # the parser has no earlier file of ours to close when it skips this one.
            raise SkipFile
        self.max_bytes = max_bytes
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.file.close()  # a temporary upload deletes its file as it closes
            refusals = vars(self.request).setdefault("upload_refusals", [])
            refusals.append(UploadRefusal(self.field_name, self.file_name, self.max_bytes))
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)

    def _file_max_bytes(self) -> int | None:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        limit = request_body_limit(self.request)
        return limit.file_max_bytes(self.request) if limit is not None else default_max_bytes()


def form_in_memory(stream, boundary: bytes, encoding: str) -> tuple[QueryDict, MultiValueDict]:
    """A multipart form read whole, in memory: its parts split and their headers read by
    Django's own parser, but without Django's cap on each field (DATA_UPLOAD_MAX_MEMORY_SIZE),
    the route having capped the body as a whole. Fields and files are counted as Django counts
    them (DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES)."""
    post = QueryDict(mutable=True, encoding=encoding)
    files: MultiValueDict[str, UploadedFile] = MultiValueDict()
    max_fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    max_files = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    field_count = file_count = 0
    for item_type, meta, part in Parser(LazyStream(ChunkIter(stream)), boundary):
        data = part.read()
        disposition = meta.get("content-disposition", ("", {}))[1]
        if item_type not in (FIELD, FILE) or "name" not in disposition:
            continue
        name = force_str(disposition["name"], encoding, errors="replace").strip()
        if meta.get("content-transfer-encoding", ("",))[0].strip() == "base64":
            try:
                data = base64.b64decode(data)
            except binascii.Error as error:
                # As Django: a field keeps its bytes as they came, a file cannot.
                if item_type == FILE:
                    raise MultiPartParserError("Could not decode base64 data.") from error
        if item_type == FILE:
            file_count += 1
            if max_files is not None and file_count > max_files:
                raise TooManyFilesSent("The number of files exceeded DATA_UPLOAD_MAX_NUMBER_FILES.")
            file_name = force_str(disposition["filename"], encoding, errors="replace")
            content_type = meta.get("content-type", ("", {}))[0].strip()
            files.appendlist(
                name, SimpleUploadedFile(file_name.rsplit("\\")[-1], data, content_type)
            )
        else:
            field_count += 1
            if max_fields is not None and field_count > max_fields:
                raise TooManyFieldsSent(
                    "The number of GET/POST parameters exceeded DATA_UPLOAD_MAX_NUMBER_FIELDS."
                )
            post.appendlist(name, force_str(data, encoding, errors="replace"))
    post._mutable = False  # immutable, as Django's own parser leaves request.POST
    return post, files
