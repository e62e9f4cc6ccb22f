"""What service contributes to other pages: the customer 360 tab, timeline and action, dashboard widgets."""
from __future__ import annotations

from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import joinedload

from core.api import SlotItem, _, can, current_user, db, scoped

from plugins.customers import services as customers
from plugins.service import services, sla
from plugins.service.models import ARCHIVED, ASSIGNED, BREACHED, HANDLED, NEW, OPEN, Round, ServiceRequest

R = ServiceRequest
TAB_ROWS = 20
WIDGET_ROWS = 5


def _visible():
    return scoped(select(ServiceRequest), ServiceRequest)


def customer_tab(customer):
    """Tab "Service requests": the customer's visible requests and their average satisfaction."""
    stmt = _visible().where(R.customer_id == customer.id)
    count, average = db.session.execute(stmt.with_only_columns(
        func.count(R.id), func.avg(R.satisfaction).filter(R.status == ARCHIVED))).one()
    rows = list(db.session.scalars(stmt.options(joinedload(R.assignee)).order_by(R.created_at.desc(), R.id.desc())
                                   .limit(TAB_ROWS)))
    at = sla.now()
    html = render_template("service/customer_tab.html", requests=rows, count=count, customer=customer,
                           average=round(float(average), 1) if average is not None else None,
                           sla_state=lambda r: sla.overall(r, at))
    return SlotItem(Markup(html), order=50)


def timeline_entries(customer, before, limit) -> list:
    """The customer's timeline: requests created, and each round's feedback (rated by whom, how many stars)."""
    visible = _visible().where(R.customer_id == customer.id)
    created = customers.timeline_query(visible.options(joinedload(R.creator)), R.created_at, R.id,
                                       "service.request", before, limit)
    entries = [customers.TimelineEntry(
        r.created_at, "service.request", r.id, _("Service request"), r.summary, detail=r.text,
        link=url_for("service.request_detail", request_id=r.id), icon="headset", status=(r.status, r.status_label),
        who=str(r.creator or "")) for r in db.session.scalars(created)]
    rated = (select(Round, R.summary).join(R, R.id == Round.request_id).where(R.customer_id == customer.id,
                                                                              Round.feedback_at.is_not(None)))
    rated = customers.timeline_query(scoped(rated, ServiceRequest).options(joinedload(Round.feedback_by)),
                                     Round.feedback_at, Round.id, "service.feedback", before, limit)
    for round_, summary in db.session.execute(rated):
        stars = "★" * (round_.satisfaction or 0)
        entries.append(customers.TimelineEntry(
            round_.feedback_at, "service.feedback", round_.id, _("Service feedback"), f"{stars} {summary}",
            detail=round_.result or "", link=url_for("service.request_detail", request_id=round_.request_id),
            icon="chat-square-heart",
            who=_("the customer (rating link)") if round_.by_customer else str(round_.feedback_by or "")))
    return entries


def new_request_action(customer):
    url = url_for("service.request_create", customer=customer.id)
    return SlotItem(Markup('<a class="btn btn-sm btn-outline-primary" href="{}"><i class="bi bi-headset"></i> {}</a>')
                    .format(url, _("New service request")), order=50)


def _oldest(stmt, statuses):
    """The ids of the oldest few requests ``stmt`` selects, taken per status along the status index, which
    holds the order and what the widgets filter on (targets, data scope): a handful of index entries each.
    (Along the creation time's index instead, the planner expects open requests spread over the years
    and reads the 440,000 archived ones before them at a million customers.)"""
    firsts = [stmt.where(R.status == status).with_only_columns(R.id, R.created_at)
              .order_by(R.created_at, R.id).limit(WIDGET_ROWS).subquery() for status in statuses]
    merged = union_all(*(select(*first.c) for first in firsts)).subquery()
    return select(merged.c.id).order_by(merged.c.created_at, merged.c.id).limit(WIDGET_ROWS)


def _widget(template, stmt, statuses, order, **context):
    count = services.count_rows(stmt)
    rows = list(db.session.scalars(select(R).where(R.id.in_(_oldest(stmt, statuses))).order_by(R.created_at, R.id)))
    return SlotItem(render_template(template, rows=rows, count=count, **context), order=order)


def contribute(slot, context):
    if slot == "dashboard.kpis":
        from plugins.service import kpis

        return kpis.contribute(slot, context)
    if not can("service.request.view"):
        return None
    if slot == "customers.detail.tabs":
        return [customer_tab(context["customer"])]
    if slot == "customers.timeline":
        return timeline_entries(context["customer"], context.get("before"), context.get("limit", 20))
    if slot == "customers.detail.actions" and can("service.request.create"):
        return [new_request_action(context["customer"])]
    if slot == "dashboard.widgets":
        return dashboard_widgets() or None
    return None


def dashboard_widgets() -> list:
    me = current_user.id
    widgets = []
    if can("service.request.handle"):
        widgets.append(_widget("service/widget.html", _visible().where(R.status == ASSIGNED, R.assignee_id == me),
                               (ASSIGNED,), 20,
                               title=_("My service requests to handle"), link=url_for("service.handle_list"),
                               empty=_("Nothing to handle.")))
    if can("service.request.feedback"):
        mine = R.awaiting_feedback_of(me)
        stmt = _visible().where(R.status == HANDLED)
        widgets.append(_widget("service/widget.html", stmt if can("service.request.manage") else stmt.where(mine),
                               (HANDLED,), 21,
                               title=_("Requests awaiting my feedback"), link=url_for("service.feedback_list"),
                               empty=_("No request is waiting for feedback.")))
    if can("service.request.assign"):
        widgets.append(_widget("service/widget.html", _visible().where(R.status == NEW), (NEW,), 22,
                               title=_("New requests waiting for assignment"), link=url_for("service.assign_list"),
                               empty=_("No request is waiting.")))
        breached = _visible().where(R.status.in_(OPEN), (R.response_state == BREACHED)
                                    | (R.resolution_state == BREACHED))
        widgets.append(_widget("service/widget.html", breached, OPEN, 23, title=_("Open requests with a breached SLA"),
                               link=url_for("service.request_list", overdue="y"), empty=_("No SLA is breached."),
                               danger=True))
    return widgets
