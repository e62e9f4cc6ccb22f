"""The public service of the marketing plugin: the only module other plugins import.

    from plugins.marketing import services as marketing

    value = marketing.open_pipeline_value()          # weighted, within the user's data scope
    rate = marketing.win_rate(since=date(2026, 1, 1))

Events (``on_event``), delivered after commit:
``marketing.opportunity_assigned`` ``{"id", "assignee_id", "customer_name"}``,
``marketing.opportunity_won`` ``{"id", "customer_id", "created_customer", "assignee_id", "amount"}``
(``amount`` a decimal string or None), ``marketing.opportunity_lost`` ``{"id", "reason", "assignee_id"}``.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select

from core.api import db, either_rows, scoped, sees_all

from plugins.marketing.closed_months import ClosedMonth
from plugins.marketing.open_totals import OpenTotal
from plugins.marketing.models import (
    CLOSED, DEVELOPING, LOST, OPEN, STATUSES, UNASSIGNED, WON, Opportunity,
)
from plugins.marketing.pipeline import money_sum


def visible_opportunities_query():
    """``select(Opportunity)`` narrowed to the current user's data scope (own: created by or assigned to them)."""
    return scoped(select(Opportunity), Opportunity)


def open_pipeline_value(assignee_id: int | None = None) -> tuple[Decimal, Decimal]:
    """(total, probability-weighted) expected amount of the visible open opportunities; one statement.
    A user who sees every opportunity gets them from the open totals."""
    if sees_all():
        T = OpenTotal
        stmt = select(func.coalesce(func.sum(T.amount), 0), func.coalesce(func.sum(T.weighted), 0))
        total, weighted = db.session.execute(
            stmt if assignee_id is None else stmt.where(T.assignee_id == assignee_id)).one()
        return money_sum(total), money_sum(weighted, 100)
    stmt = visible_opportunities_query().where(Opportunity.status.in_(OPEN))
    if assignee_id is not None:
        stmt = stmt.where(Opportunity.assignee_id == assignee_id)
    rows = either_rows(stmt.with_only_columns(Opportunity.amount, Opportunity.probability))  # arm after arm
    total, weighted = db.session.execute(select(
        func.coalesce(func.sum(rows.c.amount), 0), func.coalesce(func.sum(rows.c.amount * rows.c.probability), 0))).one()
    return money_sum(total), money_sum(weighted, 100)


def win_rate(since: date | None = None) -> tuple[int, int, Decimal | None]:
    """(won, closed, percent won) of the visible opportunities closed since ``since``; percent None when none closed.
    A user who sees every opportunity gets them from the closed months when ``since`` starts a month."""
    if sees_all() and (since is None or (not isinstance(since, datetime) and since.day == 1)):
        C = ClosedMonth
        stmt = select(func.coalesce(func.sum(case((C.status == WON, C.opportunities), else_=0)), 0),
                      func.coalesce(func.sum(C.opportunities), 0))
        won, closed = db.session.execute(stmt if since is None else stmt.where(C.month >= since)).one()
    else:
        stmt = visible_opportunities_query().where(Opportunity.status.in_(CLOSED))
        if since is not None:
            stmt = stmt.where(Opportunity.closed_at >= datetime.combine(since, datetime.min.time()))
        rows = either_rows(stmt.with_only_columns(Opportunity.status))  # arm after arm
        won, closed = db.session.execute(select(
            func.coalesce(func.sum(case((rows.c.status == WON, 1), else_=0)), 0), func.count())).one()
    rate = (Decimal(won) * 100 / closed).quantize(Decimal("0.1")) if closed else None
    return int(won), int(closed), rate


def status_label(status: str) -> str:
    """The translated name of an opportunity status (unassigned, developing, won, lost)."""
    return str(STATUSES.get(status, status))


__all__ = ["visible_opportunities_query", "open_pipeline_value", "win_rate", "status_label", "Opportunity",
           "UNASSIGNED", "DEVELOPING", "WON", "LOST"]
