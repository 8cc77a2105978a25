"""The world every test stands in: two cabinets, each with two companies, an admin, a
collaborator and clients, and clients (browser-like and API) bound to a cabinet's host."""

import base64
import copy
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connections, transaction
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.bodies import Spool, watch_spool
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CabinetFactory,
    ClientFactory,
    CollaboratorFactory,
    CompanyFactory,
)
from welyb_portal import celery_app
from welyb_portal.tenancy.models import Cabinet, Company, User

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
T = TypeVar("T")

# --- Parallel runs (pytest-xdist: `make test` runs `pytest -n auto --dist loadgroup`) ----------

# The directories whose tests run one after the other on a single worker (`--dist loadgroup`),
# while the other workers take the rest: the browser tests share one Chromium (one is enough,
# and each costs memory and a core), the integration tests start real processes (Celery
# workers, gunicorn, an S3 server) that two tests at once on two cores would starve.
XDIST_GROUPS = ("browser", "integration")
# The integration tests are also all of the slow group (`make test` leaves it out), and so are
# these modules of tests/.
SLOW_DIRECTORIES = ("integration",)
SLOW_MODULES = ("test_api_fuzz.py", "test_gunicorn_metrics.py", "test_make_run.py")
TESTS_DIR = Path(__file__).parent


def _all_slow(path: Path) -> bool:
    """Whether everything under `path`, a file or directory of the tests, is of the slow group."""
    parts = path.relative_to(TESTS_DIR).parts
    return bool(parts) and (
        parts[0] in SLOW_DIRECTORIES or (len(parts) == 1 and parts[0] in SLOW_MODULES)
    )


def pytest_ignore_collect(collection_path, config):
    """A run that leaves the slow group out (`make test`: -m "not slow") does not even import
    its modules: the fuzzer builds the API's schema and its hundred tests when imported, 2 s
    for each pytest-xdist worker."""
    if config.getoption("markexpr").strip() == "not slow" and collection_path.is_relative_to(
        TESTS_DIR
    ):
        return _all_slow(collection_path) or None
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        directory = item.path.relative_to(TESTS_DIR).parts[0]
        if directory in XDIST_GROUPS:
            item.add_marker(pytest.mark.xdist_group(directory))
        if _all_slow(item.path):
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    _redis_of_this_worker()


def _redis_of_this_worker() -> None:
    """Under pytest-xdist, worker gwN uses the Redis database N places after REDIS_URL's (gw0
    REDIS_URL's own, gw1 the next one...): its broker queues, task figures and cache keys, and
    those of the processes it starts, never meet another worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and url):
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    own = urlunsplit(parts._replace(path=f"/{base + int(worker[2:])}"))
    os.environ["REDIS_URL"] = own
    # Django's settings were read before this hook: the names that carry REDIS_URL follow it.
    django_settings.REDIS_URL = own
    django_settings.CELERY_BROKER_URL = own
    django_settings.CACHES = {
        **django_settings.CACHES,
        "default": {**django_settings.CACHES["default"], "LOCATION": own},
    }
    celery_app.conf.broker_url = own


def service_missing(reason: str):
    """Skips a test whose service is missing here; fails it in CI (REQUIRE_SERVICES=1)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def portal_settings(media_root: Path) -> dict[str, object]:
    """The portal every test stands in front of: its host names, fast password hashing, the
    receiving servers it trusts, files under `media_root`, a cache of its own."""
    return {
        "PORTAL_DOMAIN": "localhost",
        "PORTAL_SCHEME": "http",
        "PORTAL_PORT": "",
        "BARE_DOMAIN_CABINET": None,
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        # The receiving servers whose verdicts on inbound emails the tests' platform trusts.
        "INBOUND_AUTHSERV_IDS": ["mx.depot.test"],
        "MEDIA_ROOT": media_root,
        "STORAGES": {
            **django_settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": media_root, "base_url": None},
            },
        },
        # Each test counts its own requests (the password-reset limits): a cache of the
        # process's memory, emptied, even where REDIS_URL would share one Redis with the
        # broker's queues.
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    }


@contextmanager
def tasks_in_process() -> Iterator[None]:
    """Unit tests run tasks in-process; the integration tests start a real worker instead."""
    always_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = always_eager


@pytest.fixture(autouse=True)
def _portal_settings(settings, tmp_path):
    for name, value in portal_settings(tmp_path / "media").items():
        setattr(settings, name, value)
    cache.clear()
    with tasks_in_process():
        yield


