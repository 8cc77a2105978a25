"""What the benchmarks share: a fresh database of their own, Django set up on it."""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welyb_portal.settings")


def bench_database_url(suffix: str, *, require_postgres: bool = False, fresh: bool = True) -> str:
    """A fresh database for this run, never the one the portal works in: "<name>_<suffix>" on
    the PostgreSQL of DATABASE_URL, else a SQLite file under var/bench/. With `fresh=False`, a
    database of that name left by an earlier run is kept (PostgreSQL only)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        parsed = urlparse(url)
        name = f"{parsed.path.lstrip('/') or 'welyb'}_{suffix}"
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if fresh or not exists:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{name}"')
        return parsed._replace(path=f"/{name}").geturl()
    if require_postgres:
        sys.exit(
            "this benchmark needs DATABASE_URL=postgres://... (a worker process must share it)"
        )
    folder = ROOT / "var" / "bench"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return f"sqlite:///{folder / f'{suffix}.sqlite3'}"


def django_setup(database_url: str, media: Path, **environment: str) -> None:
    """Django on that database, migrated; stored files under `media`."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["VAR_DIR"] = str(media.parent)
    os.environ.update(environment)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.STORAGES["default"]["OPTIONS"]["location"] = media
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def p95(values: list[float]) -> float:
    import statistics

    return statistics.quantiles(values, n=20)[-1]


def measure_in_turns(asks, repeat: int):
    """Each (label, client, url) of `asks` asked once, warm, with its queries counted, then
    `repeat` times in turns (a noisy moment costs every ask alike). Returns the queries, the
    times in ms and the last answer of each label."""
    import time

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    queries, answers = {}, {}
    for label, client, url in asks:
        client.get(url)  # warm: templates, the session
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            answers[label] = client.get(url)
        assert answers[label].status_code == 200, (url, answers[label].status_code)
        queries[label] = len(captured)
    times: dict[str, list[float]] = {label: [] for label, _client, _url in asks}
    for _ in range(repeat):
        for label, client, url in asks:
            start = time.perf_counter()
            client.get(url)
            times[label].append((time.perf_counter() - start) * 1000)
    return queries, times, answers


def vm_hwm_kb(pid: int) -> int:
    """The peak resident memory (VmHWM) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


@contextmanager
def portal_server(database_url: str, media: Path, **environment: str):
    """A real `runserver --noreload --nothreading` process on that database and storage (one
    process, whose memory the benchmarks read), answering on loopback: yields (process, port).
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(media.parent),
        "PORTAL_DOMAIN": "localhost",
        "LOG_LEVEL": "WARNING",
        **environment,
    }
    env.pop("REDIS_URL", None)
    command = ["manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=30)
