"""Customer numbers: "KH" + YYYYMMDD + a 5-digit sequence per day, unique under concurrency."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.api import db, utcnow

from plugins.customers.models import Customer

PREFIX = "KH"
ATTEMPTS = 10


def _next_number(prefix: str) -> str:
    # A range (not LIKE) reads only the day's numbers from the unique index, in any collation:
    # they lie between "KH20261124" and "KH20261125". Longest first, so a 6-digit sequence stays the latest.
    following = PREFIX + str(int(prefix[len(PREFIX):]) + 1)
    last = db.session.scalar(
        select(Customer.number).where(Customer.number >= prefix, Customer.number < following)
        .order_by(func.length(Customer.number).desc(), Customer.number.desc()).limit(1)
    )
    sequence = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


def today_prefix() -> str:
    return PREFIX + utcnow().strftime("%Y%m%d")


def reserve_numbers(count: int) -> list[str]:
    """``count`` consecutive fresh numbers of today, for a bulk insert (the CSV import).

    Nothing is locked: the numbers follow the day's highest number as this
    transaction sees it. A customer created in the UI meanwhile may compute one
    of the same numbers; the unique constraint on ``number`` lets only one of
    the two rows in. If the UI's row is in first, the bulk insert fails with an
    IntegrityError: the caller runs it in a savepoint, rolls that back and
    retries with freshly reserved numbers (which now follow the UI's). If the
    bulk insert is in first, the UI's insert waits until the import commits,
    then fails on the constraint and ``add_numbered`` takes the next free
    number. Either way no number is ever given twice.
    """
    prefix = today_prefix()
    first = int(_next_number(prefix)[len(prefix):])
    return [f"{prefix}{first + offset:05d}" for offset in range(count)]


def add_numbered(customer: Customer) -> None:
    """Add ``customer`` to the session with a fresh number, flushed (the caller commits).

    Two customers created at the same moment may compute the same number; the
    unique constraint refuses the second, which takes the next number inside a
    savepoint, so the caller's other work in the transaction is kept.
    """
    prefix = today_prefix()
    for attempt in range(ATTEMPTS):
        customer.number = _next_number(prefix)
        try:
            with db.session.begin_nested():
                db.session.add(customer)
            return
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
