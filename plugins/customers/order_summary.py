"""Order amount per customer per month and per year, and of everyone per month: what reports and
dashboards read.

Summing millions of order lines on every request is too slow at a million
customers, so ``customers_order_month`` holds one row per customer and month
with the orders' amount and count, ``customers_order_year`` one per
customer and year plus one for all years (year 0), indexed by amount so that
"the largest customers of a year" is read from an index,
``customers_sales_month`` one per month: the customers' months summed (the
whole team's sales by month, which otherwise sums 640,000 customer months for
a year at a million customers), and ``customers_manager_sales_month`` one per
account manager and month (an account manager's sales by month; a customer
given to another manager moves its months along in the same flush). They are written in the same transaction as every order write:
saving or deleting orders through the ORM recomputes the months of the
customers concerned after the flush (``after_flush``), and the importer calls
``refresh_customers`` for the customers it imported orders of. Recomputing a
customer's figures from its orders (rather than adding deltas) keeps the tables
equal to the orders whatever happened before; ``crm customers-order-summary``
rebuilds them all.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import click
from flask.cli import with_appcontext
from sqlalchemy import (
    Date as SQLDate, ForeignKey, Index, Integer, Numeric, delete, event, func, insert, literal, literal_column, select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.api import Summary, analyze, db, difference, month_of, year_of

from plugins.customers.models import Customer, Order, OrderLine

IN_BATCH = 1000


class OrderMonth(db.Model):
    """Orders of one customer in one month: their count and amount (sum of their totals, i.e. of their lines)."""

    __tablename__ = "customers_order_month"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"),
                                             primary_key=True)
    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)  # the first day of the month
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    # Sums over a range of months for everyone (director, executive: dashboard, RFM) read this index
    # alone (it holds the figures); one customer's months (own scope) read the primary key.
    __table_args__ = (Index("ix_customers_order_month_month_figures", "month", "customer_id", "orders", "amount"),)


ALL_YEARS = 0


class OrderYear(db.Model):
    """Orders of one customer in one year (``year`` 0: all years): their count and amount."""

    __tablename__ = "customers_order_year"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"),
                                             primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # The customer's account manager, copied when summarised and kept in step when the customer is given to
    # another (``_move_managers``): an account manager's contribution report reads a range of their own index
    # instead of joining each of their 20,000 customers with its year (27-38 ms SQLite, 70-90 ms PostgreSQL).
    manager_id: Mapped[int | None] = mapped_column(Integer)

    # The customer contribution report: a year's customers by amount, largest first, read backwards
    # (everyone's; an account manager's from the second index).
    __table_args__ = (Index("ix_customers_order_year_year_amount", "year", "amount", "customer_id"),
                      Index("ix_customers_order_year_manager_amount", "manager_id", "year", "amount", "customer_id"))

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": the years of the customers a user manages (the copy of their manager)."""
        return cls.manager_id == user_id


class SalesMonth(db.Model):
    """Orders of every customer in one month: the customers' months of ``OrderMonth`` summed."""

    __tablename__ = "customers_sales_month"

    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)  # the first day of the month
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class ManagerSalesMonth(db.Model):
    """Orders of one account manager's customers in one month: their customers' months summed."""

    __tablename__ = "customers_manager_sales_month"

    manager_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # NOBODY: customers without one
    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


NOBODY = 0

# Both kept by _recompute (the customer months are written by statements, not through the ORM) and, for a
# customer given to another manager, by _move_managers.
SALES_MONTHS = Summary(SalesMonth, None, keys={"month": OrderMonth.month},
                       measures={"orders": OrderMonth.orders, "amount": OrderMonth.amount}, count="orders")
MANAGER_SALES_MONTHS = Summary(
    ManagerSalesMonth, None,
    keys={"manager_id": func.coalesce(Customer.manager_id, literal_column(str(NOBODY))), "month": OrderMonth.month},
    measures={"orders": OrderMonth.orders, "amount": OrderMonth.amount}, count="orders",
    where=(Customer.id == OrderMonth.customer_id,))
TOTALS = (SALES_MONTHS, MANAGER_SALES_MONTHS)


def _summarise(connection, where=None) -> None:
    """Insert the months and years of the customers ``where`` selects (all without it) from their orders."""
    dialect = connection.dialect.name
    month = month_of(Order.date, dialect)
    months = select(Order.customer_id, month, func.count(Order.id), func.sum(Order.total))
    connection.execute(insert(OrderMonth).from_select(
        ["customer_id", "month", "orders", "amount"],
        (months if where is None else months.where(where(Order.customer_id))).group_by(Order.customer_id, month)))
    year = year_of(OrderMonth.month, dialect)
    for period in (year, literal(ALL_YEARS, Integer)):
        years = (select(OrderMonth.customer_id, period, func.sum(OrderMonth.orders), func.sum(OrderMonth.amount),
                        Customer.manager_id)
                 .join(Customer, Customer.id == OrderMonth.customer_id))
        if where is not None:
            years = years.where(where(OrderMonth.customer_id))
        group = (OrderMonth.customer_id, year) if period is year else (OrderMonth.customer_id,)
        connection.execute(insert(OrderYear).from_select(["customer_id", "year", "orders", "amount", "manager_id"],
                                                         years.group_by(*group, Customer.manager_id)))


