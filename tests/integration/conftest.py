"""Fixtures that run the real parts: PostgreSQL, Redis, a `celery worker` process and an SMTP
server. Data must be committed for the worker to see it: tests here use `transactional_db`.

- `smtp_sink`: an SMTP server on a loopback port that keeps what it receives (smtp_sink.py).
- `celery_worker`: a worker process on the test database, the Redis of REDIS_URL and the sink,
  consuming a queue of its own; while it runs, this process publishes tasks to that queue
  instead of running them in-process (worker.py).
- `celery_published`: the tasks this process published to the broker during the test.
- `celery_worker_env`: extra environment of the worker; override it in a module to change a
  setting the worker reads from the environment (DELIVERY_RETRY_BASE_SECONDS...). The worker
  otherwise copies this process's MIRRORED_SETTINGS when it starts: a later change through the
  `settings` fixture does not reach it.
- `celery_worker_pool`: override it in a module to return "prefork", and the worker runs its
  tasks in a child process (killing the child is what an OOM kill does).
- `celery_worker_beat`: override it in a module to return True, and the worker embeds Celery
  beat (`--beat`, its schedule file under tmp_path): the CELERY_BEAT_SCHEDULE runs, the
  deliveries sweep every DELIVERY_SWEEP_SECONDS among others.
- `celery_worker_cwd`: the worker's working directory (the project's by default); override it
  in a module to run the worker where nothing else lives.
- `private_redis`: a `redis-server` of the test alone, on a free port, that the test may stop
  and start again (redis_server.py). When a test asks for it, the worker and this process use
  it as their broker instead of REDIS_URL's Redis, which is never stopped.
- `web_nodes`: starts web nodes (`gunicorn welyb_portal.wsgi`, web_node.py), one per directory
  given, each with its disk there alone, on the test database, the worker's broker and queue,
  and the sink: deposits made through a node reach the test's `celery_worker`.
- `s3_server`: a real S3 endpoint on a loopback port, moto's standalone server in a process of
  its own, shared by the whole run (s3_server.py); `s3_bucket`: an empty bucket of the test on
  it, whose `environment()` points a worker or a web process at it; `portal_on_s3`: this
  process stores its documents in that bucket and downloads redirect to signed URLs, as the
  settings make it with AWS_STORAGE_BUCKET_NAME.

Each test gets its own worker, queue and sink (a worker costs about a second to start, and a
second to stop): nothing one test leaves in Redis or in a worker reaches the next one.

Without PostgreSQL or Redis, the tests skip; under REQUIRE_SERVICES=1, they fail.
"""

import itertools
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from celery.signals import before_task_publish
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import service_missing
from tests.integration.forwarding import Forwarding, forwarding_set_up
from tests.integration.redis_server import RedisServer
from tests.integration.s3_server import Bucket, S3Server
from tests.integration.smtp_sink import SmtpSink
from tests.integration.web_node import WebNode
from tests.integration.worker import PROJECT_DIR, CeleryWorker
from welyb_portal import celery_app

# Every worker of this run consumes a queue named after the run and the test, so that messages
# left in Redis by other runs, other people or other tests never reach it.
RUN_ID = uuid.uuid4().hex[:8]
_worker_numbers = itertools.count(1)

# Settings of this process that the worker must share: links, tokens and senders must agree.
MIRRORED_SETTINGS = (
    "SECRET_KEY",
    "PORTAL_DOMAIN",
    "PORTAL_SCHEME",
    "PORTAL_PORT",
    "BARE_DOMAIN_CABINET",
    "DEFAULT_FROM_EMAIL",
    "INQOM_SENDER_EMAIL",
    "EMAIL_TIMEOUT",
    "DELIVERY_RETRY_BASE_SECONDS",
    "DELIVERY_MAX_ATTEMPTS",
    "DELIVERY_SWEEP_SECONDS",
    # This process opens the digests (when they are due), the worker sends them.
    "FAILURE_DIGEST_SECONDS",
    "FAILURE_DIGEST_GATHER_SECONDS",
    "FAILURE_DIGEST_SWEEP_SECONDS",
)

