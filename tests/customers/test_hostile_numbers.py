"""Numbers that are no numbers, or that the columns cannot hold: a message beside the field, nothing saved
(issue 12, item 8). Money columns are Numeric(14, 2); quantities keep two places."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.api import db
from plugins.basedata.models import Product
from plugins.customers.models import Customer, Order, OrderLine
from plugins.marketing.models import Opportunity

from test_order_form import order_form  # noqa: E402  (tests/customers is on the path)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("quantity, price, message", [
    ("1,5", "", "Not a valid decimal value"), ("2 pcs", "", "Not a valid decimal value"),
    ("abc", "", "Not a valid decimal value"), ("NaN", "", "Enter a number."), ("sNaN", "", "Enter a number."),
    ("-sNaN", "", "Enter a number."), ("1", "sNaN", "Enter a number."), ("1", "-Infinity", "Enter a number."),
    ("1e400", "", "Enter a quantity of at most 99999999."), ("100000000", "1", "Enter a quantity of at most"),
    ("0.004", "1", "Enter a quantity of at least 0.01"), ("0", "1", "The quantity must be greater than 0."),
    ("1", "1e400", "Enter an amount from 0 to 999999999999.99."),
    ("1", "999999999999.995", "Enter an amount from 0 to 999999999999.99."),
])
def test_order_lines_with_hostile_numbers_are_refused_beside_the_field(app, login_as, add_customer, add_product,
                                                                        quantity, price, message):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    lines = [{"product_id": add_product(), "quantity": quantity, "unit": "", "price": price}]
    response = manager.post(f"/customers/{customer_id}/orders/new", data=order_form(lines, number=""))
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _count(app, Order) == 0 and _count(app, OrderLine) == 0


def test_an_order_whose_total_the_money_column_cannot_hold_is_refused(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    product = add_product()
    line = {"product_id": product, "quantity": "99999999", "unit": "", "price": "999999999999.99"}  # each within
    response = manager.post(f"/customers/{customer_id}/orders/new", data=order_form([line], number=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "The order&#39;s total would exceed 999,999,999,999.99" in page
    two = [{"product_id": product, "quantity": "1", "unit": "", "price": "600000000000"}] * 2
    response = manager.post(f"/customers/{customer_id}/orders/new", data=order_form(two, number=""))
    assert response.status_code == 200 and "total would exceed" in response.get_data(as_text=True)
    assert _count(app, Order) == 0


def test_quantities_are_rounded_as_stored_before_the_total_is_computed(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    lines = [{"product_id": add_product(), "quantity": "0.005", "unit": "", "price": "1000"},
             {"product_id": add_product(), "quantity": "1.234", "unit": "", "price": "100"}]
    response = manager.post(f"/customers/{customer_id}/orders/new", data=order_form(lines, number=""))
    assert response.status_code == 302
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert sorted(line.quantity for line in order.lines) == [Decimal("0.01"), Decimal("1.23")]
        assert order.total == Decimal("133.00") == sum(line.amount for line in order.lines)
        assert type(order.total) is Decimal


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "1e400", "1000000000000"])
def test_money_fields_of_the_plugins_refuse_what_is_no_amount(app, login_as, customer_form, value):
    """(The service plugin's SLA targets: tests/service/test_sla.py.)"""
    admin = login_as("admin")
    response = admin.post("/customers/new", data=customer_form(admin.user_id, capital=value))
    assert response.status_code == 200 and 'id="capital-error"' in response.get_data(as_text=True)
    response = admin.post("/basedata/products/new", data={"name": "打印机", "model": "", "batch": "", "unit": "台",
                                                          "price": value, "memo": ""})
    assert response.status_code == 200 and 'id="price-error"' in response.get_data(as_text=True)
    response = admin.post("/marketing/new", data={"customer_name": "华信", "summary": "打印机", "description": "采购",
                                                  "probability": "50", "amount": value})
    assert response.status_code == 200 and 'id="amount-error"' in response.get_data(as_text=True)
    assert _count(app, Customer) == _count(app, Product) == _count(app, Opportunity) == 0


def test_an_imported_order_whose_total_the_money_column_cannot_hold_is_refused(app, tmp_path, add_customer,
                                                                                add_product):
    with app.app_context():
        number = db.session.get(Customer, add_customer()).number
    product = add_product()
    lines = "".join(f"SO-1,{number},2025-01-15,{product},99999999,999999999999.99\n" for _ in range(2))
    (tmp_path / "orders.csv").write_text("order_number,customer_number,date,product_id,quantity,price\n" + lines)
    result = app.test_cli_runner().invoke(args=["import", "orders", str(tmp_path / "orders.csv")])
    assert result.exit_code == 1 and "total would exceed" in result.output, result.output
    assert _count(app, Order) == 0 and _count(app, OrderLine) == 0


def test_imported_quantities_are_rounded_as_the_form_rounds_them(app, tmp_path, add_customer, add_product):
    with app.app_context():
        number = db.session.get(Customer, add_customer()).number
    product = add_product()
    path = tmp_path / "orders.csv"
    path.write_text(f"order_number,customer_number,date,product_id,quantity,price\nSO-1,{number},2025-01-15,{product},0.004,1\n")
    result = app.test_cli_runner().invoke(args=["import", "orders", str(path)])
    assert result.exit_code == 1 and "Enter a quantity of at least 0.01" in result.output, result.output
    path.write_text(f"order_number,customer_number,date,product_id,quantity,price\nSO-1,{number},2025-01-15,{product},0.005,1000\n")
    result = app.test_cli_runner().invoke(args=["import", "orders", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.lines[0].quantity, order.total) == (Decimal("0.01"), Decimal("10.00"))
