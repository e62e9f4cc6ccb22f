"""What the customers plugin contributes to other pages' slots: dashboard widgets (follow-ups first)."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from core.api import SlotItem, can, current_user, db, local_today, sees_all

from plugins.customers import follow_ups, services
from plugins.customers.composition import CustomerComposition
from plugins.customers.models import Activity, Customer

RECENT_ACTIVITIES = 5
# The newest activities of everyone among which a user's newest are looked for first (see recent_activities).
RECENT_WINDOW = 1_000


def my_customers_widget():
    """The customers the user manages; not for users who see the whole team (theirs would say 0)."""
    if not can("customers.customer.view") or sees_all():
        return None
    # From the composition counts (kept with every write), a few rows per manager: counting their 20,000
    # customers' index entries at a million took 4-6 ms on PostgreSQL (and each row 253 ms, by count(id)).
    count = db.session.scalar(select(func.coalesce(func.sum(CustomerComposition.customers), 0))
                              .where(CustomerComposition.owned_by(current_user.id)))
    return SlotItem(render_template("customers/widget_my_customers.html", count=count), order=10)


def recent_activities() -> list:
    """The newest activities (with their customer's name) of the customers the user may see. Whoever sees
    every customer gets them along ix_customers_activity_date_id (deleted customers' skipped). An account
    manager on SQLite: first among the newest ``RECENT_WINDOW`` of everyone's, along the same index; if
    ``RECENT_ACTIVITIES`` of them are theirs, they are their newest (any other is older). Only otherwise are
    all their customers' activities gathered and sorted, which SQLite did for every dashboard (~10,000 for
    20,000 customers at a million: 48-70 ms; the window: ~1 ms). PostgreSQL keeps the top few of their
    customers' activities as it reads them by (customer_id, date) (4 ms there; the window cost it 8.6 ms,
    hashing their customers' index entries)."""
    order = (Activity.date.desc(), Activity.id.desc())
    stmt = services.scope_through_customer(select(Activity, Customer.name), Activity.customer_id).order_by(*order)
    if sees_all() or db.session.get_bind().dialect.name != "sqlite":
        return db.session.execute(stmt.limit(RECENT_ACTIVITIES)).all()
    # (the window's customers from the index's entries: only the visible ones' activities are read)
    newest = select(Activity.id, Activity.customer_id).order_by(*order).limit(RECENT_WINDOW).subquery("newest")
    visible = services.scope_through_customer(select(newest.c.id), newest.c.customer_id)
    seen = select(func.count()).select_from(newest).scalar_subquery()  # a short window holds every activity
    rows = db.session.execute(stmt.add_columns(seen).where(Activity.id.in_(visible)).limit(RECENT_ACTIVITIES)).all()
    if len(rows) < RECENT_ACTIVITIES and (not rows or rows[0][-1] >= RECENT_WINDOW):
        return db.session.execute(stmt.limit(RECENT_ACTIVITIES)).all()
    return [tuple(row[:2]) for row in rows]  # (without the window's size)


def recent_activities_widget():
    if not (can("customers.activity.view") and can("customers.customer.view")):
        return None
    return SlotItem(render_template("customers/widget_recent_activities.html", rows=recent_activities()), order=20)


FOLLOW_UPS_SHOWN = 8


def follow_ups_widget():
    """The user's next steps due today or overdue, oldest first, each with a Done button."""
    if not (can("customers.activity.view") and can("customers.customer.view")):
        return None
    today = local_today()
    due = follow_ups.open_follow_ups(current_user.id, today)
    rows = db.session.execute(due.order_by(Activity.next_step_due, Activity.id).limit(FOLLOW_UPS_SHOWN)).all()
    overdue = db.session.scalar(select(func.count()).select_from(
        follow_ups.open_follow_ups(current_user.id, today - timedelta(days=1)).with_only_columns(Activity.id)
        .subquery())) if rows else 0
    return SlotItem(render_template("customers/widget_follow_ups.html", rows=rows, today=today, overdue=overdue),
                    order=5)


WIDGETS = [follow_ups_widget, my_customers_widget, recent_activities_widget]


def contribute(slot, context):
    if slot != "dashboard.widgets":
        return None
    return [item for item in (widget() for widget in WIDGETS) if item is not None]
