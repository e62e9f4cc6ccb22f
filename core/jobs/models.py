"""A job a user started (an export, an import): who, what, its state and its outcome.

Kept in the CRM's database so every app server can show it; the progress of a
running job lives in the queue's store (see ``core.jobs.progress``), because a
job's own transaction may hold SQLite's write lock while it reports.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.models import utcnow

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
ACTIVE = (QUEUED, RUNNING)

_ACTIVE_SQL = "state IN ('queued', 'running')"


class JobRecord(db.Model):
    __tablename__ = "core_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex: not guessable, not countable
    name: Mapped[str] = mapped_column(String(64))  # a job registered with ``register_jobs``
    title: Mapped[str] = mapped_column(String(200))
    # None for a periodic run (its key is the scheduled minute).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    # The same work asked for again while it runs reuses the running job (see ``start_job``).
    key: Mapped[str | None] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(2000), default="/")  # the request the job runs in
    params: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")  # JSON table shown on the job page
    file_name: Mapped[str] = mapped_column(String(200), default="")
    result_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # At most one active job per user and key: two identical requests at once start one job.
        Index("uq_core_job_active_key", "user_id", "key", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
    )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE

    @property
    def arguments(self) -> dict:
        return json.loads(self.params or "{}")

    @property
    def table(self) -> dict:
        """``{"header": [...], "rows": [[...], ...], "more": n}`` or {}."""
        return json.loads(self.details) if self.details else {}
