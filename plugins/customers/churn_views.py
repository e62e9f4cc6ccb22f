"""Churn pages: the list (filters, sorting, CSV export), the detail, postpone and confirm lost."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import aliased, selectinload

from core.api import (
    SEARCH_COUNT_CAP, OuterLoopJoin, SlotItem, _, can, db, id_or_none, is_stale, list_page, require_permission,
    scoped, sort_order, user_names,
)
from plugins.customers import churn, services as customers
from plugins.customers.churn import ChurnMeasure, ChurnRecord
from plugins.customers.churn_forms import ChurnFilterForm, ConfirmLostForm, PostponeForm
from plugins.customers.forms import STALE_MESSAGE
from plugins.customers.models import STATUS_DELETED, Customer
from plugins.customers.name_order import name_column
from plugins.customers.views.customers import manager_choices

blueprint = Blueprint("customers_churn", __name__, template_folder="templates", url_prefix="/churn")

SORTS = {
    "warned": ChurnRecord.created_at,
    "last_order": ChurnRecord.last_order_date,
    "status": ChurnRecord.status,
    "lost": ChurnRecord.lost_at,
    # The customer's name, then the customer: customers are walked in name order through their
    # index on (name, id) and each one's records read through ix_customers_churn_customer_id
    # (customer_id, id) — no sort of every record, and keyset pages start at their edge (core.paging).
    "customer": (Customer.name, Customer.id),
}
DEFAULT_SORT = "-warned"
# Records of customers whose name or number holds a term are counted to SEARCH_COUNT_CAP (1,000), not to
# the lists' 10,000: each is found through its customer's row. On PostgreSQL the count read the row of every
# customer holding 华信 (49,828 at a million customers, 28,793 table pages) to find its ~10,000 records,
# 166 ms a page. Pages past the bound walk the records in order, testing each one's customer.


def _customer_not_deleted(customer_id=ChurnRecord.customer_id):
    """The customer ``customer_id`` is not deleted, decided from the deleted customers' ids — few,
    read from the index on (status, id): a NOT IN list on SQLite, an anti join on PostgreSQL —
    not from the status in each record's customer row (at a million customers a random read
    per record)."""
    deleted = aliased(Customer)  # (not the list's customer: a page's ids are then read from the records alone)
    if db.session.get_bind().dialect.name == "sqlite":
        return customer_id.not_in(select(deleted.id).where(deleted.status == STATUS_DELETED))
    return ~exists().where(deleted.id == customer_id, deleted.status == STATUS_DELETED)


def visible_records(stmt, *, outer: bool = False):
    """Churn records are visible when their customer is (data scope: the record's copy of the customer's
    manager, kept in step, ``ChurnRecord.owned_by``); deleted customers' are hidden.

    With ``outer`` the customer is LEFT-joined — the same rows, as every record has one
    (``customer_id`` is NOT NULL) —, so that a statement using no customer column, such as the
    count of the list, reads the records alone: both databases drop an unused LEFT JOIN on a
    primary key. An account manager's records are then a range of ix_customers_churn_manager_created
    (in the default order), not their 20,000 customers hashed against every record (41-62 ms a
    count on PostgreSQL at a million customers, 534 ms a page in the middle of their list).
    """
    join = stmt.outerjoin if outer else stmt.join
    return scoped(join(Customer, ChurnRecord.customer_id == Customer.id).where(_customer_not_deleted()), ChurnRecord)


def _record_or_404(churn_id: int) -> ChurnRecord:
    stmt = visible_records(select(ChurnRecord).where(ChurnRecord.id == churn_id)).options(
        selectinload(ChurnRecord.measures).selectinload(ChurnMeasure.author)
    )
    record = db.session.scalar(stmt)
    if record is None:
        abort(404)
    return record


def _filtered(form: ChurnFilterForm, *, by_customer: bool = False, counting: bool = False):
    """The list's records as filtered; ``by_customer``: for the order by customer, the customers
    come first (``OuterLoopJoin``): they are walked in name order through their index and each
    one's records read through ix_customers_churn_customer_id, in id order. ``counting``: the same
    records for the list's bounded count (never by customer: counted from the records' indexes)."""
    text = form.customer.data or ""  # (stripped by the form)
    # The account manager's name comes from the cached names (user_names), not a join: the
    # count then reads no column beyond the records' index.
    columns = (ChurnRecord, Customer.number, Customer.name)
    if by_customer:
        stmt = select(*columns).select_from(OuterLoopJoin(
            Customer.__table__, ChurnRecord.__table__, ChurnRecord.customer_id == Customer.id))
        # (tested on the customer, the outer loop: a test on the record would make SQLite build a
        # Bloom filter of every record first). The scope too: the manager's customers walked by name
        # (ix_customers_customer_manager_name), the same records as the record's copy of the manager.
        stmt = scoped(stmt.where(_customer_not_deleted(Customer.id)), Customer)
    else:
        # On PostgreSQL the text filter reads the customer's name (not an id index as on SQLite):
        # an inner join then, which lets the planner start from the matching customers.
        inner = bool(text) and db.session.get_bind().dialect.name != "sqlite"
        stmt = visible_records(select(*columns), outer=not inner)
        if inner and counting:
            # The manager's customers too (the same records: the copy is kept in step), so that PostgreSQL
            # can intersect their index with the name's grams (~1,000 of their 20,000 customers hold 华信)
            # rather than test the grams of each of their 4,000 records' customers (47 -> 21 ms at 1M). Not
            # for the page, which walks their records in order (7 ms; 21 ms with both).
            stmt = scoped(stmt, Customer)
    if text:
        # matched by the record's customer_id where the index allows (SQLite): no customer row read
        stmt = customers.filter_by_customer_text(stmt, text, columns=("name", "number"), key=ChurnRecord.customer_id)
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
    sorts = {**SORTS, "customer": (name_column(), Customer.id)}  # pinyin order on zh_CN pages
    stmt = _filtered(form, by_customer=sort_order(sorts, DEFAULT_SORT).lstrip("-") == "customer")
    # Counted from the records whatever the order: sorted by customer, the count walked the customers by
    # name (SQLite, administrator: 26 ms at 1M against 0.4) or the manager's 20,000 (PostgreSQL: 36-51 ms).
    counted = _filtered(form, counting=True)
    stmt, counted = (stmt, counted) if valid else (stmt.where(false()), counted.where(false()))  # the errors say why
    names = user_names()
    searched = valid and bool(form.customer.data)
    return list_page(stmt, sorts, DEFAULT_SORT, ChurnRecord.id, count=counted,
                     cap=SEARCH_COUNT_CAP if searched else None, template="customers/churn_list.html",
                     export=("churn.csv", header, lambda row: _csv_row(row, names)), form=form,
                     months=churn.churn_months(), manager_names=names)


def _csv_row(row, manager_names: dict) -> tuple:
    record, number, name = row
    return (number, name, manager_names.get(record.manager_id, ""), record.last_order_date, record.created_at.date(),
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
