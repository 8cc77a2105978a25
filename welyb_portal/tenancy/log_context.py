"""What a log line and an error report say about where they come from: the web request (its id,
its cabinet, its user's id) or the Celery task (its name and id, and the cabinet it works for
once it knows it). Kept in context variables, so that each request or task sees its own, and
read by `LogContextFilter` (every log record) and by the Sentry hook (every event).

In the tenancy core, the floor every app stands on: an app may say which cabinet a task works
for (`log_context_bind(cabinet=...)`) without importing the project's wiring.
"""

import logging
from contextvars import ContextVar, Token
from typing import Any

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

_request: ContextVar[HttpRequest | None] = ContextVar("log_request", default=None)
_request_id: ContextVar[str | None] = ContextVar("log_request_id", default=None)
_bound: ContextVar[dict[str, object] | None] = ContextVar("log_bound", default=None)

# Every field a record may carry, in the order a JSON line gives them.
FIELDS = ("request_id", "cabinet", "user_id", "task_name", "task_id")

# What `log_context_end` undoes: each variable set, with the token of its value before.
LogContextToken = list[tuple[ContextVar[Any], Token[Any]]]


def log_context_start_request(request: HttpRequest, *, request_id: str) -> LogContextToken:
    """The request being served; returns a token for `log_context_end`."""
    return [
        (_request, _request.set(request)),
        (_request_id, _request_id.set(request_id)),
        (_bound, _bound.set({})),
    ]


def log_context_start_task(
    *, task_name: str, task_id: str, request_id: str | None = None
) -> LogContextToken:
    """The task being run, and the id of the request that published it if any; returns a token
    for `log_context_end`. A task run in-process by a request (no broker: the embedded mode)
    keeps that request's fields besides its own."""
    fields: dict[str, object] = {"task_name": task_name, "task_id": task_id}
    if request_id:
        fields["request_id"] = request_id
    return [(_bound, _bound.set(fields))]


def log_context_end(token: LogContextToken) -> None:
    for variable, variable_token in reversed(token):
        variable.reset(variable_token)


def log_context_bind(**fields: object) -> None:
    """Adds fields to the current request's or task's context (a task's cabinet, once it has
    loaded its row), until it ends. Outside any request or task (a service called by a command
    or a test) it does nothing: nothing would end it, and the next line would carry it."""
    bound = _bound.get()
    if bound is not None:
        _bound.set({**bound, **fields})


def log_context_fields() -> dict[str, object]:
    """The current context's fields that are known, without a query: the request's cabinet
    once the host middleware found it, its user's id once something read the user."""
    fields: dict[str, object] = {}
    request = _request.get()
    if request is not None:
        fields["request_id"] = _request_id.get()
        cabinet = getattr(request, "cabinet", None)
        if cabinet is not None:
            fields["cabinet"] = cabinet.slug
        user_id = _known_user_id(request)
        if user_id is not None:
            fields["user_id"] = user_id
    fields.update(_bound.get() or {})
    return {name: fields[name] for name in FIELDS if fields.get(name) is not None}


def log_context_request() -> HttpRequest | None:
    """The request being served in this context, or None (a task, a command)."""
    return _request.get()


def _known_user_id(request) -> int | None:
    """The user's id if the request already loaded its user: a lazy user not yet read stays
    unread, so that a log line never costs a query."""
    user = request.__dict__.get("user")
    while isinstance(user, LazyObject):
        user = user._wrapped  # type: ignore[attr-defined]  # Django's, not in its stubs
        if user is empty:
            return None
    if user is None or not user.is_authenticated:
        return None
    return user.pk


class LogContextFilter(logging.Filter):
    """Puts the context's fields on every record (absent ones as None), for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = log_context_fields()
        for name in FIELDS:
            setattr(record, name, fields.get(name))
        return True
