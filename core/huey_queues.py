"""The CRM's two kinds of Huey queue, embedded (SQLite) and shared (Redis); ``core.queue`` picks one.

Apart from ``core.queue`` so that Huey, and the Redis client it imports, are loaded only when a
process builds its queue (~0.15 s of CPU a ``crm`` command that never enqueues does not pay).
"""
from __future__ import annotations

from datetime import datetime

from huey import RedisHuey, SqliteHuey


class _MinuteSlots:
    """Periodic tasks are enqueued with the minute they were scheduled for (UTC, ISO)."""

    def read_periodic(self, timestamp):
        tasks = super().read_periodic(timestamp)
        minute = (timestamp or datetime.utcnow()).replace(second=0, microsecond=0).isoformat()
        return [type(task)(args=(minute,)) for task in tasks]


class EmbeddedQueue(_MinuteSlots, SqliteHuey):
    pass


class SharedQueue(_MinuteSlots, RedisHuey):
    pass
