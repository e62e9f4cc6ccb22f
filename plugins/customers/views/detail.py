"""The customer 360 page (key figures, actions, timeline, tabs) and the timeline's own pages."""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from core.api import can, db, require_permission

from plugins.customers import services, timeline
from plugins.customers.figures import key_figures
from plugins.basedata import services as basedata
from plugins.customers.models import ACTIVITY_TYPE, SEXES, Activity, Contact, Customer, Order
from plugins.customers.views import blueprint
from plugins.customers.views.customers import dictionary_labels

TAB_ROWS = 10  # rows per tab on the 360 page; the full lists are paginated pages
TABS = (("contacts", Contact, "customers.contact.view", Contact.id.desc()),
        ("activities", Activity, "customers.activity.view", Activity.date.desc()),
        ("orders", Order, "customers.order.view", Order.date.desc()))


def _visible_customer_with_manager(customer_id: int) -> Customer:
    customer = db.session.scalar(services.visible_customers_query().options(joinedload(Customer.manager))
                                 .where(Customer.id == customer_id))
    if customer is None:
        abort(404)
    return customer


@blueprint.route("/<int:customer_id>")
@require_permission("customers.customer.view")
def customer_detail(customer_id):
    customer = _visible_customer_with_manager(customer_id)
    recent = {}
    for key, model, permission, order in TABS:
        if can(permission):
            stmt = select(model).where(model.customer_id == customer.id).order_by(order, model.id.desc())
            if model is Activity:
                stmt = stmt.options(selectinload(Activity.contact))
            recent[key] = list(db.session.scalars(stmt.limit(TAB_ROWS)))
    return render_template("customers/customer_detail.html", customer=customer, recent=recent,
                           figures=key_figures(customer), timeline=timeline.page(customer),
                           labels=dictionary_labels(), sexes=SEXES, activity_kinds=basedata.labels(ACTIVITY_TYPE))


@blueprint.route("/<int:customer_id>/timeline")
@require_permission("customers.customer.view")
def customer_timeline(customer_id):
    """Older pages of the timeline (the 360 page shows the newest); ``?before=`` continues after an entry."""
    customer = services.visible_customer(customer_id)
    position = timeline.Position.parse(request.args.get("before"))
    return render_template("customers/timeline_page.html", customer=customer,
                           timeline=timeline.page(customer, position), first_page=position is None)
