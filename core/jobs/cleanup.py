"""The nightly ``jobs-cleanup``: old jobs and their files go, jobs whose worker vanished are failed."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from core.db import db
from core.jobs import files
from core.jobs.models import ACTIVE, FAILED, JobRecord
from core.jobs.runner import STALE_AFTER
from core.models import utcnow


def clean_up_jobs() -> str:
    now = utcnow()
    stale = db.session.execute(update(JobRecord).where(
        JobRecord.state.in_(ACTIVE), JobRecord.created_at < now - STALE_AFTER,
    ).values(state=FAILED, message="The worker stopped before the job finished.", finished_at=now)).rowcount
    before = now - timedelta(days=current_app.config["CRM_JOB_DAYS"])
    old = list(db.session.scalars(select(JobRecord.id).where(JobRecord.created_at < before,
                                                             JobRecord.state.not_in(ACTIVE))))
    for start in range(0, len(old), 500):
        db.session.execute(delete(JobRecord).where(JobRecord.id.in_(old[start:start + 500])))
    db.session.commit()
    for job_id in old:
        files.remove_job_files(job_id)
    return f"{len(old)} old job(s) removed, {stale} stale job(s) failed."
