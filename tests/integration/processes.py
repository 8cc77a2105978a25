"""A process the integration tests start (the Celery worker, a private Redis, the S3 endpoint,
the web nodes): started, awaited until it serves, stopped or killed, its output kept in a log
file, and never outliving pytest."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _die_with_pytest() -> Callable[[], None] | None:
    """Linux: the process gets SIGKILL if pytest dies without tearing down (killed, or stopped
    by pytest-timeout's thread method), so that none outlives its test run."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigkill = 1, int(signal.SIGKILL)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigkill)

    return preexec


class ServerProcess:
    """`start()` returns once `answers()` says the process serves, and fails with its log when
    it exits first or takes longer than `ready_timeout` (then it is killed). `launch()` and
    `wait_until_ready()` are its two halves, to start several processes at once.

    The process runs in a session of its own, which `stop()` ends whole (SIGTERM, then SIGKILL
    after `timeout`) and `kill()` at once (SIGKILL), children included; it gets SIGKILL if
    pytest dies without tearing down. Every start appends to the same log file."""

    label = "the server"

    def __init__(
        self,
        *,
        command: list[str] | None = None,
        cwd: Path,
        log_path: Path,
        env: dict[str, str] | None = None,
        ready_timeout: float = 30.0,
    ):
        self._command = command
        self.cwd = cwd
        self.log_path = log_path
        self.env = env
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._log_offset = 0
        self._launched_at = 0.0
        self._stopping = False

    @property
    def command(self) -> list[str]:
        return self._command

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def died_unexpectedly(self) -> bool:
        """The process ended, and neither stop() nor kill() asked it to."""
        return self.process is not None and self.process.poll() is not None and not self._stopping

    def answers(self) -> bool:
        """Whether the process serves now (a quick probe that never raises)."""
        raise NotImplementedError

    def start(self) -> None:
        self.launch()
        self.wait_until_ready()

    def launch(self) -> None:
        """Starts the process without waiting for it to serve."""
        if self.running:
            return
        self.starts += 1
        self._stopping = False
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(self.command)}\n".encode())
            log.flush()
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Runs between fork and exec: it calls prctl() and nothing else.
                preexec_fn=_die_with_pytest(),
            )
        self._launched_at = time.monotonic()

    def wait_until_ready(self) -> None:
        deadline = self._launched_at + self.ready_timeout
        while not self.answers():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.label} exited with code {self.process.returncode} before it was "
                    f"ready. Its log ({self.log_path}):\n{self.log()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"{self.label} was not ready within {self.ready_timeout:g}s. "
                    f"Its log ({self.log_path}):\n{self.log()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (a warm shutdown), SIGKILL if it takes longer than `timeout`."""
        self._terminate(lambda: self._signal(signal.SIGTERM), timeout=timeout)

    def _terminate(self, ask: Callable[[], None], *, timeout: float) -> None:
        """`ask()` the process to end, wait `timeout` for it, then SIGKILL the group."""
        if self.process is None:
            return
        self._stopping = True
        if self.process.poll() is None:
            ask()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        # Whatever the group left behind (children) goes too.
        self._signal(signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL to the whole group: the process dies at once, mid-task if it is in one."""
        if self.process is None:
            return
        self._stopping = True
        self._signal(signal.SIGKILL)
        self.process.wait()

    def _signal(self, signum: int) -> None:
        # The group is gone once all its processes have exited.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def _log_bytes(self, offset: int = 0) -> bytes:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read()

    def log(self) -> str:
        return self._log_bytes().decode("utf-8", errors="replace") if self.log_path.exists() else ""
