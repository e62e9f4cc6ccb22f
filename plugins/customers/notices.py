"""Notifications the customers plugin sends: a customer assigned to you, churn warnings for your customers."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from core.api import N_, current_user, db, link_to, notify

from plugins.customers.models import Customer


def _actor_id() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def customer_assigned(customer: Customer, previous_manager_id: int | None = None) -> None:
    """Tell the customer's new account manager, unless they gave it to themselves."""
    manager_id = customer.manager_id
    if manager_id is None or manager_id == previous_manager_id or manager_id == _actor_id():
        return
    notify([manager_id], N_("Customer %(name)s (%(number)s) was assigned to you."),
           link_to("customers.customer_detail", customer_id=customer.id), name=customer.name,
           number=customer.number)


def churn_warnings_raised(created: list[dict]) -> None:
    """One notification per account manager for the warnings a scan raised (``created``: the new rows).

    A manager with one new warning is sent to it; one with several to the churn
    list of their warnings, so a scan of a million customers adds one row per manager.
    """
    per_manager = Counter(row["manager_id"] for row in created if row["manager_id"] is not None)
    single = {row["manager_id"]: row for row in created if per_manager.get(row["manager_id"]) == 1}
    names = dict(db.session.execute(select(Customer.id, Customer.name).where(
        Customer.id.in_([row["customer_id"] for row in single.values()]))).all()) if single else {}
    for manager_id, count in per_manager.items():
        if count == 1:
            row = single[manager_id]
            notify([manager_id], N_("Churn warning: your customer %(name)s has not ordered since %(date)s."),
                   link_to("customers_churn.churn_detail", churn_id=row["id"]),
                   name=names.get(row["customer_id"], ""), date=str(row["last_order_date"] or ""))
        else:
            notify([manager_id], N_("Churn warning: %(count)s of your customers have not ordered for months."),
                   link_to("customers_churn.churn_list", manager=manager_id, status="warning"), count=count)
