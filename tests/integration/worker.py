"""A real `celery -A welyb_portal worker` process for the integration tests: started, stopped
(warmly, or as a deploy does) and killed on demand, its output kept in a log file."""

import contextlib
import os
import signal
import sys
from pathlib import Path

from tests.integration.processes import ServerProcess

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _celery_command() -> list[str]:
    # The celery script of the interpreter running pytest (the project's venv).
    script = Path(sys.executable).parent / "celery"
    return [str(script)] if script.exists() else [sys.executable, "-m", "celery"]


class CeleryWorker(ServerProcess):
    """One worker consuming one queue, with one task at a time (solo pool by default).

    It runs in a process group of its own: `kill()` takes any child with it (a prefork pool,
    the embedded beat), as when a machine dies mid-task. Every start appends to the same log
    file. With `beat_schedule` (a file path), the worker embeds Celery beat (`--beat`), which
    runs CELERY_BEAT_SCHEDULE (the deliveries sweep...) and keeps its state in that file."""

    label = "the Celery worker"

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
        super().__init__(cwd=cwd, log_path=log_path, env=env, ready_timeout=ready_timeout)
        self.queue = queue
        self.pool = pool
        self.concurrency = concurrency
        self.beat_schedule = beat_schedule

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
        return self.running

    def answers(self) -> bool:
        # Logged once the consumer listens to the queue (celery.apps.worker.on_consumer_ready).
        return f"{self.nodename} ready.".encode() in self._log_bytes(self._log_offset)

    def stop(self, timeout: float = 20.0) -> None:
        """Warm shutdown (SIGTERM): the task under way finishes, the others stay queued.
        SIGKILL if it takes longer than `timeout`."""
        super().stop(timeout)

    def deploy_stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to the main process alone, as Docker, Kubernetes and supervisord stop a
        worker (systemd with KillMode=mixed): a warm shutdown, during which the main process
        lets its children finish their tasks. SIGKILL to the group if it takes longer."""
        self._terminate(self._sigterm_main_process, timeout=timeout)

    def _sigterm_main_process(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
