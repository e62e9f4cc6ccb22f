"""The public service of the service plugin: the only module other plugins import.

    from plugins.service import services as service

    service.open_requests()                 # visible requests not yet handled (new or assigned)
    service.breached_requests()             # visible open requests with a breached SLA
    service.average_satisfaction()          # of the visible archived requests, or None

Events (``on_event``), delivered after commit:
``service.request_created`` ``{"id", "customer_id", "priority", "type"}``,
``service.request_assigned`` ``{"id", "assignee_id", "summary"}``,
``service.request_handled`` ``{"id", "handler_id", "created_by_id", "round"}``,
``service.request_reopened`` and ``service.request_archived``
``{"id", "satisfaction", "assignee_id", "round", "by_customer"}``,
``service.sla_at_risk`` and ``service.sla_breached``
``{"id", "target" ("response" or "resolution"), "assignee_id", "summary"}``
(once per request and target).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db, either_rows, scoped, sees_all

from plugins.service.models import (
    ARCHIVED, ASSIGNED, BREACHED, HANDLED, NEW, OPEN, PRIORITIES, STATUSES, ServiceRequest,
)
from plugins.service.month_summaries import ArchivedMonth


def visible_requests_query():
    """``select(ServiceRequest)`` within the user's data scope (own: created, assigned, or the customer's manager)."""
    return scoped(select(ServiceRequest), ServiceRequest)


def count_rows(stmt) -> int:
    """How many requests ``stmt`` (a ``visible_requests_query`` narrowed) selects; an account manager's
    arm after arm (``either_rows``), each a range of its owner's index: as one OR, PostgreSQL read the
    team's entries of the status index and tested the owners in each (on the dashboard at a million
    customers: requests awaiting their feedback, the 19,859 handled requests' entries, 5 ms; breached open
    requests, the 30,149 open ones', 7-8 ms)."""
    rows = either_rows(stmt.with_only_columns(ServiceRequest.id))
    return db.session.scalar(select(func.count()).select_from(rows))


def open_requests() -> int:
    """How many visible requests wait for assignment or handling: an account manager's counted arm after arm
    (``either_rows``), each a range of its owner's index."""
    return count_rows(visible_requests_query().where(ServiceRequest.status.in_(OPEN)))


def breached_requests() -> int:
    """How many visible open requests breached their response or resolution target: everyone's from one range
    of the status index, which holds the states; an account manager's arm after arm (``count_rows``), from
    their open requests' entries of the scope indexes, which hold the states too."""
    R = ServiceRequest
    return count_rows(visible_requests_query().where(R.status.in_(OPEN),
                                                     (R.response_state == BREACHED) | (R.resolution_state == BREACHED)))


def average_satisfaction(since=None) -> Decimal | None:
    """The average final satisfaction (1–5, one decimal) of the visible archived requests, archived since
    ``since`` (a datetime in UTC) if given; None when there are none."""
    if sees_all():
        total, count = _team_satisfaction(since)
        return (Decimal(total) / count).quantize(Decimal("0.1")) if count else None
    R = ServiceRequest
    stmt = visible_requests_query().where(R.status == ARCHIVED)
    if since is not None:
        stmt = stmt.where(R.archived_at >= since)
    rows = either_rows(stmt.with_only_columns(R.satisfaction))
    value = db.session.scalar(select(func.avg(rows.c.satisfaction)))
    return Decimal(str(value)).quantize(Decimal("0.1")) if value is not None else None


def _archived_satisfaction(first: datetime, following: datetime) -> tuple[int, int]:
    """(satisfaction summed, how many rated) of the requests archived from ``first`` until ``following``."""
    R = ServiceRequest
    total, count = db.session.execute(
        select(func.coalesce(func.sum(R.satisfaction), 0), func.count(R.satisfaction))
        .where(R.status == ARCHIVED, R.archived_at >= first, R.archived_at < following)).one()
    return int(total), int(count)


def _team_satisfaction(since: datetime | None) -> tuple[int, int]:
    """(satisfaction summed, how many rated) of every request archived since ``since``: whole months from the
    archived months, and the part of a month ``since`` falls in (the local new year is seldom a UTC month's
    first moment) from the requests, added or taken away, whichever is the shorter stretch."""
    M = ArchivedMonth
    stmt = select(func.coalesce(func.sum(M.satisfaction), 0), func.coalesce(func.sum(M.rated), 0))
    if since is None:
        total, count = db.session.execute(stmt).one()
        return int(total), int(count)
    month = since.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (month + timedelta(days=32)).replace(day=1)
    if since - month <= following - since:  # the month from its start, less what came before ``since``
        total, count = db.session.execute(stmt.where(M.month >= month.date())).one()
        less_total, less_count = _archived_satisfaction(month, since) if since > month else (0, 0)
        return int(total) - less_total, int(count) - less_count
    total, count = db.session.execute(stmt.where(M.month >= following.date())).one()
    more_total, more_count = _archived_satisfaction(since, following)
    return int(total) + more_total, int(count) + more_count


def status_label(status: str) -> str:
    """The translated name of a status (new, assigned, handled, archived)."""
    return str(STATUSES.get(status, status))


def priority_label(priority: str) -> str:
    """The translated name of a priority (low, normal, high, urgent)."""
    return str(PRIORITIES.get(priority, priority))


__all__ = ["visible_requests_query", "open_requests", "breached_requests", "average_satisfaction", "status_label",
           "priority_label", "ServiceRequest", "NEW", "ASSIGNED", "HANDLED", "ARCHIVED"]
