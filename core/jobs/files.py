"""Files of jobs: uploads waiting for a worker and the downloads jobs produce.

They live under ``CRM_FILES_DIR`` (default ``instance/files``), which every app
server and worker must share (the same machine, or a shared volume). A
download is written under a temporary name and renamed when the job succeeds,
so a file is either complete or absent.
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from flask import current_app


def root() -> Path:
    return Path(current_app.config["CRM_FILES_DIR"])


def job_folder(job_id: str) -> Path:
    return root() / "jobs" / job_id


def download_path(job_id: str, file_name: str) -> Path:
    return job_folder(job_id) / "download" / file_name


def partial_path(job_id: str) -> Path:
    return job_folder(job_id) / "partial"


def save_upload(storage) -> str:
    """Save an uploaded file (a werkzeug ``FileStorage``, spooled to disk) for a job; returns its name."""
    name = uuid.uuid4().hex
    path = root() / "uploads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    storage.save(str(path))
    return name


def upload_path(name: str) -> Path:
    if not name.isalnum():
        raise ValueError("not an upload name")
    return root() / "uploads" / name


def remove_upload(name: str) -> None:
    upload_path(name).unlink(missing_ok=True)


def remove_job_files(job_id: str) -> None:
    shutil.rmtree(job_folder(job_id), ignore_errors=True)
