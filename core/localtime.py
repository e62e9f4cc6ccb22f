"""Local time of the deployment (``CRM_TIMEZONE``, default Asia/Shanghai).

Times are stored in naive UTC (``utcnow``); what a person means by "today",
"this month" or "09:00" is local. These helpers give that local view, e.g. for
date filters, "due today" lists and working hours.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask.globals import _cv_app

DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_timezone() -> ZoneInfo:
    """The deployment's time zone (``CRM_TIMEZONE``)."""
    app = _cv_app.get(None)  # (not current_app and has_app_context: two proxy walks, and lists ask per row)
    return _zone((app.app.config.get("BABEL_DEFAULT_TIMEZONE") if app is not None else None) or DEFAULT_TIMEZONE)


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_now() -> datetime:
    """The current time in ``CRM_TIMEZONE``, timezone-aware."""
    return datetime.now(local_timezone())


def local_today() -> date:
    """Today's date in ``CRM_TIMEZONE`` (not UTC's: before 08:00 in Beijing they differ)."""
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC (or aware) time in ``CRM_TIMEZONE``, timezone-aware."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_timezone())


def to_utc(moment: datetime) -> datetime:
    """An aware (or naive local) time as naive UTC, the way times are stored."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_timezone())
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
