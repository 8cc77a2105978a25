"""Each Celery task's context (its name and id, and the id of the request that published it) for
its log lines and error reports, and the worker's and beat's logging under LOG_FORMAT=json."""

import logging.config

from celery.signals import after_setup_logger, before_task_publish, task_postrun, task_prerun

from welyb_portal.tenancy.log_context import (
    LogContextToken,
    log_context_end,
    log_context_fields,
    log_context_start_task,
)

# The message header that carries the publishing request's id to the worker.
REQUEST_ID_HEADER = "request_id"

_tokens: dict[str, LogContextToken] = {}


@before_task_publish.connect
def _task_carries_its_request_id(headers=None, **kwargs) -> None:
    """A task published while a request is served (a deposit's delivery, an account email)
    carries that request's id, so that support follows one request from the web's log lines to
    the worker's. Only the id: never what the request held."""
    request_id = log_context_fields().get("request_id")
    if headers is not None and request_id:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@task_prerun.connect
def _task_context_start(sender=None, task_id=None, **kwargs) -> None:
    if sender is not None and task_id:
        _tokens[task_id] = log_context_start_task(
            task_name=sender.name,
            task_id=task_id,
            request_id=getattr(sender.request, REQUEST_ID_HEADER, None),
        )


@task_postrun.connect
def _task_context_end(sender=None, task_id=None, **kwargs) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        log_context_end(token)


@after_setup_logger.connect
def _worker_logs_as_configured(**kwargs) -> None:
    """Under LOG_FORMAT=json, the worker and beat log as the web processes do. Celery has just
    replaced the root logger's handlers with its own format (worker_hijack_root_logger): Django's
    LOGGING is applied again over it, the JSON formatter and the context filter with it."""
    from django.conf import settings

    if settings.LOG_FORMAT == "json":
        logging.config.dictConfig(settings.LOGGING)
