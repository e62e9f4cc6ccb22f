"""Contacts (联系人) of a customer."""
from sqlalchemy import select

from core.api import _, db, lock_for_update, require_permission

from plugins.customers.forms import ContactForm
from plugins.customers.models import SEXES, Contact, Customer
from plugins.customers.views import blueprint, related
from plugins.customers import services

SORTS = {"name": Contact.name, "created": Contact.id}
TAB = "contacts"  # saving returns to this tab of the 360 page


@blueprint.route("/<int:customer_id>/contacts")
@require_permission("customers.contact.view")
def contact_list(customer_id):
    return related.list_page(Contact, customer_id, SORTS, "created", "customers/contact_list.html", sexes=SEXES)


def _one_main_contact(contact: Contact) -> None:
    """A new main contact takes the mark from the previous one, which is saved first (one per customer).
    Two people marking two contacts at once take turns: the second sees the first's mark and moves it."""
    if not contact.is_main:
        return
    lock_for_update(Customer, contact.customer_id)
    with db.session.no_autoflush:
        previous = list(db.session.scalars(select(Contact).where(
            Contact.customer_id == contact.customer_id, Contact.is_main, Contact.id != contact.id)))
    if previous:
        contact.is_main = False
        for other in previous:
            other.is_main = False
        db.session.flush()
        contact.is_main = True


@blueprint.route("/<int:customer_id>/contacts/new", methods=["GET", "POST"])
@require_permission("customers.contact.edit")
def contact_create(customer_id):
    customer = services.visible_customer(customer_id)
    return related.edit_page(ContactForm(), Contact(), customer, _("New contact"), TAB,
                             before_save=_one_main_contact)


@blueprint.route("/<int:customer_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@require_permission("customers.contact.edit")
def contact_edit(customer_id, contact_id):
    customer, contact = related.visible_record(Contact, customer_id, contact_id)
    return related.edit_page(ContactForm(obj=contact), contact, customer, _("Edit contact"), TAB,
                             before_save=_one_main_contact)


@blueprint.route("/<int:customer_id>/contacts/<int:contact_id>/delete", methods=["POST"])
@require_permission("customers.contact.edit")
def contact_delete(customer_id, contact_id):
    customer, contact = related.visible_record(Contact, customer_id, contact_id)
    return related.delete(contact, customer, TAB)
