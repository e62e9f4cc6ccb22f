"""This plugin's own timeline entries: activities, orders and churn events.

They come through the slot ``customers.timeline`` like any other plugin's, each
source only for users who may see its records.
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import _, User, can, db, format_date, format_money

from plugins.customers.churn import ChurnMeasure, ChurnRecord
from plugins.basedata import services as basedata
from plugins.customers.models import ACTIVITY_TYPE, Activity, Order
from plugins.customers.timeline import SLOT, Position, TimelineEntry, timeline_query


def activities(customer, position: Position | None, limit: int) -> list[TimelineEntry]:
    if not can("customers.activity.view"):
        return []
    stmt = timeline_query(select(Activity).where(Activity.customer_id == customer.id),
                  Activity.date, Activity.id, "customers.activity", position, limit)
    editable = can("customers.activity.edit")
    kinds = basedata.labels(ACTIVITY_TYPE)
    return [TimelineEntry(
        activity.date, "customers.activity", activity.id, kinds.get(activity.kind) or _("Activity"), activity.summary,
        detail=" · ".join(part for part in (activity.place, activity.details, _next_step(activity)) if part),
        link=url_for("customers.activity_edit", customer_id=customer.id, activity_id=activity.id) if editable else None,
        icon=ACTIVITY_ICONS.get(activity.kind, "chat-left-text"), who=activity.contact.name if activity.contact else "",
    ) for activity in db.session.scalars(stmt.options(selectinload(Activity.contact)))]


ACTIVITY_ICONS = {"call": "telephone", "visit": "geo-alt", "email": "envelope", "meeting": "people"}


def _next_step(activity) -> str:
    if not activity.next_step:
        return ""
    if activity.next_step_done_at:
        return _("Next step (done): %(step)s", step=activity.next_step)
    return _("Next step by %(date)s: %(step)s", step=activity.next_step,
             date=format_date(activity.next_step_due) if activity.next_step_due else "—")


def orders(customer, position: Position | None, limit: int) -> list[TimelineEntry]:
    if not can("customers.order.view"):
        return []
    stmt = timeline_query(select(Order).where(Order.customer_id == customer.id),
                  Order.date, Order.id, "customers.order", position, limit)
    return [TimelineEntry(
        order.date, "customers.order", order.id, _("Order"),
        _("Order %(number)s, total %(total)s", number=order.number, total=format_money(order.total, currency=True)),
        detail=order.address, link=url_for("customers.order_detail", customer_id=customer.id, order_id=order.id),
        icon="receipt", status=(order.status, order.status_label),
    ) for order in db.session.scalars(stmt)]


def churn_events(customer, position: Position | None, limit: int) -> list[TimelineEntry]:
    """Warnings raised, retention measures, confirmed losses and warnings closed by a new order."""
    if not can("customers.churn.view"):
        return []
    records = select(ChurnRecord).where(ChurnRecord.customer_id == customer.id)
    link = lambda record_id: url_for("customers_churn.churn_detail", churn_id=record_id)  # noqa: E731
    entries = [TimelineEntry(record.created_at, "customers.churn_warning", record.id, _("Churn warning"),
                             _("Churn warning: no order since %(date)s", date=format_date(record.last_order_date) if record.last_order_date else "—"),
                             link=link(record.id), icon="exclamation-triangle", status=("warning", _("Warning")))
               for record in db.session.scalars(timeline_query(records, ChurnRecord.created_at, ChurnRecord.id,
                                                       "customers.churn_warning", position, limit))]
    lost = records.where(ChurnRecord.lost_at.is_not(None))
    entries += [TimelineEntry(record.lost_at, "customers.churn_lost", record.id, _("Churn"),
                              _("Customer confirmed lost"), detail=record.reason, link=link(record.id),
                              icon="person-x", status=("lost", _("Lost")))
                for record in db.session.scalars(timeline_query(lost, ChurnRecord.lost_at, ChurnRecord.id,
                                                        "customers.churn_lost", position, limit))]
    closed = records.where(ChurnRecord.closed_at.is_not(None))
    entries += [TimelineEntry(record.closed_at, "customers.churn_closed", record.id, _("Churn"),
                              _("Churn warning closed by a new order"), link=link(record.id), icon="check2-circle")
                for record in db.session.scalars(timeline_query(closed, ChurnRecord.closed_at, ChurnRecord.id,
                                                        "customers.churn_closed", position, limit))]
    measures = (select(ChurnMeasure, User.display_name).join(ChurnRecord, ChurnRecord.id == ChurnMeasure.churn_id)
                .outerjoin(User, User.id == ChurnMeasure.created_by_id)
                .where(ChurnRecord.customer_id == customer.id))
    entries += [TimelineEntry(measure.created_at, "customers.churn_measure", measure.id, _("Churn"),
                              _("Retention measure"), detail=measure.text, link=link(measure.churn_id),
                              icon="shield-check", who=author or "")
                for measure, author in db.session.execute(timeline_query(measures, ChurnMeasure.created_at, ChurnMeasure.id,
                                                                 "customers.churn_measure", position, limit))]
    return entries


SOURCES = [activities, orders, churn_events]


def contribute(slot, context):
    if slot != SLOT:
        return None
    entries = []
    for source in SOURCES:
        entries.extend(source(context["customer"], context.get("before"), context["limit"]))
    return entries
