"""Churn management (客户流失管理): warnings, retention measures, confirmed losses.

The nightly ``churn-scan`` job warns about customers whose last order is too
old; an account manager then postpones the loss with retention measures
(暂缓流失) or confirms it (确认流失). A new order closes an open warning.
"""
from __future__ import annotations

import os
import zlib
from datetime import date as Date, datetime

from flask import current_app, url_for
from sqlalchemy import (
    Date as SQLDate, DateTime, ForeignKey, Index, Integer, String, func, insert, literal, select, text, update,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from core.api import (
    BusinessRecord, User, analyze, db, emit, lazy_gettext as _l, record_bulk, record_bulk_created, utcnow,
)
from plugins.customers import notices
from plugins.customers.models import STATUS_LOST, STATUS_NORMAL, Customer, Order

WARNING = "warning"
POSTPONED = "postponed"
LOST = "lost"
CLOSED = "closed"  # the customer ordered again
OPEN = (WARNING, POSTPONED)
STATUSES = {WARNING: _l("Warning"), POSTPONED: _l("Postponed"), LOST: _l("Lost"), CLOSED: _l("Closed")}

DEFAULT_MONTHS = 6


def _customer_manager(context) -> int | None:
    """The default of ``manager_id``: the manager of the record's customer as the INSERT runs."""
    customer_id = context.get_current_parameters()["customer_id"]
    return context.connection.scalar(select(Customer.manager_id).where(Customer.id == customer_id))


class ChurnRecord(db.Model, BusinessRecord):
    """One churn case of a customer; ``created_at`` is the warning date."""

    __tablename__ = "customers_churn"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key either: the scan creates records only for the customers its own statement reads, and
    # customers are deleted softly (their status), never as rows. PostgreSQL checked the key of each new
    # record by a query locking the customer's row, which dirtied every customer page holding one: 2.4 of
    # the 6.7 s the INSERT of a fresh scan's 197,917 warnings took at a million customers.
    customer_id: Mapped[int] = mapped_column(Integer)
    # The customer's account manager, copied by the scan and kept in step with the customer's
    # (``follow_manager``, in the transaction that hands the customer over): the data scope "own" and the
    # list's filter by account manager are then a plain condition on the record, answered by
    # ix_customers_churn_manager_created, instead of "the customer is one of the manager's 20,000".
    # (The manager when the warning was raised stays in the record's audit entry.)
    # No foreign key: the scan copies it from the customer's manager_id, itself a key of a user, in the
    # statement that creates the warnings, and users are deactivated, never deleted. PostgreSQL checked
    # the key row by row, by a query that locks the user's row: ~0.6-0.9 of the 3.1-3.6 s of CPU that the
    # INSERT of a fresh scan's 197,917 warnings took at a million customers.
    manager_id: Mapped[int | None] = mapped_column(default=_customer_manager)
    last_order_date: Mapped[Date | None] = mapped_column(SQLDate)
    status: Mapped[str] = mapped_column(String(10), default=WARNING)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    lost_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    customer: Mapped[Customer] = relationship(primaryjoin=lambda: foreign(ChurnRecord.customer_id) == Customer.id)
    manager: Mapped[User | None] = relationship(primaryjoin=lambda: foreign(ChurnRecord.manager_id) == User.id,
                                               viewonly=True)
    measures: Mapped[list["ChurnMeasure"]] = relationship(
        back_populates="churn", cascade="all, delete-orphan", order_by="ChurnMeasure.id"
    )

    __audit_label__ = _l("Churn record")
    __audit_fields__ = {"customer_id": _l("Customer"), "manager_id": _l("Account manager"),
                        "last_order_date": _l("Last order"), "status": _l("Status"),
                        "reason": _l("Reason for the loss"), "lost_at": _l("Lost"), "closed_at": _l("Closed"),
                        "created_at": _l("Warned"), "created_by_id": _l("Created by")}
    __audit_codes__ = {"status": lambda: STATUSES}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("customers_churn.churn_detail", churn_id=id_) for id_ in record_ids}

    __table_args__ = (
        # The scan's "has an open record?" test, the customer 360 tab (newest first) and the list
        # sorted by customer (each customer's records in id order) read this index.
        Index("ix_customers_churn_customer_id", "customer_id", "id", "status"),
        # The list's sorts, each ending in the id (see Customer's indexes).
        *(Index(f"ix_customers_churn_{column}_id", column, "id")
          for column in ("created_at", "last_order_date", "status", "lost_at")),
        # An account manager's records (their scope, the list's filter) in the list's default order; the
        # customer (deleted customers' records are hidden) and the status make it cover their counts
        # (SQLite at 1M: 8-28 ms reading each record's row -> 0.5 ms), the last order and loss dates the
        # page of their list in another order, sorted from these entries (core.paging, ``_short_page_ids``:
        # 9-14 ms reading each of their 4,000 records' rows -> 1-2 ms).
        Index("ix_customers_churn_manager_created", "manager_id", "created_at", "id", "customer_id", "status",
              "last_order_date", "lost_at"),
    )

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": the records of the customers a user manages (the copy kept in step)."""
        return cls.manager_id == user_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))