_phase_reports = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keeps each phase's report, so that fixtures can print their logs when the test failed.
    report = yield
    item.stash.setdefault(_phase_reports, {})[report.when] = report
    return report


def _test_failed(node) -> bool:
    return any(report.failed for report in node.stash.get(_phase_reports, {}).values())


# --- Services ----------------------------------------------------------------------------------


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}{parts.path}"


@pytest.fixture(scope="session", autouse=True)
def integration_services() -> str:
    """Checks PostgreSQL and Redis before anything else; returns the Redis URL."""
    if connection.vendor != "postgresql":
        service_missing(
            "integration tests need PostgreSQL (DATABASE_URL=postgres://...): a worker process "
            f"cannot see this process's {connection.vendor} test database"
        )
    _check_postgresql(connection.settings_dict)
    redis_url = django_settings.REDIS_URL
    if not redis_url:
        service_missing(
            "integration tests need Redis (REDIS_URL=redis://...): tasks reach the worker "
            "through it"
        )
    _check_redis(redis_url)
    return redis_url


def _check_postgresql(params: dict) -> None:
    import psycopg

    where = f"{params.get('HOST') or 'local socket'}:{params.get('PORT') or 5432}"
    try:
        psycopg.connect(
            dbname="postgres",
            host=params.get("HOST") or None,
            port=params.get("PORT") or None,
            user=params.get("USER") or None,
            password=params.get("PASSWORD") or None,
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        service_missing(f"PostgreSQL unreachable at {where}: {error}".strip())


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        service_missing(f"Redis unreachable at {_redacted(url)}: {error}")
    finally:
        client.close()


# --- The cabinet's set-up ----------------------------------------------------------------------


@pytest.fixture
def forwarding(world) -> Forwarding:
    """Cabinet Alpha connected to Inqom Achats through the API, its Achats folder switched on."""
    return forwarding_set_up(world)


# --- SMTP --------------------------------------------------------------------------------------


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


# --- Celery worker -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedTask:
    name: str
    args: tuple
    kwargs: dict
    routing_key: str


@pytest.fixture
def celery_published() -> list[PublishedTask]:
    """The tasks this process hands to the broker during the test, in order (eager runs are not
    published, and do not appear)."""
    published: list[PublishedTask] = []

    def record(sender=None, body=None, routing_key=None, **kwargs):
        args, task_kwargs, _embed = body  # Celery's message protocol 2
        published.append(PublishedTask(sender, tuple(args), dict(task_kwargs), routing_key))

    before_task_publish.connect(record, weak=False)
    yield published
    before_task_publish.disconnect(record)


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment of the worker process (empty: the settings of this process)."""
    return {}


@pytest.fixture
def celery_worker_pool() -> str:
    """The worker's pool: "solo" (its tasks run in its main process), or "prefork" (in a child
    process that the main one replaces when it dies, as after an OOM kill)."""
    return "solo"


@pytest.fixture
def celery_worker_beat() -> bool:
    """Whether the worker embeds Celery beat (False: only what the test enqueues runs)."""
    return False


@pytest.fixture
def celery_worker_cwd() -> Path:
    """The worker's working directory."""
    return PROJECT_DIR


@pytest.fixture
def private_redis(request, tmp_path):
    """A `redis-server` on a free loopback port, for this test alone: stop it, start it again.
    It needs the `redis-server` program (missing: the test skips, or fails in CI)."""
    executable = shutil.which("redis-server")
    if executable is None:
        service_missing(
            "this drill needs the `redis-server` program, to stop a broker of its own "
            "(the shared Redis is never stopped): install redis-server"
        )
    server = RedisServer(executable=executable, directory=tmp_path / "redis")
    server.start()
    yield server
    server.stop()
    if _test_failed(request.node):
        print(f"\n----- redis-server log ({server.log_path}) -----\n{server.log()}")


@pytest.fixture
def celery_broker_url(request, integration_services) -> str:
    """The broker of the worker and of this process: the Redis of REDIS_URL, or the test's
    `private_redis` when it asks for one."""
    if "private_redis" in request.fixturenames:
        return request.getfixturevalue("private_redis").url
    return integration_services


