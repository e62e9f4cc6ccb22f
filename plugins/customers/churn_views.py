"""Churn pages: the list (filters, sorting, CSV export), the detail, postpone and confirm lost."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import false, func, select
from sqlalchemy.orm import selectinload

from core.api import (
    SlotItem, User, _, can, db, id_or_none, is_stale, list_page, require_permission,
)
from plugins.customers import churn, services as customers
from plugins.customers.churn import ChurnMeasure, ChurnRecord
from plugins.customers.churn_forms import ChurnFilterForm, ConfirmLostForm, PostponeForm
from plugins.customers.forms import STALE_MESSAGE
from plugins.customers.models import Customer
from plugins.customers.name_order import name_column
from plugins.customers.views.customers import manager_choices

blueprint = Blueprint("customers_churn", __name__, template_folder="templates", url_prefix="/churn")

SORTS = {
    "warned": ChurnRecord.created_at,
    "last_order": ChurnRecord.last_order_date,
    "status": ChurnRecord.status,
    "lost": ChurnRecord.lost_at,
    "customer": Customer.name,
}
DEFAULT_SORT = "-warned"


def visible_records(stmt):
    """Churn records are visible when their customer is (data scope); deleted customers' are hidden."""
    return customers.scope_through_customer(stmt, ChurnRecord.customer_id)


def _record_or_404(churn_id: int) -> ChurnRecord:
    stmt = visible_records(select(ChurnRecord).where(ChurnRecord.id == churn_id)).options(
        selectinload(ChurnRecord.measures).selectinload(ChurnMeasure.author)
    )
    record = db.session.scalar(stmt)
    if record is None:
        abort(404)
    return record


def _filtered(form: ChurnFilterForm):
    stmt = visible_records(
        select(ChurnRecord, Customer.number, Customer.name, User.display_name)
        .outerjoin(User, User.id == ChurnRecord.manager_id)
    )
    if form.customer.data:
        text = form.customer.data.strip()
        stmt = stmt.where(customers.customer_text_matches(text, columns=("name", "number")))
    if id_or_none(form.manager.data) is not None:
        stmt = stmt.where(ChurnRecord.manager_id == id_or_none(form.manager.data))
    if form.status.data in churn.STATUSES:
        stmt = stmt.where(ChurnRecord.status == form.status.data)
    return stmt


@blueprint.route("/")
@require_permission("customers.churn.view")
def churn_list():
    form = ChurnFilterForm(manager_choices(), request.args)  # an own-scope user: only themselves
    valid = form.validate()
    if request.args.get("export") == "csv" and not can("customers.customer.export"):
        abort(403)  # the file lists customers: the same permission as the customer export
    header = [_("Customer number"), _("Customer"), _("Account manager"), _("Last order"), _("Warning date"),
              _("Status"), _("Lost date"), _("Reason for the loss")]
    sorts = {**SORTS, "customer": name_column()}  # pinyin order on zh_CN pages
    stmt = _filtered(form) if valid else _filtered(form).where(false())  # the errors say why: no rows
    return list_page(stmt, sorts, DEFAULT_SORT, ChurnRecord.id, template="customers/churn_list.html",
                     export=("churn.csv", header, _csv_row), form=form, months=churn.churn_months())


def _csv_row(row) -> tuple:
    record, number, name, manager = row
    return (number, name, manager or "", record.last_order_date, record.created_at.date(),
            record.status_label, record.lost_at.date() if record.lost_at else "", record.reason)


def _render_detail(record, postpone_form=None, lost_form=None, status=200):
    postpone_form = postpone_form or PostponeForm(prefix="postpone", formdata=None, version=record.version)
    lost_form = lost_form or ConfirmLostForm(prefix="lost", formdata=None, version=record.version)
    return render_template("customers/churn_detail.html", record=record,
                           postpone_form=postpone_form, lost_form=lost_form), status


@blueprint.route("/<int:churn_id>")
@require_permission("customers.churn.view")
def churn_detail(churn_id: int):
    return _render_detail(_record_or_404(churn_id))


def _handle(churn_id: int, form, form_name: str, action, done_message):
    """Validate ``form`` (passed to the detail page as ``form_name``) against the open, unchanged record,
    then run ``action``."""
    record = _record_or_404(churn_id)
    if not record.is_open:
        flash(_("This churn record is closed; it cannot be changed any more."), "warning")
        return redirect(url_for(".churn_detail", churn_id=record.id))
    if not form.validate():
        return _render_detail(record, **{form_name: form}, status=400)
    if is_stale(record, form.version.data):
        form.form_errors.append(STALE_MESSAGE)
        return _render_detail(record, **{form_name: form}, status=409)
    action(record)
    flash(done_message, "success")
    return redirect(url_for(".churn_detail", churn_id=record.id))


@blueprint.route("/<int:churn_id>/postpone", methods=["POST"])
@require_permission("customers.churn.handle")
def churn_postpone(churn_id: int):
    form = PostponeForm(prefix="postpone")
    return _handle(churn_id, form, "postpone_form", lambda record: churn.postpone(record, form.measure.data.strip()),
                   _("The retention measure was added; the loss is postponed."))


@blueprint.route("/<int:churn_id>/lost", methods=["POST"])
@require_permission("customers.churn.handle")
def churn_lost(churn_id: int):
    form = ConfirmLostForm(prefix="lost")
    return _handle(churn_id, form, "lost_form", lambda record: churn.confirm_lost(record, form.reason.data.strip()),
                   _("The loss of the customer was confirmed."))


def records_of_customer(customer_id: int) -> list:
    """(record, number of measures) of one customer, newest first (customer 360 tab)."""
    measures = (select(func.count(ChurnMeasure.id)).where(ChurnMeasure.churn_id == ChurnRecord.id)
                .correlate(ChurnRecord).scalar_subquery())
    stmt = visible_records(select(ChurnRecord, measures).where(ChurnRecord.customer_id == customer_id))
    return db.session.execute(stmt.order_by(ChurnRecord.id.desc())).all()


def contribute(slot, context):
    """The churn tab of the customer 360 page (only with customers.churn.view); the dashboard's
    churn warnings are a key figure (kpis.py)."""
    if not can("customers.churn.view"):
        return None
    if slot == "customers.detail.tabs":
        records = records_of_customer(context["customer"].id)
        return [SlotItem(render_template("customers/churn_tab.html", records=records), order=60)]
    return None
