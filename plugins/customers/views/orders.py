"""Orders (历史订单) of a customer: list, detail, create and edit with lines."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.api import _, db, format_money, is_stale, lazy_gettext as _l, require_permission, local_today

from plugins.basedata import services as basedata
from plugins.customers import numbering, services
from plugins.customers.forms import MAX_MONEY, MAX_ORDER_LINES, STALE_MESSAGE, OrderForm
from plugins.customers.models import Order, OrderLine
from plugins.customers.views import blueprint, related

SORTS = {"date": Order.date, "number": Order.number}
SPARE_ROWS = 5  # empty line rows the form offers without JavaScript; its "Add line" button asks for five more
MORE_LINES = "more_lines"  # the submit button that asks for more rows instead of saving


@blueprint.route("/<int:customer_id>/orders")
@require_permission("customers.order.view")
def order_list(customer_id):
    return related.list_page(Order, customer_id, SORTS, "-date", "customers/order_list.html")


@blueprint.route("/<int:customer_id>/orders/<int:order_id>")
@require_permission("customers.order.view")
def order_detail(customer_id, order_id):
    customer = services.visible_customer(customer_id)
    order = db.session.scalar(select(Order).options(selectinload(Order.lines))
                              .where(Order.id == order_id, Order.customer_id == customer.id))
    if order is None:
        abort(404)
    return render_template("customers/order_detail.html", customer=customer, order=order)


def _form_data(order: Order) -> dict:
    lines = [{"product_id": line.product_id, "quantity": line.quantity, "unit": line.unit, "price": line.price}
             for line in order.lines]
    return {"number": order.number, "date": order.date, "address": order.address, "status": order.status,
            "version": order.version, "lines": lines + [{}] * SPARE_ROWS}


def _build_form(data: dict | None, products: list) -> OrderForm:
    form = OrderForm(data=data) if request.method == "GET" else OrderForm()
    if request.method == "POST" and MORE_LINES in request.form:
        for _n in range(min(SPARE_ROWS, MAX_ORDER_LINES - len(form.lines.entries))):
            form.lines.append_entry()
    choices = [("", "—")] + [(product.id, product.label) for product in products]
    for row in form.lines:
        row.product_id.choices = choices
    return form


def _line_amount(row, products: dict) -> Decimal | None:
    """quantity × unit price of a form row as it will be saved (an empty price is the product's), or None."""
    product = products.get(row.product_id.data)
    quantity = row.quantity.data
    price = row.price.data if row.price.data is not None else (product.price if product else None)
    if product is None or not isinstance(quantity, Decimal) or not isinstance(price, Decimal):
        return None
    try:
        return (quantity * price).quantize(Decimal("0.01"))
    except InvalidOperation:  # NaN, infinity or too many digits: the form says why beside the field
        return None


def _total(form: OrderForm, products: list) -> Decimal:
    by_id = {product.id: product for product in products}
    return sum(filter(None, (_line_amount(row, by_id) for row in form.lines)), Decimal("0.00"))


def _facts_for_script(products: list) -> dict:
    """What the form's script fills in and shows when a product is chosen (prices as exact strings)."""
    return {str(p.id): {"unit": p.unit, "price": f"{p.price:.2f}", "stock": p.stock} for p in products}


def _number_taken(number: str, order: Order) -> bool:
    return db.session.scalar(select(Order.id).where(Order.number == number, Order.id != (order.id or 0))) is not None


TAKEN_MESSAGE = _l("Another order already has this number.")


def _save_lines(form: OrderForm, order: Order) -> None:
    rows = [row for row in form.lines if row.product_id.data]
    ids = {row.product_id.data for row in rows}
    products = {p.id: p for p in db.session.scalars(select(basedata.Product).where(basedata.Product.id.in_(ids)))}
    order.lines = [OrderLine(product_id=row.product_id.data, quantity=row.quantity.data,
                             unit=row.unit.data or products[row.product_id.data].unit,
                             price=row.price.data if row.price.data is not None else products[row.product_id.data].price)
                   for row in rows]


def _edit(customer, order: Order):
    is_new = order.id is None
    products = basedata.products_with_stock()
    # A new order's number is given on save (from the day's counter), so two forms opened at once
    # never propose the same one; a number typed in is checked, and a race at the commit is told too.
    form = _build_form(_form_data(order) if not is_new else
                       {"date": local_today(), "address": customer.address, "lines": [{}] * SPARE_ROWS}, products)
    if MORE_LINES not in request.form and form.validate_on_submit():
        if not is_new and is_stale(order, form.version.data):
            form.form_errors.append(STALE_MESSAGE)
        elif not is_new and not form.number.data:
            form.number.errors.append(_("This field is required."))
        elif form.number.data and _number_taken(form.number.data, order):
            form.number.errors.append(TAKEN_MESSAGE)
        elif _total(form, products) > MAX_MONEY:
            form.form_errors.append(_("The order's total would exceed %(max)s, the largest amount an order can hold. "
                                      "Split it into several orders.", max=format_money(MAX_MONEY)))
        else:
            form.apply_to(order, skip=("lines", "number"))
            order.number = form.number.data or numbering.next_order_number()
            order.customer_id = customer.id
            _save_lines(form, order)
            db.session.add(order)
            number = order.number
            try:
                db.session.flush()
                if is_new:
                    services.order_created(order)
                db.session.commit()
            except IntegrityError:  # another order took the number between our check and our insert
                db.session.rollback()
                if not _number_taken(number, Order()):
                    raise
                form.number.errors.append(TAKEN_MESSAGE)
                order = Order() if is_new else db.session.get(Order, order.id)
            else:
                flash(_("Order %(number)s saved.", number=order.number), "success")
                return redirect(url_for(".order_detail", customer_id=customer.id, order_id=order.id))
    by_id = {product.id: product for product in products}
    amounts = [_line_amount(row, by_id) for row in form.lines]
    return render_template("customers/order_form.html", form=form, order=order, customer=customer,
                           products=by_id, product_facts=_facts_for_script(products), amounts=amounts, total=sum(filter(None, amounts), Decimal("0.00")),
                           more_lines=MORE_LINES)


@blueprint.route("/<int:customer_id>/orders/new", methods=["GET", "POST"])
@require_permission("customers.order.edit")
def order_create(customer_id):
    return _edit(services.visible_customer(customer_id), Order())


@blueprint.route("/<int:customer_id>/orders/<int:order_id>/edit", methods=["GET", "POST"])
@require_permission("customers.order.edit")
def order_edit(customer_id, order_id):
    customer, order = related.visible_record(Order, customer_id, order_id)
    return _edit(customer, order)


@blueprint.route("/<int:customer_id>/orders/<int:order_id>/delete", methods=["POST"])
@require_permission("customers.order.edit")
def order_delete(customer_id, order_id):
    customer, order = related.visible_record(Order, customer_id, order_id)
    return related.delete(order, customer, "customers.order_list")
