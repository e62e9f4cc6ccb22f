"""Notifications the customers plugin sends: a customer assigned to you, churn warnings for your customers."""
from __future__ import annotations

from sqlalchemy import select

from core.api import N_, current_actor_id, db, link_to, notify

from plugins.customers.models import Customer


def customer_assigned(customer: Customer, previous_manager_id: int | None = None) -> None:
    """Tell the customer's new account manager, unless they gave it to themselves."""
    manager_id = customer.manager_id
    if manager_id is None or manager_id == previous_manager_id or manager_id == current_actor_id():
        return
    notify([manager_id], N_("Customer %(name)s (%(number)s) was assigned to you."),
           link_to("customers.customer_detail", customer_id=customer.id), name=customer.name,
           number=customer.number)


def churn_warnings_raised(per_manager: list[tuple[int, int, int]]) -> None:
    """One notification per account manager for the warnings a scan raised.

    ``per_manager``: (manager id, new warnings, one of their ids). A manager with one new
    warning is sent to it; one with several to the churn list of their warnings, so a scan
    of a million customers adds one row per manager.
    """
    from plugins.customers.churn import ChurnRecord

    single = [churn_id for _, count, churn_id in per_manager if count == 1]
    details = {row.id: row for row in db.session.execute(
        select(ChurnRecord.id, ChurnRecord.last_order_date, Customer.name)
        .join(Customer, Customer.id == ChurnRecord.customer_id).where(ChurnRecord.id.in_(single)))} if single else {}
    for manager_id, count, churn_id in per_manager:
        if count == 1:
            row = details[churn_id]
            notify([manager_id], N_("Churn warning: your customer %(name)s has not ordered since %(date)s."),
                   link_to("customers_churn.churn_detail", churn_id=churn_id),
                   name=row.name, date=str(row.last_order_date or ""))
        else:
            notify([manager_id], N_("Churn warning: %(count)s of your customers have not ordered for months."),
                   link_to("customers_churn.churn_list", manager=manager_id, status="warning"), count=count)
