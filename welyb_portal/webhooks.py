"""anymail's webhooks (delivery tracking, inbound mail), closed until a secret is set.

anymail itself only warns when ANYMAIL_WEBHOOK_SECRET is missing, and then accepts anyone's
events: a forged "delivered" or an inbound email from anybody. Here every webhook answers 403
until the secret is configured; once it is, anymail checks the HTTP basic authentication of
each call against it."""

import logging
import uuid
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseForbidden
from django.http.request import RawPostDataException
from django.urls import URLPattern

from ged.services.inbound import inbound_unreadable_record

logger = logging.getLogger(__name__)


def require_webhook_secret(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("Webhooks are closed: ANYMAIL_WEBHOOK_SECRET is not set.")
        return view(request, *args, **kwargs)

    return guarded


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


def anymail_urlpatterns() -> tuple[list[URLPattern], str]:
    """anymail's URLconf with every view guarded; include() it under /anymail/."""
    patterns = []
    for pattern in anymail_urls.urlpatterns:
        view = pattern.callback
        if (pattern.name or "").endswith("_inbound_webhook"):
            view = record_unreadable_inbound(view)
        patterns.append(
            URLPattern(
                pattern.pattern, require_webhook_secret(view), pattern.default_args, pattern.name
            )
        )
    return patterns, anymail_urls.app_name
