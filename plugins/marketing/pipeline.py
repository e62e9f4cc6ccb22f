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

from core.api import _, db, scoped, unindexed, utcnow, walking

from plugins.marketing import flow
from plugins.marketing.models import CLOSED, DEVELOPING, OPEN, UNASSIGNED, WON, LOST, Opportunity

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
    months: dict[tuple, list] = {}
    keys = (Opportunity.status, Opportunity.close_date, Opportunity.stage_id) if forecast \
        else (Opportunity.status, Opportunity.stage_id)
    for row in _grouped(base, Opportunity.status.in_(OPEN), *keys):
        figures_ = _exact(row[-3:])
        _add(sums, _column_key(row[0], row[-4]), figures_)
        if forecast:
            day = row[1]
            _add(months, (day.year, day.month) if day else (), figures_)
    since = utcnow() - timedelta(days=FOLDED_DAYS)
    for row in _grouped(base, Opportunity.status.in_(CLOSED) & (Opportunity.closed_at >= since), Opportunity.status):
        _add(sums, row[0], _exact(row[1:]))
    columns = {key: (n, money_sum(total), money_sum(weighted, 100)) for key, (n, total, weighted) in sums.items()}
    return columns, ([("%04d-%02d" % month if month else "", n, money_sum(total), money_sum(weighted, 100))
                      for month, (n, total, weighted) in sorted(months.items())] if forecast else None)


def _exact(figures_) -> tuple[int, Decimal, Decimal]:
    """A group's (count, total, weighted) in Decimal: SQLite sums NUMERIC columns as floats, each group's sum
    exact to the cent (not a thousand of them added up as floats), PostgreSQL as decimals."""
    n, total, weighted = figures_
    return n, Decimal(str(total)), Decimal(str(weighted))


def _add(into: dict, key, figures_) -> None:
    found = into.get(key)
    if found is None:
        into[key] = list(figures_)
    else:
        found[0] += figures_[0]
        found[1] += figures_[1]
        found[2] += figures_[2]


NOTHING = (0, Decimal("0.00"), Decimal("0.00"))


def cards(base, clause, after: int | None = None, limit: int = CARDS,
          in_order: bool = True) -> tuple[list[Opportunity], bool]:
    """The next ``limit`` cards of a column, newest first (after the card with id ``after``); and whether more follow.

    The ids first, then those opportunities. A stage column's ids are read along the column index in id
    order, its scope columns checked in its entries. The other columns (``in_order`` False) have no index
    in id order that also holds what they filter on: a walk along (status, id) read each opportunity to
    check its closing time or owners (an account manager's won and lost cards: 31-37 ms at a million
    customers on SQLite, their unassigned ones 7 ms; PostgreSQL walked the primary key past 75,000 rows
    for the unassigned ones: 15-20 ms). Their ids come from the range of the status (and closing time)
    in a covering index, sorted: ``unindexed`` order, and on SQLite the scope's and filters' columns kept
    off their indexes (``walking``), without which it gathered the manager's every opportunity by
    creator and assignee (9-13 ms each). 0.2-0.7 ms."""
    stmt = base.where(clause)  # the assignee's name comes from user_names(), not a User per card
    if after is not None:
        stmt = stmt.where(Opportunity.id < after)
    ids = stmt.with_only_columns(Opportunity.id)
    if in_order:
        ids = ids.order_by(Opportunity.id.desc())
    else:
        ids = walking(ids, Opportunity.id, Opportunity.status, Opportunity.closed_at) \
            .order_by(unindexed(Opportunity.id).desc())
    found = list(db.session.scalars(
        select(Opportunity).where(Opportunity.id.in_(ids.limit(limit + 1))).order_by(Opportunity.id.desc())))
    return found[:limit], len(found) > limit


def in_id_order(key: str) -> bool:
    """Does an index hold the column ``key``'s opportunities in id order (a stage column)?"""
    return key.startswith("stage-")


def board(base) -> tuple[list[Column], list[tuple[str, int, Decimal, Decimal]]]:
    """The columns with their figures and first cards, and the forecast by close month."""
    sums, forecast = figures(base, forecast=True)
    columns = []
    for key, title, folded in column_keys():
        count, total, weighted = sums.get(key, NOTHING)
        shown, more = cards(base, column_clause(key), in_order=in_id_order(key)) if count else ([], False)
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
