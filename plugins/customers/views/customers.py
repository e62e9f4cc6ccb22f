"""Customer list, CSV export, create, edit, soft delete, autocomplete."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from core.api import (
    SEARCH_COUNT_CAP, _, can, current_user, db, holders_of, id_or_none, is_stale, list_page, require_permission,
    sees_all, user_names,
)

from plugins.basedata import services as basedata
from plugins.customers import notices, rfm, services, submissions
from plugins.customers.duplicates import confirmation_key, find_duplicates
from plugins.customers.forms import STALE_MESSAGE, CustomerFilter, CustomerForm, NewCustomerForm
from plugins.customers.models import CUSTOMER_STATUSES, STATUS_DELETED, Customer
from plugins.customers.name_order import name_column
from plugins.customers.numbering import add_numbered
from plugins.customers.views import blueprint

SORTS = {
    "number": Customer.number, "name": Customer.name, "region": Customer.region,
    "manager": Customer.manager_id, "level": Customer.level, "status": Customer.status,
    "created": Customer.created_at,
}
DEFAULT_SORT = "-created"


def manager_choices() -> list[tuple[int, str]]:
    """Active account managers (cached, no query); a user who sees only their own customers can only
    choose themselves."""
    managers = holders_of(services.MANAGER_PERMISSION)
    return managers if sees_all() else [(id_, name) for id_, name in managers if id_ == current_user.id]


def _filtered(form: CustomerFilter):
    stmt = services.visible_customers_query()
    if form.number.data:
        stmt = stmt.where(Customer.number == form.number.data.upper())
    if form.name.data:
        stmt = services.filter_by_customer_text(stmt, form.name.data)
    for column, value in ((Customer.region, form.region.data), (Customer.level, form.level.data),
                          (Customer.status, form.status.data)):
        if value:
            stmt = stmt.where(column == value)
    if id_or_none(form.manager.data) is not None:
        stmt = stmt.where(Customer.manager_id == id_or_none(form.manager.data))
    if form.segment.data in rfm.SEGMENTS:
        stmt = stmt.where(Customer.id.in_(rfm.customers_in_segment(form.segment.data, int(form.window.data or 12))))
    return stmt


def dictionary_labels() -> dict:
    return {key: basedata.labels(key) for key in
            (basedata.REGION, basedata.CUSTOMER_LEVEL, basedata.SATISFACTION, basedata.CREDIT, basedata.BANK)}


@blueprint.route("/")
@require_permission("customers.customer.view")
def customer_list():
    form = CustomerFilter(request.args)
    any_ = [("", _("Any"))]
    form.region.choices = any_ + basedata.choices(basedata.REGION)
    form.level.choices = any_ + basedata.choices(basedata.CUSTOMER_LEVEL)
    form.manager.choices = any_ + [(str(i), label) for i, label in manager_choices()]
    form.segment.choices = any_ + list(rfm.segment_labels().items())
    stmt = _filtered(form) if form.validate() else services.visible_customers_query().where(False)
    if request.args.get("export") == "csv" and not can("customers.customer.export"):
        abort(403)
    labels = dictionary_labels()
    header = [_("Number"), _("Name"), _("Region"), _("Account manager"), _("Level"), _("Satisfaction"),
              _("Credit"), _("Address"), _("Postcode"), _("Phone"), _("Fax"), _("Website"), _("Status"),
              _("Created")]
    sorts = {**SORTS, "name": name_column()}  # pinyin order on zh_CN pages
    names = user_names()  # the account manager column, without loading user objects
    statuses = {key: str(label) for key, label in CUSTOMER_STATUSES.items()}
    to_row = partial(_csv_row, labels, names, statuses)
    searched = bool(form.name.data) and not form.errors
    return list_page(stmt, sorts, DEFAULT_SORT, Customer.id, template="customers/customer_list.html", walk=True,
                     cap=SEARCH_COUNT_CAP if searched else None,
                     export=("customers.csv", header, to_row, EXPORT_COLUMNS), form=form, labels=labels, names=names)


# The export reads plain rows of these columns, not customer objects (core.listing.list_page).
EXPORT_COLUMNS = (Customer.number, Customer.name, Customer.region, Customer.manager_id, Customer.level,
                  Customer.satisfaction, Customer.credit, Customer.address, Customer.postcode, Customer.phone,
                  Customer.fax, Customer.website, Customer.status, Customer.created_at)


def _csv_row(labels: dict, names: dict, statuses: dict, row) -> list:
    # Unpacked in EXPORT_COLUMNS' order: reading a row's fields by name costs ~1 µs each, a million rows 14 s.
    (number, name, region, manager_id, level, satisfaction, credit, address, postcode, phone, fax, website, status,
     created_at) = row
    regions, levels = labels[basedata.REGION], labels[basedata.CUSTOMER_LEVEL]
    return [number, name, regions.get(region, region), names.get(manager_id, ""), levels.get(level, level),
            satisfaction, credit, address, postcode, phone, fax, website, statuses.get(status, status),
            created_at.date().isoformat()]


@blueprint.route("/search.json")
@require_permission("customers.customer.view")
def customer_search():
    limit = min(max(request.args.get("limit", 20, type=int) or 20, 1), 50)  # a negative LIMIT fails on PostgreSQL
    return jsonify(services.customer_search(request.args.get("q", ""), limit=limit))


def _fill_choices(form: CustomerForm) -> None:
    form.region.choices = basedata.choices(basedata.REGION)
    form.level.choices = basedata.choices(basedata.CUSTOMER_LEVEL)
    form.satisfaction.choices = basedata.choices(basedata.SATISFACTION)
    form.credit.choices = basedata.choices(basedata.CREDIT)
    form.bank.choices = [("", "—")] + basedata.choices(basedata.BANK)
    form.manager_id.choices = manager_choices()


@blueprint.route("/new", methods=["GET", "POST"])
@require_permission("customers.customer.create")
def customer_create():
    form = NewCustomerForm()
    _fill_choices(form)
    if request.method == "GET":
        form.manager_id.data = current_user.id
        form.submission.data = submissions.new_token()
    duplicates = None
    if form.validate_on_submit():
        confirmed = request.form.get("confirm_duplicates") == confirmation_key(form.name.data, form.phone.data)
        duplicates = None if confirmed else find_duplicates(form.name.data, form.phone.data)
        # Checked after the duplicates: a twin request committed since shows up here, not as a duplicate.
        if submissions.is_claimed(form.submission.data):
            return _already_saved(form.submission.data)
        if not duplicates:
            claim = submissions.claim(form.submission.data)
            if claim is None:  # the same form, sent twice at once, is saved by the other request
                return _already_saved(form.submission.data)
            customer = Customer()
            form.apply_to(customer, skip=("submission",))
            add_numbered(customer)
            claim.customer_id = customer.id
            services.customer_created(customer)
            db.session.commit()
            flash(_("Customer %(number)s created.", number=customer.number), "success")
            return redirect(url_for(".customer_detail", customer_id=customer.id))
    return render_template("customers/customer_form.html", form=form, customer=None, duplicates=duplicates,
                           confirmation=confirmation_key(form.name.data, form.phone.data) if duplicates else "")


def _already_saved(token: str):
    """A form sent again after it was saved: show the customer it created instead of a second one."""
    customer_id = submissions.customer_of(token)  # None while the other request is still saving it
    flash(_("This form was already saved; the customer was created once."), "info")
    visible = customer_id and db.session.scalar(services.visible_customers_query().with_only_columns(Customer.id)
                                                .where(Customer.id == customer_id))
    return redirect(url_for(".customer_detail", customer_id=visible) if visible else url_for(".customer_list"))


@blueprint.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@require_permission("customers.customer.edit")
def customer_edit(customer_id):
    customer = services.visible_customer(customer_id)
    form = CustomerForm(obj=customer)
    _fill_choices(form)
    if customer.manager_id and customer.manager_id not in dict(form.manager_id.choices) and request.method == "GET":
        form.manager_id.data = None  # the manager left: make the user choose an active one
    if request.method == "GET":
        form.version.data = customer.version
    if form.validate_on_submit():
        if is_stale(customer, form.version.data):
            form.form_errors.append(STALE_MESSAGE)
        else:
            previous_manager_id = customer.manager_id
            form.apply_to(customer)
            if customer.manager_id != previous_manager_id:
                db.session.flush()
                services.customers_reassigned([customer.id], customer.manager_id)
            notices.customer_assigned(customer, previous_manager_id)
            db.session.commit()
            flash(_("Customer %(number)s saved.", number=customer.number), "success")
            return redirect(url_for(".customer_detail", customer_id=customer.id))
    return render_template("customers/customer_form.html", form=form, customer=customer)


@blueprint.route("/<int:customer_id>/delete", methods=["POST"])
@require_permission("customers.customer.delete")
def customer_delete(customer_id):
    customer = services.visible_customer(customer_id)
    customer.status = STATUS_DELETED  # soft delete: kept for reports and the audit log
    services.customer_deleted(customer)
    db.session.commit()
    flash(_("Customer %(number)s deleted.", number=customer.number), "success")
    return redirect(url_for(".customer_list"))
