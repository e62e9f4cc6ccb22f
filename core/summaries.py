"""Summary tables kept in step with the rows they count, in the same transaction as every write.

A report that sums half a million rows on every request is too slow at a
million customers. A ``Summary`` names a small table of sums per key (a month,
a type, an assignee, ...) over the rows of a source model that ``where``
selects, and keeps it equal to those rows:

    CLOSED = Summary(ClosedMonth, Opportunity,
                     keys={"month": MonthOf(Opportunity.closed_at), "status": Opportunity.status},
                     measures={"opportunities": literal(1), "amount": func.coalesce(Opportunity.amount, 0)},
                     count="opportunities", where=(Opportunity.status.in_(CLOSED),))

Every flush that creates, changes or deletes rows of the source through the
ORM subtracts what those rows counted for before the flush and adds what they
count for after it, both read by the same grouped ``SELECT`` that ``rebuild``
uses (so the arithmetic is the database's own), and applies the difference
with ``INSERT ... ON CONFLICT DO UPDATE``: concurrent writers add to a row under
its lock instead of overwriting each other, and a key whose rows are all gone
is deleted. Bulk ``UPDATE`` statements bypass the ORM's flush: code that runs
one over a summarised model must leave the counted rows alone (or call
``rebuild``). Keys may not be NULL (they form the primary key): wrap nullable
columns in ``coalesce``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Numeric, and_, cast, delete, event, func, insert, inspect, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

IN_BATCH = 500
_PENDING = "core.summaries"
_BY_SOURCE: dict[type, list["Summary"]] = defaultdict(list)


def month_of(column, dialect: str):
    """The first day of ``column``'s month (a date or a UTC timestamp), as a date, in SQL."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", column), Date)
    return type_coerce(func.date(column, "start of month"), Date)


def year_of(column, dialect: str):
    """The year of the date ``column``, as an integer, in SQL."""
    if dialect == "postgresql":
        return cast(func.extract("year", column), Integer)
    return cast(func.strftime("%Y", column), Integer)


@dataclass(frozen=True)
class MonthOf:
    """A key: the month of a timestamp column (``month_of`` in the database's dialect)."""

    column: Any

    def expression(self, dialect: str):
        return month_of(self.column, dialect)


def mean(total, count, dialect: str):
    """``total / count`` exactly as ``avg()`` over the rows would give it (NULL when ``count`` is 0):
    PostgreSQL divides numerics, SQLite divides as floating point."""
    if dialect == "postgresql":
        return cast(total, Numeric) / func.nullif(cast(count, Numeric), 0)
    return total * 1.0 / func.nullif(count, 0)


def year_range(year: int) -> tuple[date, date]:
    """The first days of ``year`` and of the next: a year's months are ``first <= month < next``."""
    return date(year, 1, 1), date(year + 1, 1, 1)


@dataclass(eq=False)  # each summary is itself (a key of the flush's bookkeeping)
class Summary:
    """``model``'s rows hold, per combination of ``keys``, the sums of ``measures`` over ``source``'s rows
    that ``where`` selects; ``count`` names the measure that counts them (a key with no rows left goes).

    A summary of a table that is not written through the ORM (``source`` None) is kept by its owner:
    ``totals`` before and after the change, ``apply(connection, difference(before, after))``.
    """

    model: Any
    source: Any
    keys: dict
    measures: dict
    count: str
    where: tuple = ()

    def __post_init__(self):
        if self.source is not None:
            _BY_SOURCE[self.source].append(self)

    @property
    def table(self):
        return self.model.__table__

    def _grouped(self, dialect: str):
        keys = [key.expression(dialect) if isinstance(key, MonthOf) else key for key in self.keys.values()]
        columns = [expression.label(name) for name, expression in zip(self.keys, keys)]
        columns += [func.sum(expression).label(name) for name, expression in self.measures.items()]
        return select(*columns).where(*self.where).group_by(*keys)

    def totals(self, connection, *where, into: dict | None = None) -> dict[tuple, list]:
        """``{key: [measure sums]}`` of the rows ``where`` selects (as the database holds them now)."""
        found = {} if into is None else into
        for row in connection.execute(self._grouped(connection.dialect.name).where(*where)):
            key, values = tuple(row[:len(self.keys)]), list(row[len(self.keys):])
            if key in found:
                values = [a + b for a, b in zip(found[key], values)]
            found[key] = values
        return found

    def rows(self, connection, ids) -> dict[tuple, list]:
        """``{key: [measure sums]}`` of the source rows with these ids (as the database holds them now)."""
        found = {}
        ids = sorted(ids)
        for start in range(0, len(ids), IN_BATCH):
            self.totals(connection, self.source.id.in_(ids[start:start + IN_BATCH]), into=found)
        return found

    def apply(self, connection, changes: dict[tuple, list]) -> None:
        """Add ``{key: [measure differences]}`` to the table; keys left with no rows are deleted."""
        dialect = connection.dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        names = list(self.keys)
        counted = list(self.measures).index(self.count)
        for key in sorted(changes):  # one order for every writer: no deadlock between two of them
            values = changes[key]
            if not any(values):
                continue
            row = dict(zip(names, key)) | dict(zip(self.measures, values))
            stmt = upsert(self.table).values(**row)
            connection.execute(stmt.on_conflict_do_update(
                index_elements=names, set_={name: self.table.c[name] + stmt.excluded[name] for name in self.measures}))
            if values[counted] < 0:
                connection.execute(delete(self.table).where(
                    and_(*(self.table.c[name] == value for name, value in zip(names, key))),
                    self.table.c[self.count] == 0))

    def rebuild(self, connection) -> None:
        """Recompute the whole table from the source rows (a migration's backfill, a repair)."""
        connection.execute(delete(self.table))
        connection.execute(insert(self.table).from_select(
            list(self.keys) + list(self.measures), self._grouped(connection.dialect.name)))


def difference(before: dict, after: dict) -> dict:
    """``{key: [after - before per measure]}`` of two ``totals``."""
    changes = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old is None:
            changes[key] = new
        elif new is None:
            changes[key] = [-value for value in old]
        else:
            changes[key] = [b - a for a, b in zip(old, new)]
    return changes


def _ids(instances) -> set:
    """The primary keys (a new row's is known once the flush inserted it, before it joins the identity map)."""
    found = set()
    for instance in instances:
        identity = inspect(instance).identity
        found.add(identity[0] if identity else instance.id)
    found.discard(None)
    return found


@event.listens_for(Session, "before_flush")
def _before(session, flush_context, instances):
    """What the rows this flush writes counted for before it, read while the database still holds them."""
    touched = defaultdict(set)
    for instance in session.new | session.dirty | session.deleted:
        if type(instance) in _BY_SOURCE and (instance in session.new or instance in session.deleted
                                            or session.is_modified(instance)):
            touched[type(instance)].add(instance)
    if not touched:
        session.info.pop(_PENDING, None)
        return
    connection = session.connection()
    before = {summary: summary.rows(connection, _ids(instances))
              for source, instances in touched.items() for summary in _BY_SOURCE[source]}
    session.info[_PENDING] = (touched, before)


@event.listens_for(Session, "after_flush")
def _after(session, flush_context):
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    touched, before = pending
    connection = session.connection()
    for source, instances in touched.items():
        ids = _ids(instances)
        for summary in _BY_SOURCE[source]:
            summary.apply(connection, difference(before[summary], summary.rows(connection, ids)))


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_PENDING, None)


__all__ = ["Summary", "MonthOf", "difference", "month_of", "year_of", "mean", "year_range"]
