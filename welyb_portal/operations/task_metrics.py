"""Celery tasks timed and their failures counted, by task name, for /metrics.

Tasks run in worker processes, often on other machines than the web nodes that /metrics is
asked of: each worker adds its figures to one hash of the shared Redis (REDIS_URL), and any
web node reads that hash when it is scraped. Without REDIS_URL, tasks run in the web process
itself, which keeps the figures in its memory.

Counting never gets in a task's way: a Redis that does not answer costs a task one second at
most and loses that task's figures, with a warning in the log."""

import logging
import threading
import time
from collections import defaultdict

from celery.signals import task_failure, task_postrun, task_prerun
from django.conf import settings
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString
from redis import RedisError

from .redis_clients import redis_client

logger = logging.getLogger(__name__)

KEY = "portal:metrics:celery-tasks"
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 150.0)
DURATION = "portal_celery_task_duration_seconds"
FAILURES = "portal_celery_task_failures"

# The hash's fields: "<task>|count", "<task>|sum", "<task>|le|<bucket index>", "<task>|failures"
# (a task's name is a dotted Python path: never a "|").
_SEPARATOR = "|"

# Without Redis: this process's own figures.
_memory: dict[str, float] = defaultdict(float)
_memory_lock = threading.Lock()
# When each task of this process started, by task id.
_started: dict[str, float] = {}


def _bucket_index(seconds: float) -> int:
    """The first bucket the duration fits in; len(BUCKETS) for +Inf."""
    return next((i for i, bound in enumerate(BUCKETS) if seconds <= bound), len(BUCKETS))


def _add(increments: dict[str, float]) -> None:
    if not settings.REDIS_URL:
        with _memory_lock:
            for field, amount in increments.items():
                _memory[field] += amount
        return
    try:
        pipeline = redis_client(settings.REDIS_URL).pipeline(transaction=False)
        for field, amount in increments.items():
            pipeline.hincrbyfloat(KEY, field, amount)
        pipeline.execute()
    except RedisError as error:
        logger.warning("task metrics not recorded (Redis unreachable): %r", error)


def task_duration_record(*, task: str, seconds: float) -> None:
    prefix = task + _SEPARATOR
    _add(
        {
            prefix + "count": 1,
            prefix + "sum": seconds,
            f"{prefix}le{_SEPARATOR}{_bucket_index(seconds)}": 1,
            # Every task that ran gets a failure count, 0 until it fails: a rate needs a series.
            prefix + "failures": 0,
        }
    )


def task_failure_record(*, task: str) -> None:
    _add({task + _SEPARATOR + "failures": 1})


@task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    if task_id is not None:
        _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_finished(task_id=None, task=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is not None and task is not None:
        task_duration_record(task=task.name, seconds=time.monotonic() - started)


@task_failure.connect
def _task_failed(sender=None, **kwargs) -> None:
    if sender is not None:
        task_failure_record(task=sender.name)


def _read() -> dict[str, float]:
    if not settings.REDIS_URL:
        with _memory_lock:
            return dict(_memory)
    raw = redis_client(settings.REDIS_URL).hgetall(KEY)
    # The client reads bytes (no decode_responses); redis-py types either.
    return {
        field.decode() if isinstance(field, bytes) else field: float(value)
        for field, value in raw.items()
    }


class TaskMetricsCollector:
    """Reads every worker's figures when /metrics is scraped."""

    def collect(self):
        try:
            fields = _read()
        except RedisError as error:
            # /readyz and portal_ready{part="broker"} say why.
            logger.warning("task metrics not read (Redis unreachable): %r", error)
            return
        tasks: dict[str, dict[str, float]] = defaultdict(dict)
        for field, value in fields.items():
            task, _, name = field.partition(_SEPARATOR)
            tasks[task][name] = value
        durations = HistogramMetricFamily(
            DURATION, "Time a Celery task ran, by task.", labels=["task"]
        )
        failures = CounterMetricFamily(
            FAILURES, "Celery tasks that ended in an error, by task.", labels=["task"]
        )
        for task, values in sorted(tasks.items()):
            failures.add_metric([task], values.get("failures", 0))
            if "count" not in values:
                continue
            cumulative, buckets = 0.0, []
            for i, bound in enumerate(BUCKETS):
                cumulative += values.get(f"le{_SEPARATOR}{i}", 0)
                buckets.append((floatToGoString(bound), cumulative))
            buckets.append(("+Inf", values["count"]))
            durations.add_metric([task], buckets, values.get("sum", 0))
        yield durations
        yield failures
