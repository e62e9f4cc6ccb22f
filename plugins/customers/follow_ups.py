"""Follow-ups: the open next steps of activities, by owner and due date, and the daily reminder."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from core.api import N_, db, link_to, local_today, notify

from plugins.customers import services
from plugins.customers.models import STATUS_DELETED, Activity, Customer


def open_follow_ups(owner_id: int, due_by: date | None = None):
    """``select(Activity, Customer.name)`` of the owner's open next steps on customers they may see,
    optionally only those due by ``due_by``; ordered by the caller."""
    stmt = select(Activity, Customer.name).where(
        Activity.owner_id == owner_id, Activity.next_step_due.is_not(None), Activity.next_step_done_at.is_(None))
    if due_by is not None:
        stmt = stmt.where(Activity.next_step_due <= due_by)
    return services.scope_through_customer(stmt, Activity.customer_id)


def remind_due_today(today: date | None = None) -> str:
    """The daily job: tell each owner about the next steps due today (once per owner and day)."""
    today = today or local_today()
    rows = db.session.execute(
        select(Activity.owner_id, Activity.next_step, Customer.name)
        .join(Customer, Customer.id == Activity.customer_id)
        .where(Activity.next_step_due == today, Activity.next_step_done_at.is_(None),
               Activity.owner_id.is_not(None), Customer.status != STATUS_DELETED)).all()
    per_owner = defaultdict(list)
    for owner_id, step, customer_name in rows:
        per_owner[owner_id].append((step, customer_name))
    link = link_to("customers.follow_ups_page")
    for owner_id, steps in per_owner.items():
        key = f"follow-ups-due:{today.isoformat()}"
        if len(steps) == 1:
            notify([owner_id], N_("Follow-up due today: %(step)s (%(customer)s)"), link, key=key,
                   step=steps[0][0], customer=steps[0][1])
        else:
            notify([owner_id], N_("%(count)s follow-ups are due today."), link, key=key, count=len(steps))
    db.session.commit()
    return f"{len(rows)} follow-up(s) due today, {len(per_owner)} owner(s) reminded."
