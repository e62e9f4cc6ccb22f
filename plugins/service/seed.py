"""The SLA targets and working week every installation starts with.

``ensure_defaults`` runs as the migration's data step (plain SQL, so it does not
depend on the models' later shape) and adds nothing where rows exist.
"""
from __future__ import annotations

from datetime import time

from sqlalchemy import DateTime, Integer, Numeric, String, Time, column, select, table

from core.api import utcnow

# (priority, response hours, resolution hours), in working hours.
TARGETS = [("urgent", 1, 8), ("high", 4, 16), ("normal", 8, 40), ("low", 16, 80)]



def _stamps():
    return column("version", Integer), column("created_at", DateTime), column("updated_at", DateTime)


_target = table("service_sla_target", column("id", Integer), column("priority", String),
                column("response_hours", Numeric), column("resolution_hours", Numeric), *_stamps())
_week = table("service_work_week", column("id", Integer), column("days", String), column("start", Time),
              column("end", Time), *_stamps())


def ensure_defaults(connection) -> int:
    """Insert the default targets (per missing priority) and the Mon–Fri 09:00–18:00 week; returns how many rows."""
    now = utcnow()
    stamps = dict(version=1, created_at=now, updated_at=now)
    have = set(connection.scalars(select(_target.c.priority)))
    rows = [dict(priority=p, response_hours=r, resolution_hours=h, **stamps) for p, r, h in TARGETS if p not in have]
    if rows:
        connection.execute(_target.insert(), rows)
    if connection.execute(select(_week.c.id).limit(1)).first() is None:
        connection.execute(_week.insert(), [dict(days="12345", start=time(9), end=time(18), **stamps)])
        rows.append({})
    return len(rows)
