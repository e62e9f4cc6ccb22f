"""A job's page (progress bar, outcome, download), its JSON state for the page's script, its download.

A user sees only the jobs they started: any other id is 404, like a missing one.
"""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from core.db import db
from core.jobs import files
from core.jobs.models import DONE, JobRecord
from core.jobs.runner import read_progress
from core.rbac.access import require_permission

blueprint = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="../templates")

VIEW = "core.job.view"


def _own_job(job_id: str) -> JobRecord:
    job = db.session.scalar(select(JobRecord).where(JobRecord.id == job_id[:32],
                                                    JobRecord.user_id == current_user.id))
    if job is None:
        abort(404)
    return job


def _state(job: JobRecord) -> dict:
    done, total, step = read_progress(job.id) if job.is_active else (0, None, None)
    if job.state == DONE:
        done = total = total or 1
    percent = min(100, int(100 * done / total)) if total else None
    return {
        "id": job.id, "state": job.state, "done": done, "total": total, "percent": percent, "step": step,
        "message": job.message,
        "download_url": url_for(".download", job_id=job.id) if job.state == DONE and job.file_name else None,
        "result_url": job.result_url or None,
    }


@blueprint.route("/<job_id>")
@require_permission(VIEW)
def status(job_id: str):
    job = _own_job(job_id)
    return render_template("core/job.html", job=job, state=_state(job))


@blueprint.route("/<job_id>/state")
@require_permission(VIEW)
def state(job_id: str):
    response = jsonify(_state(_own_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/<job_id>/download")
@require_permission(VIEW)
def download(job_id: str):
    job = _own_job(job_id)
    path = files.download_path(job.id, job.file_name) if job.state == DONE and job.file_name else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, as_attachment=True, download_name=job.file_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