@pytest.fixture
def celery_worker(
    request,
    _portal_settings,  # first: it turns eager mode on, and this fixture turns it off
    transactional_db,  # torn down after the worker, whose connections would block the flush
    integration_services,
    celery_broker_url,
    smtp_sink,
    celery_worker_env,
    celery_worker_pool,
    celery_worker_beat,
    celery_worker_cwd,
    tmp_path,
):
    """A `celery -A welyb_portal worker` process; tasks enqueued by this process reach it."""
    queue = f"welyb-it-{RUN_ID}-{next(_worker_numbers)}"
    worker = CeleryWorker(
        queue=queue,
        env=portal_environment(
            queue=queue,
            redis_url=celery_broker_url,
            email_url=smtp_sink.url,
            media_root=Path(django_settings.MEDIA_ROOT),
            extra=celery_worker_env,
        ),
        log_path=tmp_path / "celery-worker.log",
        pool=celery_worker_pool,
        beat_schedule=tmp_path / "celerybeat-schedule" if celery_worker_beat else None,
        cwd=celery_worker_cwd,
    )
    try:
        with _publishing_to(queue, broker_url=celery_broker_url):
            worker.start()
            yield worker
    finally:
        died = worker.died_unexpectedly
        worker.stop()
        wait_until_disconnected(application_name=queue)
        # A private broker goes away with its test, and all that it holds.
        if celery_broker_url == integration_services:
            broker_queue_delete(queue)
        if died or _test_failed(request.node):
            print(f"\n----- Celery worker log ({worker.log_path}) -----\n{worker.log()}")


@pytest.fixture
def web_nodes(request, celery_worker, celery_broker_url, smtp_sink, tmp_path):
    """`start(directories, env={...})` starts one web node per directory (named after it), all
    at once, and returns them once each answers; they stop with the test (before the worker)."""
    started: list[WebNode] = []

    def application_name(name: str) -> str:
        return f"{celery_worker.queue}-{name}"

    def start(directories: list[Path], *, env: dict[str, str]) -> list[WebNode]:
        nodes = [
            WebNode(
                name=directory.name,
                directory=directory,
                env=portal_environment(
                    queue=celery_worker.queue,
                    redis_url=celery_broker_url,
                    email_url=smtp_sink.url,
                    media_root=Path(django_settings.MEDIA_ROOT),
                    extra=env,
                    application_name=application_name(directory.name),
                ),
                log_path=tmp_path / f"{directory.name}.log",
            )
            for directory in directories
        ]
        started.extend(nodes)
        for node in nodes:
            node.launch()
        for node in nodes:
            node.wait_until_ready()
        return nodes

    yield start
    for node in started:
        node.stop()
        wait_until_disconnected(application_name=application_name(node.name))
        if _test_failed(request.node):
            print(f"\n----- {node.label} log ({node.log_path}) -----\n{node.log()}")


