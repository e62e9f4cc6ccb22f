"""Activities (交往记录) with a customer: type, contact met, owner, next step."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import _, current_user, db, local_today, require_permission

from plugins.basedata import services as basedata
from plugins.customers.forms import ActivityForm
from plugins.customers.models import ACTIVITY_TYPE, Activity, Contact
from plugins.customers.views import blueprint, related
from plugins.customers import follow_ups, services

SORTS = {"date": Activity.date}
TAB = "activities"  # saving returns to this tab of the 360 page
MAX_CONTACT_CHOICES = 500


@blueprint.route("/<int:customer_id>/activities")
@require_permission("customers.activity.view")
def activity_list(customer_id):
    return related.list_page(Activity, customer_id, SORTS, "-date", "customers/activity_list.html",
                             options=[selectinload(Activity.contact)], kinds=basedata.labels(ACTIVITY_TYPE))


def _form(customer, activity: Activity | None) -> ActivityForm:
    form = ActivityForm(obj=activity) if activity else ActivityForm(data={"date": local_today(), "kind": "call"})
    contacts = db.session.execute(select(Contact.id, Contact.name).where(Contact.customer_id == customer.id)
                                  .order_by(Contact.name, Contact.id).limit(MAX_CONTACT_CHOICES)).all()
    form.fill_choices(basedata.choices(ACTIVITY_TYPE), contacts)
    return form


def _owned_by_author(activity: Activity) -> None:
    """The owner is who logged it (server-set); a changed next step is open again."""
    if activity.owner_id is None:
        activity.owner_id = current_user.id
    if not activity.next_step_due:
        activity.next_step_done_at = None


def _reopen_if_changed(activity: Activity, before: tuple) -> None:
    if (activity.next_step, activity.next_step_due) != before:
        activity.next_step_done_at = None
    _owned_by_author(activity)


@blueprint.route("/<int:customer_id>/activities/new", methods=["GET", "POST"])
@require_permission("customers.activity.edit")
def activity_create(customer_id):
    customer = services.visible_customer(customer_id)
    return related.edit_page(_form(customer, None), Activity(), customer, _("New activity"), TAB,
                             before_save=_owned_by_author)


@blueprint.route("/<int:customer_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@require_permission("customers.activity.edit")
def activity_edit(customer_id, activity_id):
    customer, activity = related.visible_record(Activity, customer_id, activity_id)
    before = (activity.next_step, activity.next_step_due)
    return related.edit_page(_form(customer, activity), activity, customer, _("Edit activity"), TAB,
                             before_save=lambda record: _reopen_if_changed(record, before))


@blueprint.route("/<int:customer_id>/activities/<int:activity_id>/delete", methods=["POST"])
@require_permission("customers.activity.edit")
def activity_delete(customer_id, activity_id):
    customer, activity = related.visible_record(Activity, customer_id, activity_id)
    return related.delete(activity, customer, TAB)
