"""The job queue: Huey, embedded on SQLite under ``instance/`` or shared on Redis (``CRM_QUEUE_URL``).

Web processes only enqueue; ``crm worker`` runs a Huey consumer that executes
the tasks and schedules the periodic jobs plugins register (``register_jobs``).

Several workers may run at once, each with its own scheduler. Each scheduler
enqueues a periodic job in the minute its schedule matches, with that minute
as the task's argument; the first worker to claim the ``(job, minute)`` key
in the queue's own store runs it and the others skip it, so a periodic job
runs once per schedule whatever the number of workers and machines.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

RUN_TASK = "crm.run_job"  # the one task of user-started jobs; its argument is a core_job id


class Deferred:
    """An app's queue, built at its first use (``crm worker`` at its start, a web process when it first
    enqueues): importing Huey costs every ``crm`` command ~0.15 s of CPU, and most never enqueue.
    Every attribute is the built queue's; ``build()`` returns a Huey instance with its tasks."""

    def __init__(self, build):
        self._build = build
        self._queue = None
        self._lock = threading.Lock()

    def built(self):
        """The queue itself, built now if it was not yet."""
        with self._lock:  # two request threads enqueueing at once register the tasks once
            if self._queue is None:
                self._queue = self._build()
        return self._queue

    def __getattr__(self, name):
        return getattr(self._queue if self._queue is not None else self.built(), name)


def check(config: dict) -> None:
    """Raise ValueError if ``CRM_QUEUE_URL`` names no queue ``create`` can build (at the app's start,
    though the queue itself is built later)."""
    url = config.get("CRM_QUEUE_URL") or ""
    if url and not url.startswith(("redis://", "rediss://", "unix://", "sqlite:///")):
        raise ValueError(f"CRM_QUEUE_URL must start with redis:// or sqlite:///, not {url.split(':')[0]!r}")


def create(config: dict, instance_path: str):
    """The Huey instance ``CRM_QUEUE_URL`` names: ``redis://...``, ``sqlite:///file`` or unset (embedded)."""
    from core.huey_queues import EmbeddedQueue, SharedQueue

    check(config)
    url = config.get("CRM_QUEUE_URL") or ""
    name = config.get("CRM_QUEUE_NAME") or "crm"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return SharedQueue(name, url=url, results=False, utc=True)
    filename = url[len("sqlite:///"):] if url else str(Path(instance_path) / "queue.db")
    return EmbeddedQueue(name, filename=filename, results=False, utc=True)


def cron_matcher(schedule: str, zone: str):
    """A test ``(UTC datetime) -> bool`` for a five-field cron ``schedule`` read in time zone ``zone``.

    Raises ValueError for a schedule that is not five valid fields.
    """
    from huey import crontab

    fields = schedule.split()
    if len(fields) != 5:
        raise ValueError(f"{schedule!r} is not a cron schedule (minute hour day month weekday)")
    matches = crontab(*fields, strict=True)
    tz = ZoneInfo(zone)

    def validate(utc_moment: datetime) -> bool:
        local = utc_moment.replace(tzinfo=timezone.utc).astimezone(tz).replace(tzinfo=None)
        return matches(local)

    return validate


def claim(huey, job_name: str, minute: str) -> bool:
    """True for the first worker that asks to run ``job_name`` for ``minute``; False for every other."""
    return huey.put_if_empty(f"crm:periodic:{job_name}:{minute}", "1")


def register_tasks(huey, app) -> None:
    """Register the task of user-started jobs and one periodic task per scheduled job of ``app``."""
    from core import jobs

    huey.crm_run = huey.task(name=RUN_TASK)(lambda job_id: jobs.execute(app, job_id))
    huey.crm_periodic = {}
    zone = app.config["BABEL_DEFAULT_TIMEZONE"]
    for job in app.extensions["crm"].jobs.values():
        if not job.schedule:
            continue

        def run(minute=None, name=job.name):
            minute = minute or datetime.utcnow().replace(second=0, microsecond=0).isoformat()
            if not claim(huey, name, minute):
                log.info("periodic job %s for %s already claimed by another worker", name, minute)
                return
            jobs.run_periodic(app, name, minute)

        task = huey.periodic_task(cron_matcher(job.schedule, zone), name=f"crm.periodic.{job.name}")(run)
        huey.crm_periodic[job.name] = task


def enqueue_periodic(huey, job_name: str, minute: str) -> None:
    """Enqueue a periodic job for ``minute`` exactly as a worker's scheduler does."""
    huey.enqueue(huey.crm_periodic[job_name].s(minute))


def run_worker(app, workers: int = 1, periodic: bool = True) -> None:
    """Run a Huey consumer for ``app`` until interrupted (``crm worker``)."""
    # An idle worker polls an embedded queue every 0.2 s (Redis wakes it at once): a job waited up to 1 s to
    # start at 1.0 (0.5 s on average, a tenth of a 100,000-row browser import); an idle worker's CPU over
    # 30 s went from 0.08 to 0.11 s (each empty poll is one indexed SELECT, no lock).
    consumer = app.extensions["crm_queue"].create_consumer(
        workers=workers, worker_type="thread", periodic=periodic, check_worker_health=True, max_delay=0.2)
    consumer.run()
