"""Activities (交往记录) with a customer."""
from core.api import _, require_permission, utcnow

from plugins.customers.forms import ActivityForm
from plugins.customers.models import Activity
from plugins.customers.views import blueprint, related
from plugins.customers import services

SORTS = {"date": Activity.date}
BACK = "customers.activity_list"


@blueprint.route("/<int:customer_id>/activities")
@require_permission("customers.activity.view")
def activity_list(customer_id):
    return related.list_page(Activity, customer_id, SORTS, "-date", "customers/activity_list.html")


@blueprint.route("/<int:customer_id>/activities/new", methods=["GET", "POST"])
@require_permission("customers.activity.edit")
def activity_create(customer_id):
    customer = services.visible_customer(customer_id)
    form = ActivityForm(data={"date": utcnow().date()})
    return related.edit_page(form, Activity(), customer, _("New activity"), BACK)


@blueprint.route("/<int:customer_id>/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@require_permission("customers.activity.edit")
def activity_edit(customer_id, activity_id):
    customer, activity = related.visible_record(Activity, customer_id, activity_id)
    return related.edit_page(ActivityForm(obj=activity), activity, customer, _("Edit activity"), BACK)


@blueprint.route("/<int:customer_id>/activities/<int:activity_id>/delete", methods=["POST"])
@require_permission("customers.activity.edit")
def activity_delete(customer_id, activity_id):
    customer, activity = related.visible_record(Activity, customer_id, activity_id)
    return related.delete(activity, customer, BACK)
