"""Whether this node can serve: its database, its broker, its storage, and how late the outbox
is. /readyz answers it for the load balancer, /metrics for monitoring.

The broker and the storage are asked at the same time, in threads, each with short timeouts
of its own and one deadline for both: the probe answers within a couple of seconds even when
Redis or the bucket hangs. The database is asked in the request's own thread, on its own
connection (a hung database is a hung node anyway). A failure is named by its class only
("error: ConnectionError"): the probe is public, and an error's message may name hosts."""

import functools
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.config import Config
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection

from partner_apps.selectors.outbox import OutboxLag, outbox_lag

from .redis_clients import redis_client

logger = logging.getLogger(__name__)

OK = "ok"
# No REDIS_URL: tasks run in the web process once the transaction commits. Ready all the same.
IN_PROCESS = "in-process"
# Past this, a check still running is reported as timed out (its thread ends on its own
# timeouts, which are shorter: REDIS_TIMEOUT_SECONDS, and STORAGE_TIMEOUT_SECONDS to connect
# then to read).
DEADLINE_SECONDS = 2.5
STORAGE_TIMEOUT_SECONDS = 1.0

# Few threads: a check that hangs past the deadline keeps its thread until its own timeout.
_checks = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readiness")


def failure(error: BaseException) -> str:
    return f"error: {type(error).__name__}"


def is_failure(state: str) -> bool:
    return state.startswith("error")


@dataclass(frozen=True)
class Readiness:
    # database, broker, storage: "ok", "in-process" (the broker) or "error: <class>".
    parts: dict[str, str]
    # None when the database could not tell.
    outbox: OutboxLag | None
    outbox_state: str = OK

    @property
    def ready(self) -> bool:
        states = [*self.parts.values(), self.outbox_state]
        return not any(is_failure(state) for state in states)

    def as_json(self) -> dict:
        outbox = (
            {"due": self.outbox.due, "oldest_due_seconds": self.outbox.oldest_due_seconds}
            if self.outbox is not None
            else self.outbox_state
        )
        return {**self.parts, "outbox": outbox}


def broker_state() -> str:
    """A PING of REDIS_URL, the broker (and the shared cache)."""
    if not settings.REDIS_URL:
        return IN_PROCESS
    redis_client(settings.REDIS_URL).ping()
    return OK


@functools.cache
def _probe_client(storage):
    """A client of the storage's bucket that gives up quickly, made once per process (building
    one reads botocore's models: tens of milliseconds)."""
    config = storage.client_config.merge(
        Config(
            connect_timeout=STORAGE_TIMEOUT_SECONDS,
            read_timeout=STORAGE_TIMEOUT_SECONDS,
            retries={"total_max_attempts": 1},
        )
    )
    # The storage's own session: its credentials, or its profile, as its uploads use them.
    return storage._create_session().client(
        "s3",
        region_name=storage.region_name,
        use_ssl=storage.use_ssl,
        endpoint_url=storage.endpoint_url,
        config=config,
        verify=storage.verify,
    )


def storage_state() -> str:
    """The default storage can take a file: a directory that exists (or can be made, as the
    storage itself would) and takes a file; or a bucket that answers a HEAD."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        os.makedirs(storage.location, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=storage.location, prefix=".readyz-") as probe:
            probe.write(b"ok")
            probe.flush()
        return OK
    if hasattr(storage, "bucket_name") and hasattr(storage, "client_config"):
        _probe_client(storage).head_bucket(Bucket=storage.bucket_name)
        return OK
    # Another backend: one call that reaches it.
    storage.exists(".readyz")
    return OK


def _checked(check) -> str:
    try:
        return check()
    except Exception as error:
        logger.warning("readiness: %s failed: %r", check.__name__, error)
        return failure(error)


def _database_and_outbox() -> tuple[str, OutboxLag | None, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        logger.warning("readiness: the database failed: %r", error)
        return failure(error), None, failure(error)
    try:
        return OK, outbox_lag(), OK
    except Exception as error:
        logger.warning("readiness: the outbox could not be read: %r", error)
        return OK, None, failure(error)


def readiness() -> Readiness:
    """Each part's state and the outbox's lag. Two queries; a couple of seconds at most for
    the broker and the storage together."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    pending = {"broker": _checks.submit(_checked, broker_state)}
    pending["storage"] = _checks.submit(_checked, storage_state)
    database, lag, outbox_state = _database_and_outbox()
    parts = {"database": database}
    for name, future in pending.items():
        try:
            parts[name] = future.result(timeout=max(deadline - time.monotonic(), 0))
        except TimeoutError:
            logger.warning("readiness: the %s did not answer within %s s", name, DEADLINE_SECONDS)
            parts[name] = "error: timeout"
    return Readiness(parts=parts, outbox=lag, outbox_state=outbox_state)