class ChurnMeasure(db.Model, BusinessRecord):
    """A retention measure (暂缓措施); its author is ``created_by_id``, its date ``created_at``."""

    __tablename__ = "customers_churn_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    churn_id: Mapped[int] = mapped_column(ForeignKey("customers_churn.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(1000))

    __audit_label__ = _l("Retention measure")
    __audit_fields__ = {"churn_id": _l("Churn record"), "text": _l("Retention measure"),
                        "created_at": _l("Created"), "created_by_id": _l("Created by")}

    churn: Mapped[ChurnRecord] = relationship(back_populates="measures")
    author: Mapped[User | None] = relationship(foreign_keys="ChurnMeasure.created_by_id")


# PostgreSQL: the scan and the RFM scoring hold this advisory lock alone, a handover shares it
# (``manager_copies_lock``).
_HANDOVER_LOCK = zlib.crc32(b"customers.churn-scan")


def manager_copies_lock(shared: bool) -> None:
    """Make a scan (or the RFM scoring, which copies the managers the same way into its scores) and the
    handovers of customers wait for each other until commit, so a new record never keeps a customer's old
    manager. The scan reads each customer's manager in the INSERT that creates the
    records; a handover moves the customer, then its records (``follow_manager``), and commits both. On
    PostgreSQL, without this, a handover still open when the INSERT began was invisible to it (the old
    manager copied), and the handover's UPDATE could not see the scan's records, uncommitted yet: they kept
    the old manager. With it, the scan waits for the handovers that reached their records (the INSERT then
    sees their managers) and a later handover's UPDATE waits for the scan's commit (it then sees the
    records). Handovers share the lock, so they do not wait for each other; nothing else is held up (the
    order saves that close warnings, the churn pages). A transaction-level advisory lock: released at commit
    or rollback. SQLite needs none: both write under the database's write lock (``BEGIN IMMEDIATE``), which
    the scan takes before its INSERT reads the customers."""
    if db.session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        db.session.execute(text(f"SELECT {function}(:key)"), {"key": _HANDOVER_LOCK})


def churn_months() -> int:
    return int(current_app.config.get("CRM_CHURN_MONTHS") or os.environ.get("CRM_CHURN_MONTHS") or DEFAULT_MONTHS)


def months_before(day: Date, months: int) -> Date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last_day in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def cutoff_date(today: Date | None = None) -> Date:
    """Orders before this date are "too old": a customer whose last order is older is at risk."""
    return months_before(today or Date.today(), churn_months())


def scan(today: Date | None = None) -> int:
    """Warn about every normal customer whose last order is older than the window; returns how many.

    One INSERT ... SELECT, so customers are checked in the database whether there
    are a hundred or a million; their audit entries and the per-manager counts for the
    notices are read back from the database too, so memory does not grow with the warnings. Customers who never ordered are
    not warned: there is no buying relationship to lose yet (SPEC: "or who has orders but none in the window").
    A customer with an open record (warning or postponed) is skipped, so running
    the scan twice creates nothing new. Statistics are refreshed after.
    """
    last_orders = (
        select(Order.customer_id, func.max(Order.date).label("last_date"))
        .group_by(Order.customer_id)
        .having(func.max(Order.date) < cutoff_date(today))
        .subquery()
    )
    # The customers with an open record, read once before the INSERT begins: the statement never
    # looks into the table it inserts into, so no plan can rescan that growing table per candidate
    # (PostgreSQL chose exactly that on a fresh, empty churn table: minutes instead of seconds).
    open_records = (select(ChurnRecord.customer_id).where(ChurnRecord.status.in_(OPEN))
                    .cte("open_records").prefix_with("MATERIALIZED"))
    now = utcnow()
    # In customer order: the foreign key's check of each new record then visits the customers' pages in
    # order (PostgreSQL locks each customer's row for it: in the order of a hash join, the same pages were
    # dirtied, evicted and written again and again), and the records' customer index grows at its end.
    # PostgreSQL, 1M customers, 197,917 warnings after a checkpoint: the INSERT 4.0 -> 2.7 s of CPU.
    source = (
        select(Customer.id, Customer.manager_id, last_orders.c.last_date, literal(WARNING, String),
               literal(now, DateTime), literal(now, DateTime), literal(1, Integer))
        .join(last_orders, last_orders.c.customer_id == Customer.id)
        .outerjoin(open_records, open_records.c.customer_id == Customer.id)
        .where(Customer.status == STATUS_NORMAL, open_records.c.customer_id.is_(None))
        .order_by(Customer.id)
    )
    table = ChurnRecord.__table__
    columns = [table.c.customer_id, table.c.manager_id, table.c.last_order_date, table.c.status,
               table.c.created_at, table.c.updated_at, table.c.version]
    manager_copies_lock(shared=False)
    first_new_id = db.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar() + 1
    db.session.execute(insert(table).from_select(columns, source))
    # The new rows stay in the database: their audit entries and the notices are built there too
    # (200,000 rows brought into Python cost 5 s and 250 MB at a million customers).
    new = (table.c.id >= first_new_id) & (table.c.created_at == now)
    record_bulk_created(ChurnRecord, ["id", "customer_id", "manager_id", "last_order_date", "status"], new)
    per_manager = db.session.execute(select(table.c.manager_id, func.count(), func.min(table.c.id))
                                     .where(new).group_by(table.c.manager_id)).all()
    notices.churn_warnings_raised([row for row in per_manager if row[0] is not None])
    db.session.commit()
    if per_manager:  # a rescan that found nothing new changed nothing to count
        analyze(ChurnRecord)  # the next scan and the churn list plan with the new figures
    return sum(count for _, count, _ in per_manager)


