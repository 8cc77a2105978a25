"""The web side of the stripped stack (`bench/forward.py --stripped`): an API deposit with nothing
but what forwarding it needs, served by gunicorn as `bench.stripped_app:application`, so that
its CPU per message is an upper bound on any rework of the portal's deposit.

Django is set up with the portal's settings (the same database connection and storage), but no
request handler runs: no middleware, no URL resolver, no DRF, no cabinet from the host, no
audit entry, no duplicate check, no signal. Per deposit: one query checks the token and reads
the folder's company and collection address (an inner join: a folder without an automation
answers 403); a minimal multipart parser (the whole body read, one part, its bytes sliced:
not Django's MultiPartParser) finds the file; it is streamed to `default_storage` while hashed
(ged.hashing, as the portal does); one statement inserts the document and its delivery (two
INSERTs in a CTE: one transaction, no BEGIN/COMMIT round trips); the wake flag is set and a
drain published only if it was not (partner_apps/outbox_wake, as the portal does)."""

import json
import os
import re
import uuid
from io import BytesIO

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welyb_portal.settings")
django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection  # noqa: E402

from bench.stripped_worker import stripped_drain  # noqa: E402
from ged.hashing import HashingFile  # noqa: E402
from ged.names import extension_of  # noqa: E402
from ged.sniffing import HEAD_BYTES, sniff_content_type  # noqa: E402
from partner_apps.outbox_wake import wake_flag_set  # noqa: E402
from welyb_portal.tenancy.search import search_key  # noqa: E402

PATH = re.compile(r"^/api/v1/folders/(\d+)/documents/$")
FILENAME = re.compile(rb'filename="([^"]*)"')

AUTHORISED = """
SELECT u.id, c.id, c.cabinet_id, a.app_id, a.collection_email
FROM authtoken_token t
JOIN tenancy_user u ON u.id = t.user_id AND u.is_active
JOIN ged_folder f ON f.id = %s AND f.trashed_at IS NULL
JOIN tenancy_company c ON c.id = f.company_id AND c.cabinet_id = u.cabinet_id
JOIN partner_apps_folderautomation fa ON fa.folder_id = f.id AND fa.enabled
JOIN partner_apps_companyauthorization a
  ON a.company_id = c.id AND a.app_id = fa.app_id AND a.enabled AND a.collection_email <> ''
WHERE t.key = %s
"""

DEPOSIT = """
WITH document AS (
  INSERT INTO ged_document (file, name, extension, size, sha256, content_type, channel,
    deposited_at, status, company_id, cabinet_id, folder_id, deposited_by_id, search_name)
  VALUES (%s, %s, %s, %s, %s, %s, 'api', now(), 'pending', %s, %s, %s, %s, %s)
  RETURNING id, company_id, cabinet_id, sha256
)
INSERT INTO partner_apps_delivery (document_id, app_id, company_id, cabinet_id, target, sha256,
  status, reason_code, reason, notice, detail, attempts, claimed_by, message_id,
  created_at, updated_at)
SELECT id, %s, company_id, cabinet_id, %s, sha256, 'pending', '', '', '', '', 0, '', '',
  now(), now()
FROM document
RETURNING document_id
"""


def answer(start_response, status: str, body: dict) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [payload]


def file_part(body: bytes, content_type: str) -> tuple[str, memoryview] | None:
    """The file name and bytes of a multipart body of one part, or None."""
    boundary = content_type.partition("boundary=")[2].strip('"').encode()
    if not boundary:
        return None
    head_end = body.find(b"\r\n\r\n")
    end = body.rfind(b"\r\n--" + boundary)
    found = FILENAME.search(body, 0, head_end)
    if head_end < 0 or end < head_end or found is None:
        return None
    return found.group(1).decode(), memoryview(body)[head_end + 4 : end]


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":
        return answer(start_response, "200 OK", {"status": "ok"})  # the harness's /healthz
    path = PATH.match(environ["PATH_INFO"])
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Token ")
    if path is None:
        return answer(start_response, "404 Not Found", {"detail": "not found"})
    with connection.cursor() as cursor:
        cursor.execute(AUTHORISED, [int(path.group(1)), token])
        row = cursor.fetchone()
    if row is None:
        return answer(start_response, "403 Forbidden", {"detail": "forbidden"})
    user_id, company_id, cabinet_id, app_id, target = row
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    part = file_part(body, environ.get("CONTENT_TYPE", ""))
    if part is None or not part[1]:
        return answer(start_response, "400 Bad Request", {"detail": "no file"})
    name, content = part
    reader = HashingFile(BytesIO(content), name=name)
    key = default_storage.save(f"documents/{company_id}/{uuid.uuid4().hex}", reader)
    values = [key, name, extension_of(name), len(content), reader.hexdigest()]
    values += [sniff_content_type(bytes(content[:HEAD_BYTES])), company_id, cabinet_id]
    values += [int(path.group(1)), user_id, search_key(name), app_id, target]
    with connection.cursor() as cursor:
        cursor.execute(DEPOSIT, values)
        (document_id,) = cursor.fetchone()
    if wake_flag_set():
        stripped_drain.delay()
    return answer(start_response, "201 Created", {"id": document_id})
