"""What marketing contributes to other pages: the customer 360 tab and dashboard widgets."""
from __future__ import annotations

from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from core.api import SlotItem, _, can, current_user, db, scoped, local_today

from plugins.customers import services as customers
from plugins.marketing.models import DEVELOPING, UNASSIGNED, WON, Opportunity, PlanItem

TAB_ROWS = 20
WIDGET_ROWS = 5


def customer_tab(customer):
    """Tab "Opportunities" on the customer 360 page: the visible opportunities linked to the customer."""
    stmt = scoped(select(Opportunity), Opportunity).where(Opportunity.customer_id == customer.id)
    count = db.session.scalar(stmt.with_only_columns(func.count(Opportunity.id)))
    rows = list(db.session.scalars(stmt.options(joinedload(Opportunity.stage), joinedload(Opportunity.assignee))
                                   .order_by(Opportunity.id.desc()).limit(TAB_ROWS)))
    html = render_template("marketing/customer_tab.html", opportunities=rows, count=count, customer=customer)
    return SlotItem(Markup(html), order=40)


def timeline_entries(customer, before, limit) -> list:
    """The customer's timeline: opportunities found (created) and won or lost (closed), newest first."""
    visible = scoped(select(Opportunity), Opportunity).where(Opportunity.customer_id == customer.id) \
        .options(joinedload(Opportunity.assignee))
    found = customers.timeline_query(visible, Opportunity.created_at, Opportunity.id, "marketing.opportunity",
                                     before, limit)
    closed = customers.timeline_query(visible.where(Opportunity.closed_at.is_not(None)), Opportunity.closed_at,
                                      Opportunity.id, "marketing.closed", before, limit)
    entries = [customers.TimelineEntry(
        o.created_at, "marketing.opportunity", o.id, _("Sales opportunity"), o.summary, detail=o.description,
        link=url_for("marketing.opportunity_detail", opportunity_id=o.id), icon="lightbulb",
        status=(o.status, o.status_label), who=str(o.assignee or "")) for o in db.session.scalars(found)]
    entries += [customers.TimelineEntry(
        o.closed_at, "marketing.closed", o.id, _("Opportunity won") if o.status == WON else _("Opportunity lost"),
        o.summary, link=url_for("marketing.opportunity_detail", opportunity_id=o.id),
        icon="trophy" if o.status == WON else "x-octagon", status=(o.status, o.status_label),
        who=str(o.assignee or "")) for o in db.session.scalars(closed)]
    return entries


def new_opportunity_action(customer):
    """A repeat sale from the customer page: the new-opportunity form with the customer filled in."""
    url = url_for("marketing.opportunity_create", customer=customer.id)
    return SlotItem(Markup('<a class="btn btn-sm btn-outline-primary" href="{}"><i class="bi bi-lightbulb"></i> {}</a>')
                    .format(url, _("New opportunity")), order=40)


def my_pipeline_widget():
    """My open opportunities (assigned to me, developing) and their weighted value."""
    mine = (Opportunity.assignee_id == current_user.id) & (Opportunity.status == DEVELOPING)
    count, weighted = db.session.execute(select(
        func.count(Opportunity.id), func.coalesce(func.sum(Opportunity.amount * Opportunity.probability), 0))
        .where(mine)).one()
    from plugins.marketing.pipeline import money_sum

    return SlotItem(render_template("marketing/widget_my_pipeline.html", count=count,
                                    weighted=money_sum(weighted, 100)), order=15)


def plan_due_widget():
    """Plan items due today or overdue, not yet executed, of opportunities I develop.

    Read from my developing opportunities (their assignee index) to their undone items
    (``ix_marketing_plan_item_undone``, by opportunity and date): a few hundred index entries at a million
    customers, no executed item nor any item's row read for the count. By the items' opportunity index
    alone, PostgreSQL read each item's row (3,000 pages), and expecting my items among the first ones along
    the items' date index, it had walked the whole team's undone items for the page (242 ms against 28 ms).
    """
    mine = (Opportunity.assignee_id == current_user.id) & (Opportunity.status == DEVELOPING)
    stmt = (select(PlanItem, Opportunity.customer_name).join(Opportunity, Opportunity.id == PlanItem.opportunity_id)
            .where(mine, PlanItem.executed_at.is_(None), PlanItem.date <= local_today()))
    count = db.session.scalar(stmt.with_only_columns(func.count(PlanItem.id)))
    rows = db.session.execute(stmt.order_by(PlanItem.date, PlanItem.id).limit(WIDGET_ROWS)).all()
    return SlotItem(render_template("marketing/widget_plan_due.html", rows=rows, count=count,
                                    today=local_today()), order=16)


def unassigned_widget():
    """For those who assign: unassigned opportunities waiting, oldest first."""
    stmt = scoped(select(Opportunity), Opportunity).where(Opportunity.status == UNASSIGNED)
    count = db.session.scalar(stmt.with_only_columns(func.count(Opportunity.id)))
    rows = list(db.session.scalars(stmt.order_by(Opportunity.id).limit(WIDGET_ROWS)))
    return SlotItem(render_template("marketing/widget_unassigned.html", rows=rows, count=count), order=17)


def contribute(slot, context):
    if slot == "dashboard.kpis":
        from plugins.marketing import kpis

        return kpis.contribute(slot, context)
    if not can("marketing.opportunity.view"):
        return None
    if slot == "customers.detail.tabs":
        return [customer_tab(context["customer"])]
    if slot == "customers.timeline":
        return timeline_entries(context["customer"], context.get("before"), context.get("limit", 20))
    if slot == "customers.detail.actions" and can("marketing.opportunity.create"):
        return [new_opportunity_action(context["customer"])]
    if slot == "dashboard.widgets":
        widgets = []
        if can("marketing.opportunity.develop"):
            widgets += [my_pipeline_widget(), plan_due_widget()]
        if can("marketing.opportunity.assign"):
            widgets.append(unassigned_widget())
        return widgets or None
    return None
