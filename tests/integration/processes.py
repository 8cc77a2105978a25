"""A server of the integration tests in a process of its own (the S3 endpoint, the web nodes):
started, awaited until it serves, stopped, its output kept in a log file."""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.integration.worker import _die_with_pytest


class ServerProcess:
    """`start()` returns once `answers()` says the process serves, and fails with its log when
    it exits or takes longer than `ready_timeout`. The process runs in a session of its own,
    which `stop()` ends whole (SIGTERM, then SIGKILL), and gets SIGKILL if pytest dies without
    tearing down. Every start appends to the same log file."""

    label = "server"

    def __init__(
        self,
        *,
        command: list[str],
        cwd: Path,
        log_path: Path,
        env: dict[str, str] | None = None,
        ready_timeout: float = 30.0,
    ):
        self.command = command
        self.cwd = cwd
        self.log_path = log_path
        self.env = env
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen | None = None
        self._launched_at = 0.0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def answers(self) -> bool:
        """Whether the server serves requests now (a quick probe that never raises)."""
        raise NotImplementedError

    def start(self) -> None:
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Starts the process without waiting for it (start several, then wait for each)."""
        if self.running:
            return
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start: {' '.join(self.command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_pytest(),
            )
        self._launched_at = time.monotonic()

    def wait_until_ready(self) -> None:
        deadline = self._launched_at + self.ready_timeout
        while not self.answers():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.label} exited with code {self.process.returncode} before it "
                    f"answered. Its log ({self.log_path}):\n{self.log()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(
                    f"{self.label} did not answer within {self.ready_timeout:g}s. "
                    f"Its log ({self.log_path}):\n{self.log()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        # Whatever the group left behind (gunicorn's workers) goes too.
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def log(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")