def _recompute(connection, customer_ids: list[int]) -> None:
    # Two transactions writing orders of one customer would each delete and re-insert its rows;
    # the second insert would collide with the first one's. Taking the customers' rows first makes
    # the second wait, and then recompute from both transactions' orders. (SQLite writes one at a time.)
    # FOR NO KEY UPDATE, not FOR UPDATE: each transaction already holds a KEY SHARE lock on the customer
    # from its order's foreign key, which FOR UPDATE would wait for on both sides (a deadlock).
    if connection.dialect.name == "postgresql":
        connection.execute(select(Customer.id).where(Customer.id.in_(customer_ids))
                           .order_by(Customer.id).with_for_update(key_share=True))
    theirs = OrderMonth.customer_id.in_(customer_ids)
    before = [totals.totals(connection, theirs) for totals in TOTALS]
    for model in (OrderMonth, OrderYear):
        connection.execute(delete(model).where(model.customer_id.in_(customer_ids)))
    _summarise(connection, lambda column: column.in_(customer_ids))
    for totals, was in zip(TOTALS, before):
        totals.apply(connection, difference(was, totals.totals(connection, theirs)))


def refresh_customers(customer_ids: Iterable[int], connection=None) -> None:
    """Recompute the months of these customers from their orders, in the current transaction."""
    connection = connection or db.session.connection()
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), IN_BATCH):
        _recompute(connection, ids[start:start + IN_BATCH])


def rebuild() -> int:
    """Recompute both tables from the orders; returns the number of customer months. The caller commits."""
    connection = db.session.connection()
    for model in (OrderMonth, OrderYear):
        connection.execute(delete(model))
    _summarise(connection)
    for totals in TOTALS:
        totals.rebuild(connection)
    analyze(OrderMonth, OrderYear, SalesMonth, ManagerSalesMonth)
    return db.session.scalar(select(func.count()).select_from(OrderMonth))


_PENDING = "customers.order_months"


@event.listens_for(Session, "before_flush")
def _note_orders(session, flush_context, instances):
    """Remember the orders this flush changes, and the customer an edited order had before; and the
    months of customers given to another manager, as their old manager's (the database still says so).

    The orders themselves, not their customer ids: a new order's customer may be
    new too, and its id is known only after the flush.
    """
    orders, customers, moved = session.info.setdefault(_PENDING, (set(), set(), {}))
    for obj in session.new | session.dirty | session.deleted:
        order = obj.order if isinstance(obj, OrderLine) else obj
        if isinstance(order, Order):
            orders.add(order)
            customers.update(db.inspect(order).attrs.customer_id.history.deleted or ())
    given = [obj.id for obj in session.dirty
             if isinstance(obj, Customer) and db.inspect(obj).attrs.manager_id.history.has_changes()]
    if given:
        moved.setdefault("ids", set()).update(given)
        MANAGER_SALES_MONTHS.totals(session.connection(), OrderMonth.customer_id.in_(given),
                                    into=moved.setdefault("before", {}))


def _move_managers(connection, moved: dict) -> None:
    """The months of customers given to another manager: taken from the old one, given to the new one; and
    their years' copies of the manager. (An order saved meanwhile for one of them recomputes its years under
    a lock of its row, which the handover's UPDATE of the customer also holds: one waits for the other.)"""
    given = sorted(moved["ids"])
    after = MANAGER_SALES_MONTHS.totals(connection, OrderMonth.customer_id.in_(given))
    MANAGER_SALES_MONTHS.apply(connection, difference(moved["before"], after))
    manager = select(Customer.manager_id).where(Customer.id == OrderYear.customer_id).scalar_subquery()
    for start in range(0, len(given), IN_BATCH):
        connection.execute(update(OrderYear).where(OrderYear.customer_id.in_(given[start:start + IN_BATCH]))
                           .values(manager_id=manager))


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session, flush_context):
    pending = session.info.pop(_PENDING, None)
    if pending:
        orders, customers, moved = pending
        if moved:  # first, while the customer months are still those the old managers' totals counted
            _move_managers(session.connection(), moved)
        touched = {order.customer_id for order in orders} | customers
        touched.discard(None)
        if touched:
            refresh_customers(touched, session.connection())


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_PENDING, None)


@click.command("customers-order-summary")
@with_appcontext
def rebuild_command():
    """Rebuild the order amount per customer per month (reports read it) from the orders."""
    rows = rebuild()
    db.session.commit()
    click.echo(f"{rows} customer months summarised.")
