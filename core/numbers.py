"""Numbers given by the server (customer and order numbers, ...): a counter row per prefix and day.

``reserve_sequence`` increments the day's counter with one statement, in the
caller's transaction. The row stays locked until that transaction ends, so
concurrent transactions receive consecutive, distinct values and never compute
the same number; a rolled-back transaction gives its values back.
"""
from __future__ import annotations

from datetime import date as Date
from typing import Callable

from sqlalchemy import Date as SQLDate, Integer, String, bindparam, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.localtime import local_today


class NumberCounter(db.Model):
    """The last sequence value given for ``prefix`` on ``day`` (UTC)."""

    __tablename__ = "core_number_counter"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[Date] = mapped_column(SQLDate, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


_INCREMENT = text("UPDATE core_number_counter SET value = value + :count "
                  "WHERE prefix = :prefix AND day = :day RETURNING value")
# The first of the day: two transactions may both try to insert; the second waits for the first
# and then increments its row (PostgreSQL), or waits for the write lock (SQLite), so neither fails.
_START = text("INSERT INTO core_number_counter (prefix, day, value) VALUES (:prefix, :day, :value) "
              "ON CONFLICT (prefix, day) DO UPDATE SET value = core_number_counter.value + :count "
              "RETURNING value")


def reserve_sequence(prefix: str, count: int = 1, *, day: Date | None = None,
                     last_given: Callable[[], int] | None = None) -> int:
    """Reserve ``count`` consecutive sequence values of ``prefix`` for ``day`` (today in CRM_TIMEZONE); returns the first.

    Values start at 1 each day. ``last_given`` is asked once, when the day's
    counter row is created, for the highest value already in use that day
    (numbers given before the counter existed); it defaults to 0. The caller
    commits: the counter's row is locked until then.
    """
    day = day or local_today()
    params = {"prefix": prefix, "day": day, "count": count}
    value = db.session.execute(_INCREMENT.bindparams(bindparam("day", type_=SQLDate)), params).scalar()
    if value is None:
        start = last_given() if last_given else 0
        value = db.session.execute(_START.bindparams(bindparam("day", type_=SQLDate)),
                                   {**params, "value": start + count}).scalar()
    return value - count + 1
