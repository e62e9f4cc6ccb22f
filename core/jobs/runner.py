"""Starting a job from a request, running it on a worker, reporting its progress.

A job a user starts runs on the worker inside a request context for the path
it was started from, logged in as that user: ``current_user``, ``scoped``,
permission checks, the audit's actor and the user's language all behave as in
the request that started it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_login import current_user, login_user
from flask_principal import Identity
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.i18n import _
from core.jobs import files
from core.jobs.models import ACTIVE, DONE, FAILED, QUEUED, RUNNING, JobRecord
from core.models import utcnow

log = logging.getLogger(__name__)

MAX_ACTIVE_PER_USER = 3  # a user's jobs waiting or running at once
STALE_AFTER = timedelta(hours=6)  # a job still waiting this long has no worker to take it
ALIVE_EVERY = 30  # seconds between a running job's signs of life
ALIVE_FOR = 180  # a running job silent this long lost its worker (it was killed, the machine stopped)
MAX_TABLE_ROWS = 200  # rows of a failure's table kept for the job page
PROGRESS_EVERY = 0.5  # seconds between two progress writes


class JobFailed(Exception):
    """Raise in a job to fail it with a message for the user (and optionally a table, e.g. bad rows).

    Everything the job wrote in the database session is rolled back and its
    download discarded.
    """

    def __init__(self, message, header=(), rows=(), more: int = 0):
        super().__init__(str(message))
        self.table = {"header": [str(h) for h in header], "rows": [[str(c) for c in row] for row in rows][
            :MAX_TABLE_ROWS], "more": more} if rows else {}


class TooManyJobs(Exception):
    """The user has ``MAX_ACTIVE_PER_USER`` jobs waiting or running."""


@dataclass
class Outcome:
    """What a job may return besides a plain message: a link to a result page."""

    message: str = ""
    url: str = ""


@dataclass
class _Running:
    job_id: str
    huey: Any
    file_name: str = ""
    last_report: float = field(default=0.0)
    last_step: str | None = None


_current: ContextVar[_Running | None] = ContextVar("crm_job", default=None)


def current_job_id() -> str | None:
    """The id of the job running in this context, or None outside a job (a request, a command)."""
    running = _current.get()
    return running.job_id if running else None


def report_progress(done: int, total: int | None = None, step=None) -> None:
    """Tell the job's page how far the work is; a no-op outside a job. Cheap to call often.

    ``step`` (a translated text) names what the job is doing now, for work that is not one count of
    items (an import reads its file, then saves in several steps): the page shows it instead of
    "``done`` of ``total``", and a new step is written at once rather than at the next interval.
    """
    running = _current.get()
    if running is None:
        return
    now, step = time.monotonic(), None if step is None else str(step)
    if now - running.last_report < PROGRESS_EVERY and done != total and step == running.last_step:
        return
    running.last_report, running.last_step = now, step
    running.huey.put(_progress_key(running.job_id), [int(done), None if total is None else int(total), step])


def read_progress(job_id: str) -> tuple[int, int | None, str | None]:
    """``(done, total, step)`` of a running job (see ``report_progress``)."""
    value = current_app.extensions["crm_queue"].get(_progress_key(job_id), peek=True)
    if not value:
        return 0, None, None
    done, total, *step = value  # a job started before steps existed wrote two values
    return done, total, step[0] if step else None


def _progress_key(job_id: str) -> str:
    return f"crm:progress:{job_id}"


def _alive_key(job_id: str) -> str:
    return f"crm:alive:{job_id}"


@contextmanager
def _signs_of_life(huey, job_id: str):
    """While a job runs, a thread writes the time into the queue's store every ALIVE_EVERY seconds.

    The queue's store rather than the database: a long import holds the database's write lock on
    SQLite. A job whose worker was killed stops writing, so ``lost_worker`` can tell it apart from
    a long one and the user can start it again instead of watching a dead job for hours.
    """
    stop = threading.Event()

    def beat():
        while True:
            try:
                huey.put(_alive_key(job_id), time.time())
            except Exception:  # the store is unreachable for a moment: the next beat tries again
                log.warning("job %s: could not record a sign of life", job_id, exc_info=True)
            if stop.wait(ALIVE_EVERY):
                return

    thread = threading.Thread(target=beat, name=f"crm-job-alive-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        huey.delete(_alive_key(job_id))


def lost_worker(job: JobRecord) -> bool:
    """Whether an active job will never finish: waiting longer than STALE_AFTER, or running without a
    sign of life for ALIVE_FOR seconds."""
    now = utcnow()
    if job.state == QUEUED or job.started_at is None:
        return now - job.created_at >= STALE_AFTER
    if now - job.started_at < timedelta(seconds=ALIVE_FOR):
        return False
    last = current_app.extensions["crm_queue"].get(_alive_key(job.id), peek=True)
    return last is None or time.time() - float(last) > ALIVE_FOR


def output_file(file_name: str, **open_args):
    """Open the job's download for writing (text, UTF-8 unless ``open_args`` say otherwise).

    The file is kept, under ``file_name``, only if the job succeeds.
    """
    running = _current.get()
    if running is None:
        raise RuntimeError("output_file is for jobs; a request streams its response instead")
    running.file_name = file_name
    path = files.partial_path(running.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in open_args.get("mode", "w"):
        open_args = {"encoding": "utf-8", "newline": "", **open_args}
    return open(path, open_args.pop("mode", "w"), **open_args)


def start_job(name: str, title, *, params: dict | None = None, key: str | None = None,
              path: str = "/") -> JobRecord:
    """Queue job ``name`` (registered with ``register_jobs``) for the current user; returns its record.

    ``params`` (JSON values) are passed to the job's function as keyword arguments.
    While a job of this user with the same ``key`` is waiting or running, that job
    is returned instead of a new one. Commits the session. Raises ``TooManyJobs``.
    """
    if name not in current_app.extensions["crm"].jobs:
        raise KeyError(f"no job {name!r} is registered")
    user_id = current_user.id
    for attempt in range(2):
        if key is not None and (existing := _active_with_key(user_id, key)) is not None:
            if not lost_worker(existing):
                return existing
            _finish(existing.id, FAILED, _("The worker stopped before the job finished. Start it again."))
            continue
        if _active_count(user_id) >= MAX_ACTIVE_PER_USER:
            raise TooManyJobs(_("You have %(count)s jobs waiting or running; wait until one finishes.",
                                count=MAX_ACTIVE_PER_USER))
        job = JobRecord(id=uuid.uuid4().hex, name=name, title=str(title)[:200], user_id=user_id, key=key,
                        path=path[:2000], params=json.dumps(params or {}), state=QUEUED)
        db.session.add(job)
        try:
            db.session.commit()
        except IntegrityError:  # the same request, a moment earlier: use its job
            db.session.rollback()
            continue
        try:
            current_app.extensions["crm_queue"].crm_run(job.id)
        except Exception as exc:  # the queue is down: say so on the job's page
            log.exception("could not enqueue job %s", job.id)
            _finish(job.id, FAILED, _("The job queue cannot be reached (%(error)s); try again later.",
                                      error=type(exc).__name__))
        return db.session.get(JobRecord, job.id, populate_existing=True)
    return _active_with_key(user_id, key) or job


def _active_with_key(user_id: int, key: str) -> JobRecord | None:
    return db.session.scalar(select(JobRecord).where(
        JobRecord.user_id == user_id, JobRecord.key == key, JobRecord.state.in_(ACTIVE)))


def _active_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(JobRecord).where(
        JobRecord.user_id == user_id, JobRecord.state.in_(ACTIVE), JobRecord.created_at > utcnow() - STALE_AFTER))


def _finish(job_id: str, state: str, message: str = "", **values) -> None:
    db.session.execute(update(JobRecord).where(JobRecord.id == job_id).values(
        state=state, message=str(message), finished_at=utcnow(), **values))
    db.session.commit()


def execute(app, job_id: str) -> None:
    """Run the user-started job ``job_id`` (the worker's task); a job runs at most once."""
    with app.app_context():
        claimed = db.session.execute(update(JobRecord).where(JobRecord.id == job_id, JobRecord.state == QUEUED)
                                     .values(state=RUNNING, started_at=utcnow())).rowcount
        db.session.commit()
        if not claimed:
            return
        job = db.session.get(JobRecord, job_id)
        registered = app.extensions["crm"].jobs.get(job.name)
        running = _Running(job_id, app.extensions["crm_queue"])
        with app.test_request_context(job.path):
            try:
                if registered is None:
                    raise JobFailed(_("The plugin that runs this job is not enabled."))
                _log_in(job.user_id)
                token = _current.set(running)
                try:
                    with _signs_of_life(running.huey, job_id):
                        result = registered.func(**job.arguments)
                finally:
                    _current.reset(token)
                if running.file_name:
                    final = files.download_path(job_id, running.file_name)
                    final.parent.mkdir(parents=True, exist_ok=True)
                    files.partial_path(job_id).replace(final)
            except Exception as exc:
                db.session.rollback()
                files.remove_job_files(job_id)
                if isinstance(exc, JobFailed):
                    _finish(job_id, FAILED, str(exc), details=json.dumps(exc.table) if exc.table else "")
                else:
                    log.exception("job %s (%s) failed", job_id, job.name)
                    _finish(job_id, FAILED, _("The job failed with an unexpected error (%(error)s); nothing was "
                                              "changed.", error=type(exc).__name__))
            else:
                outcome = result if isinstance(result, Outcome) else Outcome("" if result is None else str(result))
                _finish(job_id, DONE, outcome.message, file_name=running.file_name, result_url=outcome.url)
            finally:
                running.huey.delete(_progress_key(job_id))


def _log_in(user_id: int) -> None:
    from core.rbac.access import principal
    from core.rbac.models import User

    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise JobFailed(_("The user who started this job can no longer log in."))
    login_user(user)
    principal.set_identity(Identity(user.id, "login"))


def run_periodic(app, name: str, minute: str) -> None:
    """Run the periodic job ``name`` scheduled for ``minute`` (a worker's task), recorded in ``core_job``."""
    with app.app_context():
        job_id = uuid.uuid4().hex
        db.session.add(JobRecord(id=job_id, name=name, title=name, user_id=None, key=f"periodic:{minute}",
                                 state=RUNNING, started_at=utcnow()))
        db.session.commit()
        try:
            result = app.extensions["crm"].jobs[name].func()
        except Exception as exc:
            db.session.rollback()
            log.exception("periodic job %s failed", name)
            _finish(job_id, FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        else:
            _finish(job_id, DONE, "" if result is None else str(result))
