"""Long work on the job queue: jobs users start (exports, imports) and periodic jobs.

Plugins use it through ``core.api``: ``start_job``, ``report_progress``,
``output_file``, ``JobFailed``, ``Outcome``, ``save_upload``/``upload_path``.
"""
from core.jobs.files import remove_upload, save_upload, upload_path
from core.jobs.models import JobRecord
from core.jobs.runner import (
    JobFailed, Outcome, TooManyJobs, current_job_id, execute, output_file, read_progress, report_progress,
    run_periodic, start_job,
)

__all__ = [
    "JobRecord", "JobFailed", "Outcome", "TooManyJobs", "current_job_id", "execute", "output_file",
    "read_progress", "report_progress", "run_periodic", "start_job", "save_upload", "upload_path",
    "remove_upload",
]
