"""The pipeline (销售漏斗) as numbers: kanban columns and the forecast, aggregated in SQL.

Each column costs two statements whatever its size: one aggregate (count,
total and probability-weighted amount of the whole column, never of the cards
on screen) and its first ``CARDS`` cards; "load more" reads the next cards by
id (keyset), so a deep column is as cheap as a short one.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.api import _, db, scoped, utcnow

from plugins.marketing import flow
from plugins.marketing.models import DEVELOPING, LOST, UNASSIGNED, WON, Opportunity

CARDS = 20
FOLDED_DAYS = 30  # won and lost columns show the last 30 days
CENT = Decimal("0.01")


@dataclass
class Column:
    key: str  # unassigned, stage-<id>, won, lost
    title: str
    count: int = 0
    total: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    cards: list = field(default_factory=list)
    more: bool = False
    folded: bool = False


def board_query(assignee_id=None, source=None, month: str | None = None):
    """``select(Opportunity)`` of the visible opportunities the board's filters keep."""
    stmt = scoped(select(Opportunity), Opportunity)
    if assignee_id is not None:
        stmt = stmt.where(Opportunity.assignee_id == assignee_id)
    if source:
        stmt = stmt.where(Opportunity.source == source)
    if month:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
        last = date(year, number, calendar.monthrange(year, number)[1])
        stmt = stmt.where(Opportunity.close_date.between(first, last))
    return stmt


def column_clause(key: str):
    """The WHERE clause of one column, or None for an unknown key."""
    if key == UNASSIGNED:
        return Opportunity.status == UNASSIGNED
    if key in (WON, LOST):
        since = utcnow() - timedelta(days=FOLDED_DAYS)
        return (Opportunity.status == key) & (Opportunity.closed_at >= since)
    stage_id = key.removeprefix("stage-")
    if key.startswith("stage-") and stage_id.isascii() and stage_id.isdigit() and len(stage_id) < 10:
        return (Opportunity.status == DEVELOPING) & (Opportunity.stage_id == int(stage_id))
    return None


def column_keys() -> list[tuple[str, str, bool]]:
    """(key, title, folded) of every column, in board order."""
    return ([(UNASSIGNED, _("Unassigned"), False)]
            + [(f"stage-{stage.id}", stage.label, False) for stage in flow.stages()]
            + [(WON, _("Won (last %(days)s days)", days=FOLDED_DAYS), True),
               (LOST, _("Lost (last %(days)s days)", days=FOLDED_DAYS), True)])


def totals(base, clause) -> tuple[int, Decimal, Decimal]:
    """Count, total and weighted amount of a whole column: one aggregate statement."""
    column = base.where(clause).subquery()
    row = db.session.execute(select(  # count(*): the closing-time index, which has no id, covers it
        func.count(), func.coalesce(func.sum(column.c.amount), 0),
        func.coalesce(func.sum(column.c.amount * column.c.probability), 0))).one()
    return row[0], money_sum(row[1]), money_sum(row[2], 100)


def cards(base, clause, after: int | None = None, limit: int = CARDS) -> tuple[list[Opportunity], bool]:
    """The next ``limit`` cards of a column, newest first (after the card with id ``after``); and whether more follow."""
    stmt = base.where(clause)  # the assignee's name comes from user_names(), not a User per card
    if after is not None:
        stmt = stmt.where(Opportunity.id < after)
    found = list(db.session.scalars(stmt.order_by(Opportunity.id.desc()).limit(limit + 1)))
    return found[:limit], len(found) > limit


def board(base) -> list[Column]:
    columns = []
    for key, title, folded in column_keys():
        clause = column_clause(key)
        count, total, weighted = totals(base, clause)
        shown, more = cards(base, clause) if count else ([], False)
        columns.append(Column(key, title, count, total, weighted, shown, more, folded))
    return columns


def all_totals(base) -> dict[str, dict]:
    """Every column's figures, for the script to refresh the headers after a move."""
    figures = {}
    for key, _title, _folded in column_keys():
        count, total, weighted = totals(base, column_clause(key))
        figures[key] = {"count": count, "total": str(total), "weighted": str(weighted)}
    return figures


def forecast(base) -> list[tuple[str, int, Decimal, Decimal]]:
    """Open opportunities (unassigned and developing) by expected close month: (YYYY-MM or '', count,
    total, weighted), in month order. One statement grouped by status and close *date*, which reads
    the index (status, close_date, amount, probability) in its order and nothing else; the few
    hundred groups are added up into months here (a month label computed per row, and a grouping
    the index did not give, cost 40-440 ms over 48,000 open opportunities at a million customers)."""
    stmt = (base.where(Opportunity.status.in_((UNASSIGNED, DEVELOPING)))
            .with_only_columns(Opportunity.close_date, func.count(),
                               func.coalesce(func.sum(Opportunity.amount), 0),
                               func.coalesce(func.sum(Opportunity.amount * Opportunity.probability), 0))
            .group_by(Opportunity.status, Opportunity.close_date))
    months: dict[str, list] = {}
    for day, n, total, weighted in db.session.execute(stmt):
        month = months.setdefault(day.strftime("%Y-%m") if day else "", [0, Decimal(0), Decimal(0)])
        month[0] += n
        month[1] += Decimal(str(total))
        month[2] += Decimal(str(weighted))
    return [(m, n, money_sum(total), money_sum(weighted, 100)) for m, (n, total, weighted) in sorted(months.items())]


def money_sum(value, divisor: int = 1) -> Decimal:
    """A sum as money; SQLite sums NUMERIC columns as floats, PostgreSQL exactly."""
    return (Decimal(str(value)) / divisor).quantize(CENT)
