"""Customer numbers ("KH" + YYYYMMDD + a 5-digit sequence per day) and order numbers given on save
("DD" + YYYYMMDD + a 5-digit sequence), from the core's counter per prefix and day (``reserve_sequence``):
concurrent transactions never compute the same number."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.api import db, local_today, reserve_sequence

from plugins.customers.models import Customer, Order

PREFIX = "KH"
ORDER_PREFIX = "DD"


def _last_customer_sequence(prefix: str) -> int:
    """The highest sequence among the customer numbers that begin with ``prefix`` (e.g. "KH20261124"), or 0.

    A range (not LIKE) reads only the day's numbers from the unique index, in any collation:
    they lie between "KH20261124" and "KH20261125". Longest first, so a 6-digit sequence stays the latest.
    """
    following = PREFIX + str(int(prefix[len(PREFIX):]) + 1)
    last = db.session.scalar(
        select(Customer.number).where(Customer.number >= prefix, Customer.number < following)
        .order_by(func.length(Customer.number).desc(), Customer.number.desc()).limit(1)
    )
    return int(last[len(prefix):]) if last else 0


def today_prefix() -> str:
    return PREFIX + local_today().strftime("%Y%m%d")


def reserve_number_range(count: int) -> tuple[str, int]:
    """``count`` consecutive fresh customer numbers of today, as (prefix, first sequence): the numbers
    are ``customer_number(prefix, first)`` to ``customer_number(prefix, first + count - 1)``.

    The day's counter is incremented in the caller's transaction and stays locked
    until it ends: a customer created meanwhile waits and takes the numbers after
    these. The first counter of a day starts after the day's highest number
    already given (customers numbered before the counter existed).
    """
    day = local_today()  # the date in a number is the user's, in CRM_TIMEZONE
    prefix = PREFIX + day.strftime("%Y%m%d")
    return prefix, reserve_sequence(PREFIX, count, day=day, last_given=lambda: _last_customer_sequence(prefix))


def extend_number_range(prefix: str, count: int) -> int:
    """``count`` more numbers of ``prefix``, a day's prefix that ``reserve_number_range`` gave earlier in the
    same transaction (an import numbering its file a chunk at a time, past midnight too): the first sequence.
    The counter stays locked from the first reservation, so they follow the numbers reserved before."""
    day = datetime.strptime(prefix[len(PREFIX):], "%Y%m%d").date()
    return reserve_sequence(PREFIX, count, day=day, last_given=lambda: _last_customer_sequence(prefix))


def customer_number(prefix: str, sequence: int) -> str:
    return f"{prefix}{sequence:05d}"


def reserve_numbers(count: int) -> list[str]:
    """``count`` consecutive fresh customer numbers of today (see ``reserve_number_range``)."""
    prefix, first = reserve_number_range(count)
    return [customer_number(prefix, first + offset) for offset in range(count)]


def add_numbered(customer: Customer) -> None:
    """Add ``customer`` to the session with a fresh number, flushed (the caller commits)."""
    customer.number = reserve_numbers(1)[0]
    db.session.add(customer)
    db.session.flush()


def next_order_number() -> str:
    """A fresh order number of today, for an order saved without one (the caller commits).

    Order numbers may also be typed in: a typed number that happens to look like
    one of these is skipped.
    """
    day = local_today()  # the date in a number is the user's, in CRM_TIMEZONE
    prefix = ORDER_PREFIX + day.strftime("%Y%m%d")
    while True:
        number = f"{prefix}{reserve_sequence(ORDER_PREFIX, day=day):05d}"
        if db.session.scalar(select(Order.id).where(Order.number == number)) is None:
            return number
