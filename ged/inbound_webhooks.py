"""What an inbound email's webhook call goes through before anymail reads it: its body read
beyond the default cap only from a caller that knows the webhooks' secret, an email of too many
parts refused unread, an email anymail cannot read recorded as refused. Each refusal is
answered 200: an error would make the email service send it again and again. The project's
URLconf wraps anymail's inbound views with `inbound_webhook`."""

import logging
import uuid
from functools import wraps

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.utils import get_request_basic_auth
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.utils.crypto import constant_time_compare

from welyb_portal.tenancy.request_bodies import MEBIBYTE, accepts_large_body

from .inbound_payloads import SUMMARIES
from .services.inbound_receiving import inbound_too_many_parts_record, inbound_unreadable_record

logger = logging.getLogger(__name__)


def _payload_key(request) -> str:
    """What identifies a payload, so that the same one posted again is recorded once."""
    try:
        return request.body.decode("latin-1")[:100_000]
    except (RawPostDataException, RequestDataTooBig):
        # A form whose stream anymail has read already (Mailgun), or a body over the limit.
        fields = sorted(request.POST.lists())
        return repr(fields)[:100_000] if fields else uuid.uuid4().hex


def record_unreadable_inbound(view):
    """An inbound email the ESP's payload does not let anymail read (malformed MIME, broken
    JSON) is recorded as refused and answered 200: an error would make the ESP send it again
    and again. A call without the right credentials is still refused."""

    @wraps(view)
    def tolerant(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            raise
        except Exception as error:
            logger.warning("unreadable inbound email on %s: %s", request.path, error)
            inbound_unreadable_record(
                esp=request.path.strip("/").split("/")[1],
                reason=f"{type(error).__name__}: {error}",
                raw_key=_payload_key(request),
            )
            return HttpResponse("unreadable, recorded")

    return tolerant


def knows_webhook_secret(request) -> bool:
    """The call brings the webhooks' basic credentials (anymail checks them again): only then is
    an inbound email's body read beyond the default cap."""
    # anymail's setting: one "user:password", or several while one is being replaced.
    configured = settings.ANYMAIL.get("WEBHOOK_SECRET") or []
    secrets = (
        [configured]
        if isinstance(configured, str)
        else configured
        if isinstance(configured, list | tuple)
        else []
    )
    given = get_request_basic_auth(request)
    return given is not None and any(constant_time_compare(given, secret) for secret in secrets)


def _inbound_max_bytes(request) -> int:
    return settings.INBOUND_MAX_BODY_MB * MEBIBYTE


def refuse_too_many_parts(view, *, esp: str, summary):
    """Counts the email's parts in the payload before anymail builds the message; over
    INBOUND_MAX_PARTS, the email is recorded as refused, unread, and answered 200 (the email
    service must not send it again). Only for calls with the webhooks' credentials: anybody
    else goes on to anymail, which refuses them."""

    @wraps(view)
    def counted(request, *args, **kwargs):
        if request.method == "POST" and knows_webhook_secret(request):
            found = summary(request)
            if found is not None and found.parts > settings.INBOUND_MAX_PARTS:
                logger.warning("inbound email of %s parts on %s refused", found.parts, esp)
                inbound_too_many_parts_record(
                    esp=esp,
                    event_id=found.event_id,
                    recipient=found.recipient,
                    sender=found.sender,
                    subject=found.subject,
                    parts=found.parts,
                )
                return HttpResponse("too many parts, recorded")
        return view(request, *args, **kwargs)

    return counted


def inbound_webhook(view, *, name: str):
    """anymail's inbound view `view`, of URL name `name`, with the guards above. The inbound
    webhooks receive a whole email in one body, up to INBOUND_MAX_BODY_MB (read in memory, from
    a caller that knows the secret)."""
    view = record_unreadable_inbound(view)
    if name in SUMMARIES:
        esp, summary = SUMMARIES[name]
        view = refuse_too_many_parts(view, esp=esp, summary=summary)
    # Outermost: the body may be read beyond the default cap only from here on.
    return accepts_large_body(max_bytes=_inbound_max_bytes, trusts=knows_webhook_secret)(view)
