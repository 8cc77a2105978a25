"""Errors to Sentry when SENTRY_DSN is set: those of the web processes (Django's integration) and
of the worker and beat (Celery's), tagged with the cabinet, the request or task id, and the
user's id, and scrubbed (`scrubbing.py`) before they leave."""

from urllib.parse import urlsplit, urlunsplit

from welyb_portal.tenancy.log_context import log_context_fields, log_context_request

from .requests import request_path_safe
from .scrubbing import breadcrumb_scrub, event_scrub

# The context's fields that become an event's tags (the user's id becomes its user).
TAGGED_FIELDS = ("cabinet", "request_id", "task_name", "task_id")


def sentry_init(*, dsn: str, environment: str | None, release: str | None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # send_default_pii stays False, its default (the SDK warns when it is named): no user
        # fields, cookies, bodies or IP addresses from the integrations.
        # The frames' local variables hold documents, names and addresses.
        include_local_variables=False,
        max_request_body_size="never",
        # Errors only: no performance traces, no profiles.
        traces_sample_rate=0,
        # Sentry types an event as a TypedDict of its known keys; the scrubbers read and rewrite
        # it as the plain dict it is at run time, unknown keys included.
        before_send=event_prepare,  # type: ignore[arg-type]
        before_breadcrumb=breadcrumb_scrub,
    )


def event_prepare(event: dict, hint: dict | None = None) -> dict:
    """Sentry's `before_send`: the context's tags, the path without its secrets, then scrubbed."""
    fields = log_context_fields()
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        tags.update({name: str(fields[name]) for name in TAGGED_FIELDS if name in fields})
    if "user_id" in fields:
        event["user"] = {"id": str(fields["user_id"])}
    request = log_context_request()
    sent_request = event.get("request")
    if request is not None and isinstance(sent_request, dict) and sent_request.get("url"):
        parts = urlsplit(sent_request["url"])
        sent_request["url"] = urlunsplit(
            (parts.scheme, parts.netloc, request_path_safe(request), "", "")
        )
    return event_scrub(event)
