"""Key figures of the customer 360 header and the counts on its tabs, a few indexed queries per page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from core.api import can, db, local_today

from plugins.customers.churn import OPEN, ChurnRecord
from plugins.customers.models import Activity, Contact, Order


@dataclass
class KeyFigures:
    revenue_this_year: Decimal | None = None   # None: the user may not see orders
    revenue_last_year: Decimal | None = None
    order_count: int | None = None
    last_order: date | None = None
    open_churn: ChurnRecord | None = None
    main_contact: Contact | None = None
    counts: dict | None = None                 # tab key -> number of records


def _order_figures(customer_id: int, today: date) -> tuple:
    """Revenue this year and last, number of orders, last order date: one pass over the customer's orders."""
    this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 1, 1)
    revenue = lambda start, end: func.coalesce(func.sum(case(  # noqa: E731
        ((Order.date >= start) & (Order.date < end), Order.total), else_=0)), 0)
    return db.session.execute(select(
        revenue(this_year, date(today.year + 1, 1, 1)), revenue(last_year, this_year),
        func.count(Order.id), func.max(Order.date),
    ).where(Order.customer_id == customer_id)).one()


def _count(model, customer_id: int) -> int:
    return db.session.scalar(select(func.count(model.id)).where(model.customer_id == customer_id)) or 0


def key_figures(customer) -> KeyFigures:
    """What the 360 header shows, limited to what the current user may see."""
    figures = KeyFigures(counts={})
    if can("customers.order.view"):
        this_year, last_year, count, last = _order_figures(customer.id, local_today())
        figures.revenue_this_year, figures.revenue_last_year = Decimal(this_year), Decimal(last_year)
        figures.order_count, figures.last_order = count, last
        figures.counts["orders"] = count
    if can("customers.churn.view"):
        figures.open_churn = db.session.scalar(select(ChurnRecord).where(
            ChurnRecord.customer_id == customer.id, ChurnRecord.status.in_(OPEN)).order_by(ChurnRecord.id.desc()).limit(1))
    if can("customers.contact.view"):
        # The marked main contact, else the first one entered.
        figures.main_contact = db.session.scalar(select(Contact).where(Contact.customer_id == customer.id)
                                                 .order_by(Contact.is_main.desc(), Contact.id).limit(1))
        figures.counts["contacts"] = _count(Contact, customer.id)
    if can("customers.activity.view"):
        figures.counts["activities"] = _count(Activity, customer.id)
    return figures
