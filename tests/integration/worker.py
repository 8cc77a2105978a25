"""A real `celery -A welyb_portal worker` process for the integration tests: started, stopped,
killed and restarted on demand, its output kept in a log file."""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _celery_command() -> list[str]:
    # The celery script of the interpreter running pytest (the project's venv).
    script = Path(sys.executable).parent / "celery"
    return [str(script)] if script.exists() else [sys.executable, "-m", "celery"]


def _die_with_pytest() -> Callable[[], None] | None:
    """Linux: the worker gets SIGKILL if pytest dies without tearing down (killed, or stopped
    by pytest-timeout's thread method), so that no worker outlives its test run."""
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


class CeleryWorker:
    """One worker consuming one queue, with one task at a time (solo pool by default).

    It runs in a process group of its own: `kill()` takes any child with it (a prefork pool,
    the embedded beat), as when a machine dies mid-task. Every start appends to the same log
    file. With `beat_schedule` (a file path), the worker embeds Celery beat (`--beat`), which
    runs CELERY_BEAT_SCHEDULE (the deliveries sweep...) and keeps its state in that file."""

    def __init__(
        self,
        *,
        queue: str,
        env: dict[str, str],
        log_path: Path,
        pool: str = "solo",
        concurrency: int = 1,
        ready_timeout: float = 60.0,
        beat_schedule: Path | None = None,
        cwd: Path = PROJECT_DIR,
    ):
        self.queue = queue
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.pool = pool
        self.concurrency = concurrency
        self.beat_schedule = beat_schedule
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._stopping = False

    @property
    def nodename(self) -> str:
        return f"{self.queue}@localhost"

    @property
    def command(self) -> list[str]:
        beat = [] if self.beat_schedule is None else ["--beat", f"--schedule={self.beat_schedule}"]
        return [
            *_celery_command(),
            "-A",
            "welyb_portal",
            "worker",
            f"--pool={self.pool}",
            f"--concurrency={self.concurrency}",
            f"--queues={self.queue}",
            f"--hostname={self.nodename}",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            *beat,
        ]

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def died_unexpectedly(self) -> bool:
        """The process ended, and neither stop() nor kill() asked it to."""
        return self.process is not None and self.process.poll() is not None and not self._stopping

    def start(self) -> None:
        """Starts the process and returns once it consumes its queue."""
        if self.alive:
            return
        self.starts += 1
        self._stopping = False
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(self.command)}\n".encode())
            log.flush()
            offset = log.tell()
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
        self._wait_until_ready(offset)

    def _wait_until_ready(self, offset: int) -> None:
        # Logged once the consumer listens to the queue (celery.apps.worker.on_consumer_ready).
        marker = f"{self.nodename} ready.".encode()
        deadline = time.monotonic() + self.ready_timeout
        while marker not in self._log_bytes(offset):
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the Celery worker exited with code {self.process.returncode} before it "
                    f"was ready. Its log ({self.log_path}):\n{self.log()}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    f"the Celery worker was not ready within {self.ready_timeout:g}s. "
                    f"Its log ({self.log_path}):\n{self.log()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 20.0) -> None:
        """Warm shutdown (SIGTERM): the task under way finishes, the others stay queued.
        SIGKILL if it takes longer than `timeout`."""
        if self.process is None:
            return
        self._stopping = True
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        # Whatever the group left behind (prefork children) goes too.
        self._signal(signal.SIGKILL)

    def deploy_stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to the main process alone, as Docker, Kubernetes and supervisord stop a
        worker (systemd with KillMode=mixed): a warm shutdown, during which the main process
        lets its children finish their tasks. SIGKILL to the group if it takes longer."""
        if self.process is None:
            return
        self._stopping = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
        self._signal(signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL to the whole group: the worker dies at once, mid-task if it is in one."""
        if self.process is None:
            return
        self._stopping = True
        self._signal(signal.SIGKILL)
        self.process.wait()

    def restart(self, *, kill: bool = False) -> None:
        """Stops (or kills) the worker and starts a new one on the same queue."""
        if kill:
            self.kill()
        else:
            self.stop()
        self.start()

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