@contextmanager
def built_once_for_the_module(
    build: Callable[[], T], *, django_db_blocker, media_root: Path
) -> Iterator[T]:
    """What `build` writes (rows, and files under `media_root`) stays for the tests of a
    module, and goes at its end: a world built once for all of them, as Django's
    TestCase.setUpTestData does. A transaction is held open on every database and rolled back
    when the module is done; each test's own (pytest-django's `db`) is a savepoint inside it,
    rolled back after the test, so that no test sees what another one wrote. Each test
    takes its own copy of the objects and files (`this_tests_copy`).

    Not for a module whose tests need `transactional_db` or a live server: those commit, and
    their server's thread would not see the rows written here."""
    atomics = []
    try:
        with django_db_blocker.unblock():
            for alias in connections:
                atomic = transaction.atomic(using=alias)
                atomic.__enter__()
                atomics.append((alias, atomic))
                # As Django's TestCase marks its own: a durable block inside is allowed.
                connections[alias].atomic_blocks[-1]._from_testcase = True
            with override_settings(**portal_settings(media_root)), tasks_in_process():
                cache.clear()
                built = build()
        yield built
    finally:
        with django_db_blocker.unblock():
            for alias, atomic in reversed(atomics):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)


def this_tests_copy(built: T, *, media_root: Path) -> T:
    """For a test of the module: its own copy of what built_once_for_the_module built (the
    objects, and the files under `media_root` in its MEDIA_ROOT), so that what the test
    changes on them, in memory or on disk, stays its own."""
    shutil.copytree(media_root, django_settings.MEDIA_ROOT, dirs_exist_ok=True)
    return copy.deepcopy(built)


def world_built_once(build: Callable[[], T]):
    """The fixtures of a module whose tests stand in the world `build` makes, built once for
    the module (built_once_for_the_module): `world_of_the_module`, and `world`, each test's own
    copy. The module binds both names:
    `world_of_the_module, world = world_built_once(world_of_two_cabinets)`.

    For a module whose tests stand in that world: one that does not ask for `world` but runs
    after one that did still finds its rows (the module's transaction is open until its last
    test), so it must not count on an empty database."""

    @pytest.fixture(scope="module")
    def world_of_the_module(django_db_setup, django_db_blocker, tmp_path_factory):
        media_root = tmp_path_factory.mktemp("world-media")
        with built_once_for_the_module(
            build, django_db_blocker=django_db_blocker, media_root=media_root
        ) as world:
            yield world, media_root

    @pytest.fixture
    def world(world_of_the_module, db) -> T:
        world, media_root = world_of_the_module
        return this_tests_copy(world, media_root=media_root)

    return world_of_the_module, world


def host_of(cabinet: Cabinet) -> str:
    return f"{cabinet.slug}.localhost"


def basic(credentials: str) -> str:
    """An HTTP Basic Authorization header for "user:password"."""
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def browser(user: User | None = None, *, cabinet: Cabinet | None = None, **kwargs) -> Client:
    """A browser on a cabinet's host (the user's own by default), logged in as `user`."""
    cabinet = cabinet or user.cabinet
    client = Client(HTTP_HOST=host_of(cabinet), **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def api(user: User | None = None, *, cabinet: Cabinet | None = None) -> APIClient:
    """An API client on a cabinet's host, authenticated with the user's token."""
    cabinet = cabinet or user.cabinet
    client = APIClient(HTTP_HOST=host_of(cabinet))
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@dataclass
class Tenant:
    cabinet: Cabinet
    company: Company
    other_company: Company
    admin: User
    collaborator: User
    client: User  # client of `company` only
    other_client: User  # client of `other_company` only


@dataclass
class World:
    a: Tenant
    b: Tenant

    password = PASSWORD


def _tenant(slug: str, label: str) -> Tenant:
    cabinet = CabinetFactory(slug=slug, name=f"Cabinet {label}")
    company = CompanyFactory(cabinet=cabinet, name=f"Boulangerie {label}")
    other_company = CompanyFactory(cabinet=cabinet, name=f"Garage {label}")
    return Tenant(
        cabinet=cabinet,
        company=company,
        other_company=other_company,
        admin=AdminFactory(cabinet=cabinet, email=f"admin@{slug}.fr"),
        collaborator=CollaboratorFactory(cabinet=cabinet, email=f"collaborateur@{slug}.fr"),
        client=ClientFactory(cabinet=cabinet, email=f"client@{slug}.fr", companies=[company]),
        other_client=ClientFactory(
            cabinet=cabinet, email=f"autre-client@{slug}.fr", companies=[other_company]
        ),
    )


def world_of_two_cabinets() -> World:
    return World(a=_tenant("alpha", "Alpha"), b=_tenant("beta", "Beta"))


@pytest.fixture
def world(db) -> World:
    return world_of_two_cabinets()


@pytest.fixture
def spool(monkeypatch) -> Spool:
    """The temporary upload files the test's requests wrote, with their sizes (tests/bodies.py)."""
    return watch_spool(monkeypatch)
