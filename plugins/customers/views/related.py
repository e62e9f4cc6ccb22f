"""What contacts, activities and orders pages share: records reached through a visible customer."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core import api
from core.api import _, db, is_stale

from plugins.customers import services
from plugins.customers.forms import STALE_MESSAGE


def visible_record(model, customer_id: int, record_id: int):
    """The record of a customer the user may see, or 404 (also when the ids do not belong together)."""
    customer = services.visible_customer(customer_id)
    record = db.session.scalar(select(model).where(model.id == record_id, model.customer_id == customer.id))
    if record is None:
        abort(404)
    return customer, record


def list_page(model, customer_id: int, sorts: dict, default: str, template: str, options=(), **context):
    """One page of the records of a customer the user may see, rendered with ``template``
    (``options``: loader options for what the rows show, e.g. ``selectinload(Activity.contact)``)."""
    customer = services.visible_customer(customer_id)
    stmt = select(model).where(model.customer_id == customer.id).options(*options)
    return api.list_page(stmt, sorts, default, model.id, template=template, customer=customer, **context)


def edit_page(form, record, customer, title, tab: str, before_save=None):
    """Create (``record.id`` is None) or edit ``record`` from ``form``; refuses stale saves.

    A save (and Cancel) returns to the customer's 360 page on ``tab`` (``contacts``,
    ``activities``). ``before_save(record)`` adjusts the record after the form's fields are copied.
    """
    back = url_for("customers.customer_detail", customer_id=customer.id, _anchor=f"tab-{tab}")
    if request.method == "GET" and record.id is not None:
        form.version.data = record.version
    if form.validate_on_submit():
        if record.id is not None and is_stale(record, form.version.data):
            form.form_errors.append(STALE_MESSAGE)
        else:
            form.apply_to(record)
            record.customer_id = customer.id
            if before_save is not None:
                before_save(record)
            db.session.add(record)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(back)
    return render_template("customers/record_form.html", form=form, record=record, customer=customer,
                           title=title, back=back)


def delete(record, customer, tab: str):
    db.session.delete(record)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("customers.customer_detail", customer_id=customer.id, _anchor=f"tab-{tab}"))
