"""Products (产品): list, export, create, edit, delete."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from core.api import _, db, list_page, require_permission
from plugins.basedata import services
from plugins.basedata.forms import ProductFilter, ProductForm
from plugins.basedata.models import Product
from plugins.basedata.views import blueprint
from plugins.basedata.views.saving import delete, save

SORTS = {"name": Product.name, "model": Product.model, "batch": Product.batch, "price": Product.price}


def _filtered(filters: ProductFilter):
    stmt = select(Product)
    for name in ("name", "model", "batch"):
        text = getattr(filters, name).data
        if text:
            stmt = stmt.where(getattr(Product, name).icontains(text, autoescape=True))
    return stmt


@blueprint.route("/products")
@require_permission("basedata.product.view")
def products():
    filters = ProductFilter(request.args)
    filters.validate()
    stmt = _filtered(filters) if not filters.errors else select(Product).where(False)
    header = [_("Name"), _("Model"), _("Grade / batch"), _("Unit"), _("Unit price"), _("Memo")]
    return list_page(stmt, SORTS, "name", Product.id, template="basedata/product_list.html",
                     export=("products.csv", header, _csv_row), filters=filters)


def _csv_row(p: Product) -> tuple:
    return p.name, p.model, p.batch, p.unit, p.price, p.memo


def _edit(product: Product, form: ProductForm):
    if form.validate_on_submit() and save(form, product):
        return redirect(url_for("basedata.products"))
    return render_template("basedata/product_form.html", form=form, product=product)


@blueprint.route("/products/new", methods=["GET", "POST"])
@require_permission("basedata.product.manage")
def product_new():
    return _edit(Product(), ProductForm())


@blueprint.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@require_permission("basedata.product.manage")
def product_edit(product_id: int):
    product = db.get_or_404(Product, product_id)
    return _edit(product, ProductForm(obj=product))


@blueprint.route("/products/<int:product_id>/delete", methods=["POST"])
@require_permission("basedata.product.manage")
def product_delete(product_id: int):
    product = db.get_or_404(Product, product_id)
    delete(product, services.where_used(None, product.id))
    return redirect(url_for("basedata.products"))
