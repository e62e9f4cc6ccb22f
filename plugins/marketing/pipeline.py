"""The pipeline (销售漏斗) as numbers: kanban columns and the forecast, aggregated in SQL.

The columns' figures (count, total and probability-weighted amount of the whole
column, never of the cards on screen) and the forecast cost two aggregate
statements whatever the columns' sizes; each column then reads its first ``CARDS``
cards; "load more" reads the next cards by id (keyset), so a deep column is as
cheap as a short one.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.api import _, db, scoped, utcnow

from plugins.marketing import flow
from plugins.marketing.models import CLOSED, DEVELOPING, UNASSIGNED, WON, LOST, Opportunity

CARDS = 20
FOLDED_DAYS = 30  # won and lost columns show the last 30 days
OPEN = (UNASSIGNED, DEVELOPING)
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


def _grouped(base, clause, *keys):
    """(keys..., count, total, weighted) of the rows ``clause`` keeps, one row per distinct ``keys``."""
    return db.session.execute(base.where(clause).with_only_columns(
        *keys, func.count(), func.coalesce(func.sum(Opportunity.amount), 0),
        func.coalesce(func.sum(Opportunity.amount * Opportunity.probability), 0)).group_by(*keys)).all()


def _column_key(status: str, stage_id: int | None) -> str:
    return f"stage-{stage_id}" if status == DEVELOPING else status


def figures(base, forecast: bool = False) -> tuple[dict[str, tuple[int, Decimal, Decimal]], list | None]:
    """Every column's (count, total, weighted amount), and with ``forecast`` the open opportunities by
    expected close month: two aggregate statements for the whole board.

    The open columns (unassigned and each stage) are grouped from one read of the open opportunities'
    index entries, by close *date* too when the forecast is asked for (the forecast index holds the
    stage: the same entries serve both, a few hundred groups added up here); the won and lost columns
    from one read of their last 30 days."""
    sums: dict[str, list] = {}
    months: dict[str, list] = {}
    keys = (Opportunity.status, Opportunity.close_date, Opportunity.stage_id) if forecast \
        else (Opportunity.status, Opportunity.stage_id)
    for row in _grouped(base, Opportunity.status.in_(OPEN), *keys):
        status, stage_id, n, total, weighted = row[0], row[-4], row[-3], row[-2], row[-1]
        _add(sums, _column_key(status, stage_id), n, total, weighted)
        if forecast:
            _add(months, row[1].strftime("%Y-%m") if row[1] else "", n, total, weighted)
    since = utcnow() - timedelta(days=FOLDED_DAYS)
    for status, n, total, weighted in _grouped(
            base, Opportunity.status.in_(CLOSED) & (Opportunity.closed_at >= since), Opportunity.status):
        _add(sums, status, n, total, weighted)
    columns = {key: (n, money_sum(total), money_sum(weighted, 100)) for key, (n, total, weighted) in sums.items()}
    return columns, ([(m, n, money_sum(total), money_sum(weighted, 100))
                      for m, (n, total, weighted) in sorted(months.items())] if forecast else None)


def _add(into: dict[str, list], key: str, n: int, total, weighted) -> None:
    """Add a group's figures to ``into[key]``, exactly: SQLite sums NUMERIC columns as floats (each group's
    sum exact to the cent, not a thousand of them added up as floats), PostgreSQL as decimals."""
    figures_ = into.setdefault(key, [0, Decimal(0), Decimal(0)])
    figures_[0] += n
    figures_[1] += Decimal(str(total))
    figures_[2] += Decimal(str(weighted))


NOTHING = (0, Decimal("0.00"), Decimal("0.00"))


def cards(base, clause, after: int | None = None, limit: int = CARDS) -> tuple[list[Opportunity], bool]:
    """The next ``limit`` cards of a column, newest first (after the card with id ``after``); and whether more follow."""
    stmt = base.where(clause)  # the assignee's name comes from user_names(), not a User per card
    if after is not None:
        stmt = stmt.where(Opportunity.id < after)
    found = list(db.session.scalars(stmt.order_by(Opportunity.id.desc()).limit(limit + 1)))
    return found[:limit], len(found) > limit


def board(base) -> tuple[list[Column], list[tuple[str, int, Decimal, Decimal]]]:
    """The columns with their figures and first cards, and the forecast by close month."""
    sums, forecast = figures(base, forecast=True)
    columns = []
    for key, title, folded in column_keys():
        count, total, weighted = sums.get(key, NOTHING)
        shown, more = cards(base, column_clause(key)) if count else ([], False)
        columns.append(Column(key, title, count, total, weighted, shown, more, folded))
    return columns, forecast


def all_totals(base) -> dict[str, dict]:
    """Every column's figures, for the script to refresh the headers after a move."""
    sums, _forecast = figures(base)
    figures_ = {}
    for key, _title, _folded in column_keys():
        count, total, weighted = sums.get(key, NOTHING)
        figures_[key] = {"count": count, "total": str(total), "weighted": str(weighted)}
    return figures_


def money_sum(value, divisor: int = 1) -> Decimal:
    """A sum as money; SQLite sums NUMERIC columns as floats, PostgreSQL exactly."""
    return (Decimal(str(value)) / divisor).quantize(CENT)
