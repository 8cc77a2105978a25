"""A private `redis-server` for the drills that take the broker down: on a free loopback port,
without persistence, stopped and started again on the same port. The machine's shared Redis is
never touched."""

import contextlib
import signal
import subprocess
import time
from pathlib import Path

import redis

from tests.integration.smtp_sink import free_loopback_port
from tests.integration.worker import _die_with_pytest


class RedisServer:
    """`start()` returns once the server answers PING; `stop()` shuts it down (SIGTERM, then
    SIGKILL) and returns once the process is gone. It keeps nothing across a restart: like a
    broker that lost its memory, it comes back empty."""

    HOST = "127.0.0.1"

    def __init__(self, *, executable: str, directory: Path, port: int | None = None):
        self.executable = executable
        self.directory = directory
        self.port = port or free_loopback_port()
        self.log_path = directory / "redis-server.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://{self.HOST}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        self.starts += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    self.executable,
                    "--port",
                    str(self.port),
                    "--bind",
                    self.HOST,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_pytest(),
            )
        self._wait_until_ready(timeout)

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        client = redis.Redis(host=self.HOST, port=self.port, socket_connect_timeout=1)
        try:
            while True:
                if self.process.poll() is not None:
                    raise AssertionError(
                        f"redis-server exited with code {self.process.returncode}. "
                        f"Its log ({self.log_path}):\n{self.log()}"
                    )
                with contextlib.suppress(redis.ConnectionError):
                    if client.ping():
                        return
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(
                        f"redis-server did not answer within {timeout:g}s on port {self.port}. "
                        f"Its log ({self.log_path}):\n{self.log()}"
                    )
                time.sleep(0.05)
        finally:
            client.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")