def scan_job() -> str:
    return f"{scan()} churn warning(s) created."


def move_manager_copies(table, customer_ids: list[int], manager_id: int | None) -> None:
    """The rows of ``table`` (churn records, RFM scores) of the customers now belong to their new account
    manager: one UPDATE through the table's index on the customer, in the transaction that hands them over
    (``services.customers_reassigned``), under the lock the scan and the scoring take (``manager_copies_lock``).
    At table level: the copy is no change a user made (no audit entry, no new version that would make an
    open form stale)."""
    if not customer_ids:
        return
    manager_copies_lock(shared=True)
    db.session.execute(update(table).where(table.c.customer_id.in_(list(customer_ids)),
                                           table.c.manager_id.is_distinct_from(manager_id))
                       .values(manager_id=manager_id))


def follow_manager(customer_ids: list[int], manager_id: int | None) -> None:
    """The customers' records now belong to their new account manager (``move_manager_copies``)."""
    move_manager_copies(ChurnRecord.__table__, customer_ids, manager_id)


def close_recovered(customer_ids=None) -> int:
    """Close the open records of customers who ordered within the window again; returns how many.

    ``customer_ids`` limits the check (an order is being saved); None checks
    every open record (after an import of orders). Orders dated before the
    window (a late entry of an old order) do not close anything. Runs in the
    caller's transaction (the caller commits): a set-based UPDATE per open
    status, so a record that a concurrent order closed meanwhile is simply no
    longer open, and closing never fails the save of an order.
    """
    table = ChurnRecord.__table__
    ordered_recently = select(Order.customer_id).where(Order.date >= cutoff_date())
    now = utcnow()
    closed = 0
    for status in OPEN:
        stmt = (update(table).where(table.c.status == status, table.c.customer_id.in_(ordered_recently))
                .values(status=CLOSED, closed_at=now, updated_at=now, version=table.c.version + 1)
                .returning(table.c.id))
        if customer_ids is not None:
            stmt = stmt.where(table.c.customer_id.in_(list(customer_ids)))
        ids = list(db.session.execute(stmt).scalars())
        record_bulk("update", ChurnRecord, [{"id": id_, "status": (status, CLOSED), "closed_at": (None, now)}
                                             for id_ in ids])
        closed += len(ids)
    return closed


def postpone(record: ChurnRecord, measure: str) -> None:
    """Append a retention measure (暂缓措施); the record becomes postponed."""
    record.measures.append(ChurnMeasure(text=measure))
    record.status = POSTPONED
    record.updated_at = utcnow()  # a new version even when already postponed: others' open forms go stale
    db.session.commit()


def confirm_lost(record: ChurnRecord, reason: str) -> None:
    """Confirm the loss (确认流失): record and customer become lost; others hear ``customers.customer_lost``."""
    record.status = LOST
    record.reason = reason
    record.lost_at = utcnow()
    record.customer.status = STATUS_LOST
    emit("customers.customer_lost", {
        "customer_id": record.customer_id, "churn_id": record.id, "reason": reason,
    })
    db.session.commit()
