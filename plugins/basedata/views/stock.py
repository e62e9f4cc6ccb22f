"""Stock (库存): list, totals per product, export, create, edit, delete."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from core.api import _, db, list_page, require_permission
from plugins.basedata import services
from plugins.basedata.forms import StockFilter, StockForm
from plugins.basedata.models import Product, Stock
from plugins.basedata.views import blueprint
from plugins.basedata.views.saving import delete, save

SORTS = {"product": Product.name, "warehouse": Stock.warehouse, "location": Stock.location,
         "quantity": Stock.quantity}
TOTAL = func.sum(Stock.quantity)
TOTAL_SORTS = {"product": Product.name, "total": TOTAL}


def _filter(stmt, filters: StockFilter):
    if filters.errors:
        return stmt.where(False)
    if filters.product.data:
        text = filters.product.data
        stmt = stmt.where(or_(Product.name.icontains(text, autoescape=True),
                              Product.model.icontains(text, autoescape=True),
                              Product.batch.icontains(text, autoescape=True)))
    if filters.warehouse.data:
        stmt = stmt.where(Stock.warehouse.icontains(filters.warehouse.data, autoescape=True))
    return stmt


def _filters() -> StockFilter:
    filters = StockFilter(request.args)
    filters.validate()
    return filters


@blueprint.route("/stock")
@require_permission("basedata.stock.view")
def stock():
    filters = _filters()
    stmt = _filter(select(Stock).join(Stock.product).options(contains_eager(Stock.product)), filters)
    header = [_("Product"), _("Model"), _("Grade / batch"), _("Warehouse"), _("Location"), _("Quantity"),
              _("Unit"), _("Memo")]
    return list_page(stmt, SORTS, "product", Stock.id, template="basedata/stock_list.html",
                     export=("stock.csv", header, _stock_row), filters=filters)


def _stock_row(s: Stock) -> tuple:
    return (s.product.name, s.product.model, s.product.batch, s.warehouse, s.location, s.quantity,
            s.product.unit, s.memo)


@blueprint.route("/stock/totals")
@require_permission("basedata.stock.view")
def stock_totals():
    """The quantity of each product over every warehouse, summed by the database."""
    filters = _filters()
    stmt = _filter(
        select(Product.id, Product.name, Product.model, Product.batch, Product.unit,
               func.count(func.distinct(Stock.warehouse)).label("warehouses"), TOTAL.label("total"))
        .join(Stock, Stock.product_id == Product.id)
        .group_by(Product.id, Product.name, Product.model, Product.batch, Product.unit),
        filters,
    )
    header = [_("Product"), _("Model"), _("Grade / batch"), _("Warehouses"), _("Total quantity"), _("Unit")]
    return list_page(stmt, TOTAL_SORTS, "product", Product.id, template="basedata/stock_totals.html",
                     export=("stock-totals.csv", header, _total_row), filters=filters)


def _total_row(r) -> tuple:
    return r.name, r.model, r.batch, r.warehouses, r.total, r.unit


def _edit(record: Stock, form: StockForm):
    form.product_id.choices = services.product_choices()
    if form.validate_on_submit() and save(form, record):
        return redirect(url_for("basedata.stock"))
    return render_template("basedata/stock_form.html", form=form, record=record)


@blueprint.route("/stock/new", methods=["GET", "POST"])
@require_permission("basedata.stock.manage")
def stock_new():
    return _edit(Stock(), StockForm(product_id=request.args.get("product", type=int)))


@blueprint.route("/stock/<int:stock_id>/edit", methods=["GET", "POST"])
@require_permission("basedata.stock.manage")
def stock_edit(stock_id: int):
    record = db.get_or_404(Stock, stock_id)
    return _edit(record, StockForm(obj=record))


@blueprint.route("/stock/<int:stock_id>/delete", methods=["POST"])
@require_permission("basedata.stock.manage")
def stock_delete(stock_id: int):
    delete(db.get_or_404(Stock, stock_id), [])
    return redirect(url_for("basedata.stock"))
