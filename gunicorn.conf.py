"""gunicorn's settings, read from the working directory (`gunicorn welyb_portal.wsgi`).

With PROMETHEUS_MULTIPROC_DIR set, each worker process writes its request figures to files of
that directory and /metrics adds up every process's (README, « Exploitation »). The directory
is emptied when gunicorn starts, so that a deploy starts from zero, as Prometheus expects of a
restarted process."""

import os
from pathlib import Path


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
