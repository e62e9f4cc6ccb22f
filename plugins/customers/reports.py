"""Customers' reports (customer contribution, composition, churn), rendered by the reports plugin.

Each is one aggregate statement narrowed to the customers the user may see
(data scope: an account manager's own customers). Amounts come from the order
summary tables (``order_summary``), never from the order lines.
"""
from __future__ import annotations


from flask import request
from sqlalchemy import Numeric, String, cast, func, literal, select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from core.api import (
    Chart, Column, FilterForm, Report, User, contains, db, id_or_none, lazy_gettext as _l, no_markup, scoped, sees_all,
    search_term, strip_text, current_user, users_holding,
)

from plugins.basedata import services as basedata
from plugins.customers import rfm
from plugins.customers.churn import LOST, ChurnRecord
from plugins.customers.composition import CustomerComposition
from plugins.customers.models import CUSTOMER_TEXT, Customer
from plugins.customers.order_summary import ALL_YEARS, OrderYear
from plugins.customers.services import MANAGER_PERMISSION, filter_by_customer_text

SECTION = _l("Customer management")
YEARS = NumberRange(min=1900, max=2999, message=_l("Enter a year from 1900 to 2999."))


class ContributionFilter(FilterForm):
    name = StringField(_l("Customer name"), filters=[strip_text], validators=[Optional(), Length(max=200), no_markup])
    year = IntegerField(_l("Year"), validators=[Optional(), YEARS])


def contribution(form):
    """Order amount per customer (all years, or one), largest first: read from the amount index of the year table."""
    stmt = (select(Customer.name.label("customer"), Customer.number.label("number"),
                   OrderYear.orders.label("orders"), OrderYear.amount.label("amount"))
            .join(Customer, Customer.id == OrderYear.customer_id)
            .where(OrderYear.year == (form.year.data or ALL_YEARS))
            .order_by(OrderYear.amount.desc(), OrderYear.customer_id.desc()))
    if form.name.data and sees_all() and CUSTOMER_TEXT.frequent(search_term(form.name.data)):
        # Every customer and a common term (SQLite, thousands of names): walking the amount order finds a
        # page within a few thousand rows (28 ms for 华信 at a million), where starting from the term's
        # postings sorts them all (87 ms). PostgreSQL's planner weighs this itself (frequent() is False).
        stmt = stmt.where(contains(Customer.name, form.name.data))
    elif form.name.data:  # from the name's search index, starting where the term is rarest (TextIndex.filter)
        stmt = filter_by_customer_text(stmt, form.name.data, ("name",), key=OrderYear.customer_id)
    return scoped(stmt, OrderYear)  # an account manager's: the years' copy of the customer's manager


DIMENSIONS = {"level": basedata.CUSTOMER_LEVEL, "credit": basedata.CREDIT, "satisfaction": basedata.SATISFACTION}


class CompositionFilter(FilterForm):
    dimension = SelectField(_l("Count customers by"), default="level", choices=[
        ("level", _l("Level")), ("credit", _l("Credit")), ("satisfaction", _l("Satisfaction"))])


def composition(form):
    """Number of customers (not deleted) per level, credit or satisfaction, and their share: summed from
    the counts kept per manager and combination (composition.py), not counted customer by customer."""
    column = getattr(CustomerComposition, form.dimension.data or "level")
    count = func.sum(CustomerComposition.customers)
    share = cast(count * 100.0 / func.sum(count).over(), Numeric(5, 1))
    stmt = (select(column.label("value"), count.label("customers"), share.label("share"))
            .group_by(column).order_by(column))
    return scoped(stmt, CustomerComposition)


def _composition_labels() -> dict:
    dimension = request.args.get("dimension", "level")
    return basedata.labels(DIMENSIONS.get(dimension, basedata.CUSTOMER_LEVEL))


