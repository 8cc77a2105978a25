"""A real worker process runs tasks; a web node's /metrics then shows their runs and failures,
carried by the shared Redis."""

import time

from tests.helpers.metrics import TOKEN, sample, scrape
from welyb_portal import celery_app

SWEEP = "partner_apps.tasks.sweep_deliveries"
RUNS = "portal_celery_task_duration_seconds_count"
FAILURES = "portal_celery_task_failures_total"


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples = scrape()
        if condition(samples):
            return samples
        time.sleep(0.2)
    raise AssertionError("the worker's figures never reached /metrics")


def test_a_workers_task_runs_and_failures_reach_metrics(celery_worker, settings):
    settings.METRICS_TOKEN = TOKEN
    before = scrape()
    runs_before = sample(before, RUNS, task=SWEEP)
    failures_before = sample(before, FAILURES, task=SWEEP)

    celery_app.send_task(SWEEP)
    # The worker calls it with an argument it does not take: the task fails in the worker.
    celery_app.send_task(SWEEP, args=["unexpected"])

    after = wait_for(lambda s: sample(s, RUNS, task=SWEEP) - runs_before >= 2)
    assert sample(after, RUNS, task=SWEEP) - runs_before == 2
    assert sample(after, FAILURES, task=SWEEP) - failures_before == 1
    assert sample(after, "portal_celery_task_duration_seconds_bucket", task=SWEEP, le="+Inf") == (
        sample(after, RUNS, task=SWEEP)
    )
