"""CPU time a PostgreSQL backend has used so far, for the in-process timings (``import_times``, ``churn_times``).

Read from ``/proc/<pid>/stat`` (utime + stime), so the server must run on this machine. On a machine
shared with other work a statement's CPU time moves far less than its wall time.
"""
from __future__ import annotations

import os

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int | None) -> float:
    """Seconds of CPU the backend process ``pid`` has used; 0.0 for None (SQLite: no backend)."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)