class ChurnFilter(FilterForm):
    customer = StringField(_l("Customer name"), filters=[strip_text],
                           validators=[Optional(), Length(max=200), no_markup])
    manager = SelectField(_l("Account manager"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        managers = users_holding(MANAGER_PERMISSION).with_only_columns(User.id, User.display_name) \
            .order_by(User.display_name)
        if not sees_all():  # an account manager may only pick themselves
            managers = managers.where(User.id == current_user.id)
        self.manager.choices = [("", _l("Any"))] + [(str(id_), name) for id_, name in db.session.execute(managers)]

    def validate_manager(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an account manager from the list."))


def _lost(stmt, form, *, customer_columns: bool = True):
    """The confirmed losses ``form`` selects, of the user's scope. The customer is joined for its columns
    or its name; counting per year without a name reads the records alone (joining each of the 10,600
    losses at a million customers with its customer row: 35 of the page's 8.5 ms of SQL on PostgreSQL)."""
    if customer_columns or form.customer.data:
        stmt = stmt.join(Customer, Customer.id == ChurnRecord.customer_id)
    stmt = stmt.where(ChurnRecord.status == LOST)
    if form.customer.data:
        stmt = filter_by_customer_text(stmt, form.customer.data, ("name",), key=ChurnRecord.customer_id)
    manager = id_or_none(form.manager.data)
    if manager is not None:  # the customer's account manager (the record's copy, kept in step)
        stmt = stmt.where(ChurnRecord.manager_id == manager)
    return scoped(stmt, ChurnRecord)


def _year_lost():
    return func.substr(cast(ChurnRecord.lost_at, String), 1, 4)


def churn(form):
    """Confirmed lost customers: year lost, customer, account manager, reason; newest first."""
    stmt = (select(_year_lost().label("year"), func.substr(cast(ChurnRecord.lost_at, String), 1, 10).label("lost_on"),
                   Customer.name.label("customer"), Customer.number.label("number"),
                   func.coalesce(User.display_name, literal("—")).label("manager"), ChurnRecord.reason.label("reason"))
            .select_from(ChurnRecord).outerjoin(User, User.id == ChurnRecord.manager_id)
            .order_by(ChurnRecord.lost_at.desc(), ChurnRecord.id.desc()))
    return _lost(stmt, form)


def churn_per_year(form):
    """Confirmed lost customers per year."""
    year = _year_lost().label("year")
    stmt = select(year, func.count(ChurnRecord.id).label("customers")).select_from(ChurnRecord)
    return _lost(stmt, form, customer_columns=False).group_by(year).order_by(year)


VALUE = "customers.report.value"
CONTRIBUTION = "customers.report.contribution"
COMPOSITION = "customers.report.composition"
CHURN = "customers.report.churn"

REPORTS = [
    Report(key="customers.contribution", title=_l("Customer contribution"), section=SECTION, permission=CONTRIBUTION,
           description=_l("Order amount per customer, largest first, for one year or all years."),
           columns=(Column("customer", _l("Customer")), Column("number", _l("Customer number")),
                    Column("orders", _l("Orders"), "integer"), Column("amount", _l("Order amount"), "money")),
           query=contribution, filters=ContributionFilter,
           chart=Chart("hbar", label="customer", values=("amount",)), order=10),
    Report(key="customers.composition", title=_l("Customer composition"), section=SECTION, permission=COMPOSITION,
           description=_l("Number of customers by level, by credit or by satisfaction."),
           columns=(Column("value", _l("Group"), labels=_composition_labels),
                    Column("customers", _l("Customers"), "integer"), Column("share", _l("Share"), "percent")),
           query=composition, filters=CompositionFilter, chart=Chart("pie", label="value", values=("customers",)),
           order=20),
    Report(key="customers.churn", title=_l("Churn analysis"), section=SECTION, permission=CHURN,
           description=_l("Customers confirmed lost: when, who managed them and why."),
           columns=(Column("year", _l("Year lost")), Column("lost_on", _l("Lost on"), "date"),
                    Column("customer", _l("Customer")), Column("number", _l("Customer number")),
                    Column("manager", _l("Account manager")), Column("reason", _l("Churn reason"))),
           query=churn, filters=ChurnFilter, order=30),
    Report(key="customers.churn_per_year", title=_l("Lost customers per year"), section=SECTION, permission=CHURN,
           description=_l("How many customers were confirmed lost each year."),
           columns=(Column("year", _l("Year lost")), Column("customers", _l("Lost customers"), "integer")),
           query=churn_per_year, filters=ChurnFilter, chart=Chart("bar", label="year", values=("customers",)),
           order=31),
    Report(key="customers.rfm", title=_l("Customer value (RFM)"), section=SECTION, permission=VALUE,
           description=_l("Recency, frequency and monetary value of each customer's orders, scored 1 to 5 by "
                          "quintile, and the segments they place customers in: who is most valuable, who is "
                          "slipping away. Scored every night."),
           columns=(Column("segment", _l("Segment"), labels=rfm.segment_labels, link=rfm.segment_link),
                    Column("customers", _l("Customers"), "integer"),
                    Column("customer_share", _l("Share of customers"), "percent"),
                    Column("revenue", _l("Revenue"), "money"),
                    Column("revenue_share", _l("Share of revenue"), "percent")),
           query=rfm.value_analysis, filters=rfm.WindowFilter,
           chart=Chart("hbar", label="segment", values=("customer_share", "revenue_share")), order=40),
]
