"""gunicorn's settings, read from the working directory by `gunicorn welyb_portal.wsgi` (the
Procfile's web process).

- Under LOG_FORMAT=json its own lines (start, workers booted, worker timeouts) are JSON lines
  too, as the portal's are; its access log stays off: the portal logs one line per request
  itself, with the request's id, cabinet and user.
- Threaded workers (gthread, GUNICORN_THREADS threads each, 4 by default): a long download (a
  company's export streams for minutes) holds one thread, and the worker keeps telling its
  arbiter it lives, where a sync worker would be killed after `timeout` (30 s) mid-stream.
- With PROMETHEUS_MULTIPROC_DIR set, each worker process writes its request figures to files of
  that directory and /metrics adds up every process's (README, « Exploitation »). The directory
  is emptied when gunicorn starts, so that a deploy starts from zero, as Prometheus expects of a
  restarted process.
- Each worker freezes what it loaded (Django, the apps, the models) out of the garbage
  collector's reach once it has booted: those objects live as long as the worker, and each
  full collection walked all of them, 70 to 150 ms inside whichever request triggered it
  (docs/benchmarks.md, « Platform scale », the send history's and the folder page's p95)."""

import gc
import os
from pathlib import Path

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "welyb_portal.observability.json_logs.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def post_worker_init(worker):
    gc.freeze()
