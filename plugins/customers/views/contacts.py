"""Contacts (联系人) of a customer."""
from core.api import _, require_permission

from plugins.customers.forms import ContactForm
from plugins.customers.models import SEXES, Contact
from plugins.customers.views import blueprint, related
from plugins.customers import services

SORTS = {"name": Contact.name, "created": Contact.id}
BACK = "customers.contact_list"


@blueprint.route("/<int:customer_id>/contacts")
@require_permission("customers.contact.view")
def contact_list(customer_id):
    return related.list_page(Contact, customer_id, SORTS, "created", "customers/contact_list.html", sexes=SEXES)


@blueprint.route("/<int:customer_id>/contacts/new", methods=["GET", "POST"])
@require_permission("customers.contact.edit")
def contact_create(customer_id):
    customer = services.visible_customer(customer_id)
    return related.edit_page(ContactForm(), Contact(), customer, _("New contact"), BACK)


@blueprint.route("/<int:customer_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@require_permission("customers.contact.edit")
def contact_edit(customer_id, contact_id):
    customer, contact = related.visible_record(Contact, customer_id, contact_id)
    return related.edit_page(ContactForm(obj=contact), contact, customer, _("Edit contact"), BACK)


@blueprint.route("/<int:customer_id>/contacts/<int:contact_id>/delete", methods=["POST"])
@require_permission("customers.contact.edit")
def contact_delete(customer_id, contact_id):
    customer, contact = related.visible_record(Contact, customer_id, contact_id)
    return related.delete(contact, customer, BACK)