def portal_environment(
    *,
    queue: str,
    redis_url: str,
    email_url: str,
    media_root: Path,
    extra: dict[str, str],
    application_name: str | None = None,
) -> dict[str, str]:
    """The environment of a process of the portal (a worker, a web node): this test's database
    (its connections named `application_name`, the queue's by default), broker, queue and sink,
    the settings this process mirrors, then `extra`."""
    # Stored files must be where this process put them: the worker's MEDIA_ROOT is VAR_DIR/media.
    if media_root.name != "media":
        raise AssertionError(f"MEDIA_ROOT must end with /media for the worker, not {media_root}")
    env = {
        name: value
        for name, value in os.environ.items()
        # An ESP configured in the shell would take precedence over the sink, a bucket over the
        # test's storage (a test that wants a bucket gives its own: `s3_bucket.environment()`).
        if not name.startswith(("ANYMAIL_", "DJANGO_", "AWS_"))
    }
    mirrored = {name: getattr(django_settings, name) for name in MIRRORED_SETTINGS}
    env.update({name: "" if value is None else str(value) for name, value in mirrored.items()})
    env.update(
        {
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            # Celery only puts the working directory on the path to import the -A module.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": _database_url(
                connection.settings_dict, application_name=application_name or queue
            ),
            "REDIS_URL": redis_url,
            "EMAIL_URL": email_url,
            "VAR_DIR": str(media_root.parent),
            # DEBUG would keep every query of the worker in memory.
            "DEBUG": "false",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


def _database_url(params: dict, *, application_name: str) -> str:
    """The test database (pytest-django changed NAME to it), as DATABASE_URL. Its connections
    carry `application_name`, so that teardown can tell when the worker left."""
    user = quote(params.get("USER") or "", safe="")
    if params.get("PASSWORD"):
        user += ":" + quote(params["PASSWORD"], safe="")
    host = quote(params.get("HOST") or "", safe="")
    port = f":{params['PORT']}" if params.get("PORT") else ""
    options = {
        name: value
        for name, value in (params.get("OPTIONS") or {}).items()
        if isinstance(value, str | int)
    }
    options["application_name"] = application_name
    return (
        f"postgres://{user}{'@' if user else ''}{host}{port}/{quote(params['NAME'], safe='')}"
        f"?{urlencode(options)}"
    )


@contextmanager
def _publishing_to(queue: str, *, broker_url: str):
    """Makes this process's Celery app publish to the broker, on the worker's queue, instead of
    running tasks in-process (the autouse `_portal_settings` makes it eager); restores it."""
    conf = celery_app.conf
    saved = {
        "task_always_eager": conf.task_always_eager,
        "broker_url": conf.broker_url,
        "task_default_queue": conf.task_default_queue,
    }
    conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    if saved["broker_url"] != broker_url:
        _forget_broker_connections()
    try:
        yield
    finally:
        conf.update(saved)
        if saved["broker_url"] != broker_url:
            _forget_broker_connections()


def _forget_broker_connections() -> None:
    # The app keeps pools for the broker it first connected to; as Celery does after a fork.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def broker_queue_delete(queue: str) -> None:
    """Deletes the worker's queue and its binding from Redis, and the messages of that queue
    that a killed worker left unacknowledged: kombu would push them back an hour later
    (the visibility timeout) into a queue nobody reads. Other keys and messages are left alone.
    """
    with celery_app.connection_for_write() as broker:
        channel = broker.default_channel
        bound = celery_app.amqp.queues[queue].bind(channel)
        # Declared first: kombu's Redis channel only deletes the bindings it knows of.
        bound.declare()
        bound.delete()
        client = channel.client
        for tag, entry in client.hscan_iter(channel.unacked_key):
            _message, _exchange, routing_key = json.loads(entry)
            if routing_key == queue:
                client.pipeline().zrem(channel.unacked_index_key, tag).hdel(
                    channel.unacked_key, tag
                ).execute()


def wait_until_disconnected(*, application_name: str, timeout: float = 15.0) -> None:
    """Waits until the worker's database sessions are gone: the flush after the test and the
    drop of the test database would wait for them."""
    query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [application_name])
            pids = [row[0] for row in cursor.fetchall()]
            if not pids:
                return
            if time.monotonic() > deadline:
                # Sessions of our own worker, which is gone: end them rather than hang.
                cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [pids])
                return
            time.sleep(0.05)


# --- S3 ----------------------------------------------------------------------------------------

_bucket_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server, started once for the run (it takes half a second) and stopped at its
    end; each test gets its own bucket on it (`s3_bucket`)."""
    server = S3Server(directory=tmp_path_factory.mktemp("s3-server"))
    try:
        server.start()
    except AssertionError as error:
        service_missing(f"the S3 server (moto[server]) did not start: {error}")
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> Bucket:
    """An empty bucket of this test, emptied and deleted afterwards."""
    bucket = s3_server.bucket_create(f"welyb-it-{RUN_ID}-{next(_bucket_numbers)}")
    yield bucket
    bucket.empty_and_delete()


@pytest.fixture
def portal_on_s3(settings, s3_bucket) -> Bucket:
    """This process stores documents in the test's bucket and redirects downloads to signed
    URLs, as welyb_portal/settings/data.py makes it when AWS_STORAGE_BUCKET_NAME is set. A worker
    gets the same bucket from `s3_bucket.environment()` (through `celery_worker_env`)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_bucket.storage_options(),
        },
    }
    settings.DOCUMENT_DOWNLOAD_REDIRECT = True
    return s3_bucket
