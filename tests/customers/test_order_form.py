"""The order form's server side: product facts for the script, spare rows, amounts, stock untouched."""
import html
import json
import re
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db
from plugins.basedata.models import Stock
from plugins.customers.models import Order


def order_form(lines, **changes):
    data = {"number": "DD0001", "date": "2026-02-01", "address": "", "status": "unpaid"}
    for n, line in enumerate(lines):
        data.update({f"lines-{n}-{key}": value for key, value in line.items()})
    return {**data, **changes}


def _stock(app, product_id, *quantities):
    with app.app_context():
        db.session.add_all(Stock(product_id=product_id, warehouse=f"仓库{n}", quantity=quantity)
                           for n, quantity in enumerate(quantities))
        db.session.commit()


def _stock_total(app):
    with app.app_context():
        return db.session.scalar(select(func.sum(Stock.quantity)))


def _product_facts(page: str) -> dict:
    return json.loads(html.unescape(re.search(r"data-products='([^']*)'", page).group(1)))


def test_the_form_knows_each_products_unit_price_and_stock_on_hand(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    laptop, paper = add_product(), add_product(name="复印纸", price="168.00", unit="箱")
    _stock(app, laptop, 7, 5)
    page = manager.get(f"/customers/{customer_id}/orders/new").get_data(as_text=True)
    assert _product_facts(page) == {str(laptop): {"unit": "台", "price": "7999.00", "stock": 12},
                                    str(paper): {"unit": "箱", "price": "168.00", "stock": 0}}
    assert "Saving an order does not change stock" in page
    assert "order_form.js" in page and "<script>" not in page  # a static file: no inline script
    assert page.count('name="lines-') == 5 * 4  # spare rows for browsers without the script


def test_amounts_total_and_stock_shown_when_the_form_comes_back(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    laptop, paper = add_product(), add_product(name="复印纸", price="168.00", unit="箱")
    _stock(app, laptop, 1234)
    lines = [{"product_id": laptop, "quantity": "2", "unit": "", "price": ""},
             {"product_id": paper, "quantity": "1.5", "unit": "", "price": "100.01"},
             {"product_id": paper, "quantity": "abc", "unit": "", "price": "1"}]
    page = manager.post(f"/customers/{customer_id}/orders/new", data=order_form(lines)).get_data(as_text=True)
    assert "Not a valid decimal value" in page
    assert re.findall(r"data-amount>([^<]*)<", page) == ["15,998.00", "150.02", ""]
    assert re.search(r"data-total>([^<]*)<", page).group(1) == "16,148.02"
    assert "Stock on hand: 1,234" in page and "Stock on hand: 0" in page


def test_add_line_without_javascript_gives_more_rows_and_saves_nothing(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    laptop = add_product()
    lines = [{"product_id": laptop, "quantity": "2", "unit": "", "price": ""}] + [{"product_id": ""}] * 4
    response = manager.post(f"/customers/{customer_id}/orders/new", data=order_form(lines, more_lines="1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("data-line") == 10
    assert 'name="lines-9-product_id"' in page and "invalid-feedback" not in page
    assert re.search(r'<select[^>]*name="lines-0-product_id"[^>]*>.*?<option selected value="%d"' % laptop,
                     page, re.S)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
    many = order_form([{"product_id": laptop, "quantity": "1"}] * 498, more_lines="1")
    assert manager.post(f"/customers/{customer_id}/orders/new", data=many).get_data(as_text=True).count(
        "data-line") == 500  # never past the most lines an order can have


def test_lines_removed_in_the_browser_leave_gaps_that_save_fine(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    laptop, paper = add_product(), add_product(name="复印纸", price="168.00", unit="箱")
    _stock(app, laptop, 10)
    data = order_form([])
    for index, product, quantity in ((0, laptop, "1"), (3, paper, "2"), (11, laptop, "3")):
        data.update({f"lines-{index}-product_id": product, f"lines-{index}-quantity": quantity,
                     f"lines-{index}-unit": "", f"lines-{index}-price": ""})
    assert manager.post(f"/customers/{customer_id}/orders/new", data=data).status_code == 302
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert [(line.product_id, line.quantity) for line in order.lines] == [
            (laptop, Decimal("1")), (paper, Decimal("2")), (laptop, Decimal("3"))]
        assert order.total == Decimal("32332.00")
    assert _stock_total(app) == 10  # an order never changes stock


def test_hostile_product_names_stay_text(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    add_product(name="x'><script>alert(1)</script>", unit="'\"&")
    page = manager.get(f"/customers/{customer_id}/orders/new").get_data(as_text=True)
    assert "<script>alert" not in page
    assert list(_product_facts(page).values())[0]["unit"] == "'\"&"


def test_the_order_form_is_for_editors_only(app, login_as, add_customer):
    customer_id = add_customer(None)
    assert login_as("executive").get(f"/customers/{customer_id}/orders/new").status_code == 403
    other = login_as("account_manager")
    assert other.get(f"/customers/{customer_id}/orders/new").status_code == 404
    assert other.post(f"/customers/{customer_id}/orders/new", data=order_form([], more_lines="1")).status_code == 404


def test_numbers_that_are_not_numbers_get_a_message(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    laptop = add_product()
    for quantity, price, message in (("abc", "", "Not a valid decimal value"), ("NaN", "", "Enter a number."),
                                     ("1", "Infinity", "Enter a number."), ("1e400", "", "Enter a quantity of at most")):
        lines = [{"product_id": laptop, "quantity": quantity, "unit": "", "price": price}]
        response = manager.post(f"/customers/{customer_id}/orders/new", data=order_form(lines))
        assert response.status_code == 200 and message in response.get_data(as_text=True), quantity
    nul = manager.post(f"/customers/{customer_id}/orders/new",
                       data=order_form([{"product_id": laptop, "quantity": "1\x00", "unit": "", "price": ""}]))
    assert nul.status_code == 400 and "NUL character" in nul.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
