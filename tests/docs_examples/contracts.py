"""Contracts: a small plugin of the tests that hangs off a customer, as docs/plugins.md shows it.

It is registered with ``make_app(plugins="basedata,customers,contracts", extra_plugins=[contracts])``;
its table is created by the test fixture (a real plugin ships a migration). The guide's section
"Relating to a customer" quotes this module, and tests/test_docs_examples.py checks the quotes.
"""
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import Date as SQLDate, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.api import (
    BusinessRecord, FilterForm, Permission, db, decimal_field, hookimpl, lazy_gettext as _l, list_page,
    local_today, require_permission,
)
from plugins.customers import services as customers

name = "contracts"
title = _l("Contracts")
version = "0.1.0"
requires = ("customers",)

ACTIVE, ENDED = "active", "ended"
STATUSES = {ACTIVE: _l("Active"), ENDED: _l("Ended")}


class Contract(db.Model, BusinessRecord):
    __tablename__ = "contracts_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(customers.customer_foreign_key(), index=True)
    title: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    signed_on: Mapped[date] = mapped_column(SQLDate, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)


class ContractForm(FlaskForm):
    customer_id = customers.CustomerField(_l("Customer"), [InputRequired(message=_l("Choose a customer."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    amount = decimal_field(_l("Amount"), required=True)  # Numeric(14, 2): finite, rounded, within the column
    signed_on = DateField(_l("Signed on"), validators=[Optional()])


class ContractFilter(FilterForm):
    customer_id = customers.CustomerField(_l("Customer"))


blueprint = Blueprint("contracts", __name__, template_folder="templates")

SORTS = {"signed": Contract.signed_on, "created": Contract.id}


@blueprint.route("/")
@require_permission("contracts.contract.view")
def index():
    form = ContractFilter(request.args)
    # Only contracts of customers the user may see, each row with its customer's name and number.
    contracts = customers.with_visible_customer(select(Contract), Contract.customer_id)
    if form.validate() and form.customer_id.data:
        contracts = contracts.where(Contract.customer_id == form.customer_id.data)
    return list_page(contracts, SORTS, "-signed", Contract.id, template="contracts/index.html", form=form,
                     statuses=STATUSES)


@blueprint.route("/new", methods=["GET", "POST"])
@require_permission("contracts.contract.edit")
def create():
    form = ContractForm()
    if form.validate_on_submit():  # the picker resolved the text to a customer the user may see
        db.session.add(Contract(customer_id=form.customer_id.data, title=form.title.data,
                                amount=form.amount.data, signed_on=form.signed_on.data or local_today()))
        db.session.commit()
        return redirect(url_for(".index"))
    return render_template("contracts/form.html", form=form)


@blueprint.route("/<int:contract_id>")
@require_permission("contracts.contract.view")
def detail(contract_id):
    stmt = customers.scope_through_customer(select(Contract), Contract.customer_id)
    contract = db.session.scalar(stmt.where(Contract.id == contract_id))
    if contract is None:
        abort(404)  # another manager's customer, or a deleted one: as if it did not exist
    return render_template("contracts/detail.html", contract=contract, statuses=STATUSES)


@hookimpl
def register_blueprints():
    return [blueprint]


@hookimpl
def register_permissions():
    return [Permission("contracts.contract.view", _l("View contracts")),
            Permission("contracts.contract.edit", _l("Create contracts"))]


@hookimpl
def on_event(name, payload):
    # A deleted customer's contracts stay (with the customer's row) for reports and the audit log,
    # but none of them runs on: end the active ones.
    if name == "customers.customer_deleted":
        active = select(Contract).where(Contract.customer_id == payload["id"], Contract.status == ACTIVE)
        for contract in db.session.scalars(active):
            contract.status = ENDED
        db.session.commit()
