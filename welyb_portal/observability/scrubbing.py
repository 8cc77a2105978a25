"""What an error report may carry to Sentry, a service outside the platform: the code's own words
(exception types, stack traces, log templates) and ids, never the cabinets' or their clients'
data (document contents and names, company and person names, email addresses, request bodies,
cookies, credentials, query strings).

Names cannot be told from other words, so the free text that may hold them goes: exception
messages, formatted log messages and their arguments, request bodies. Every remaining string is
searched for email addresses all the same. What is dropped stays in the platform's own logs,
found by the event's `request_id` or `task_id` tag.
"""

import re
from urllib.parse import urlsplit, urlunsplit

REDACTED = "[redacted]"
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# Request headers worth reading in a report, and holding nothing of a person's or a secret.
SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "user-agent",
        "x-forwarded-proto",
        "x-request-id",
    }
)


def event_scrub(event: dict) -> dict:
    """The event, scrubbed in place (Sentry's `before_send`)."""
    _request_scrub(event.get("request"))
    user = event.get("user")
    if user:
        event["user"] = {"id": user["id"]} if user.get("id") is not None else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = REDACTED
        _frames_scrub((exception.get("stacktrace") or {}).get("frames"))
    for thread in (event.get("threads") or {}).get("values") or []:
        _frames_scrub((thread.get("stacktrace") or {}).get("frames"))
    logentry = event.get("logentry")
    if logentry:
        # The template the code wrote stays; what was put in it goes.
        event["logentry"] = {"message": logentry.get("message", "")}
    if isinstance(event.get("message"), str) and logentry:
        event["message"] = logentry.get("message", "")
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = [
            crumb for crumb in breadcrumbs.get("values") or [] if breadcrumb_scrub(crumb)
        ]
    return emails_redact(event)


def breadcrumb_scrub(crumb: dict, hint: dict | None = None) -> dict:
    """The breadcrumb, scrubbed in place (Sentry's `before_breadcrumb`): a log line keeps its
    template, not its arguments; a URL loses its query string (a signed S3 URL's signature)."""
    record = (hint or {}).get("log_record")
    if crumb.get("type") == "log" or record is not None:
        crumb["message"] = str(record.msg) if record is not None else REDACTED
        crumb["data"] = {}
    data = crumb.get("data")
    if isinstance(data, dict):
        for key in ("http.query", "http.fragment", "db.params"):
            data.pop(key, None)
        if isinstance(data.get("url"), str):
            data["url"] = url_without_query(data["url"])
    return emails_redact(crumb)


def url_without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def emails_redact(value):
    """`value` with every email address in its strings (keys included) replaced."""
    if isinstance(value, str):
        return EMAIL.sub(REDACTED, value)
    if isinstance(value, dict):
        return {emails_redact(key): emails_redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [emails_redact(item) for item in value]
    return value


def _request_scrub(request: dict | None) -> None:
    if not request:
        return
    for key in ("data", "cookies", "query_string", "env", "fragment"):
        request.pop(key, None)
    if isinstance(request.get("url"), str):
        request["url"] = url_without_query(request["url"])
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: value for name, value in headers.items() if name.lower() in SAFE_HEADERS
        }


def _frames_scrub(frames: list | None) -> None:
    for frame in frames or []:
        frame.pop("vars", None)
