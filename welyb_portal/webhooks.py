"""anymail's webhooks (delivery tracking, inbound mail), closed until a secret is set.

anymail itself only warns when ANYMAIL_WEBHOOK_SECRET is missing, and then accepts anyone's
events: a forged "delivered" or an inbound email from anybody. Here every webhook answers 403
until the secret is configured; once it is, anymail checks the HTTP basic authentication of
each call against it. What an inbound email's call goes through before anymail reads it is
`ged`'s (ged/inbound_webhooks.py)."""

from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import URLPattern

from ged.inbound_webhooks import inbound_webhook


def require_webhook_secret(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            return HttpResponseForbidden("Webhooks are closed: ANYMAIL_WEBHOOK_SECRET is not set.")
        return view(request, *args, **kwargs)

    return guarded


def anymail_urlpatterns() -> tuple[list[URLPattern], str]:
    """anymail's URLconf with every view guarded; include() it under /anymail/."""
    patterns = []
    for pattern in anymail_urls.urlpatterns:
        view = pattern.callback
        if (pattern.name or "").endswith("_inbound_webhook"):
            view = inbound_webhook(view, name=pattern.name)
        patterns.append(
            URLPattern(
                pattern.pattern, require_webhook_secret(view), pattern.default_args, pattern.name
            )
        )
    return patterns, anymail_urls.app_name
