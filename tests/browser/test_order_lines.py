"""The order form's script (customers/static/customers/order_form.js) in a real browser."""
from decimal import Decimal

from sqlalchemy import select

from core.api import db
from plugins.basedata.models import Product, Stock
from plugins.customers.models import Customer, Order


def _setup(app, manager_id):
    with app.app_context():
        laptop = Product(name="笔记本电脑", model="T14", unit="台", price=Decimal("7999.00"))
        paper = Product(name="复印纸", model="A4", unit="箱", price=Decimal("168.50"))
        customer = Customer(number="KH2026010100001", name="北京华信科技有限公司", region="beijing",
                            manager_id=manager_id)
        db.session.add_all([laptop, paper, customer])
        db.session.flush()
        db.session.add_all([Stock(product_id=laptop.id, warehouse="北京总仓", quantity=1200),
                            Stock(product_id=laptop.id, warehouse="上海仓", quantity=34)])
        db.session.commit()
        return customer.id, laptop.id, paper.id


def _total(page):
    return page.text_content("#order-total")


def test_add_and_remove_lines_fill_prices_and_keep_the_total(app, live_server, browser_login):
    page = browser_login("account_manager")
    customer_id, laptop, paper = _setup(app, page.user_id)
    page.goto(f"{live_server}/customers/{customer_id}/orders/new")
    lines = page.locator("[data-line]")
    assert lines.count() == 1 and _total(page) == "0.00"  # the spare rows for no-script browsers are gone

    first = lines.nth(0)
    first.locator("[data-field=product_id]").select_option(str(laptop))
    assert first.locator("[data-field=unit]").input_value() == "台"
    assert first.locator("[data-field=price]").input_value() == "7999.00"
    assert first.locator("[data-stock]").text_content() == "Stock on hand: 1,234"
    first.locator("[data-field=quantity]").fill("2")
    assert first.locator("[data-amount]").text_content() == "15,998.00"

    page.click("[data-add-line]")
    page.click("[data-add-line]")
    assert lines.count() == 3
    second, third = lines.nth(1), lines.nth(2)
    assert second.locator("[data-field=product_id]").input_value() == ""
    second.locator("[data-field=product_id]").select_option(str(paper))
    second.locator("[data-field=quantity]").fill("3")
    second.locator("[data-field=price]").fill("150.05")
    third.locator("[data-field=product_id]").select_option(str(laptop))
    third.locator("[data-field=quantity]").fill("0.5")
    assert [lines.nth(n).locator("[data-amount]").text_content() for n in range(3)] == [
        "15,998.00", "450.15", "3,999.50"]
    assert _total(page) == "20,447.65"

    first.locator("[data-remove-line]").click()
    assert lines.count() == 2 and _total(page) == "4,449.65"

    page.click("button:has-text('Save')")
    page.wait_for_url(lambda url: "/orders/new" not in url)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert [(line.product_id, line.quantity, line.price) for line in order.lines] == [
            (paper, Decimal("3"), Decimal("150.05")), (laptop, Decimal("0.5"), Decimal("7999.00"))]
        assert order.total == Decimal("4449.65")
        assert sum(db.session.scalars(select(Stock.quantity))) == 1234  # stock is a separate record


def test_removing_the_only_line_clears_it_and_enter_saves(app, live_server, browser_login):
    page = browser_login("account_manager", language="zh_CN")
    customer_id, laptop, _paper = _setup(app, page.user_id)
    page.goto(f"{live_server}/customers/{customer_id}/orders/new")
    line = page.locator("[data-line]").first
    line.locator("[data-field=product_id]").select_option(str(laptop))
    line.locator("[data-field=quantity]").fill("1")
    assert _total(page) == "7,999.00"
    line.locator("[data-remove-line]").click()
    assert page.locator("[data-line]").count() == 1
    assert line.locator("[data-field=product_id]").input_value() == "" and _total(page) == "0.00"
    line.locator("[data-field=product_id]").select_option(str(laptop))
    line.locator("[data-field=quantity]").fill("1")
    line.locator("[data-field=quantity]").press("Enter")  # saves: "Add line" is not the default button
    page.wait_for_url(lambda url: "/orders/new" not in url)
    with app.app_context():
        assert db.session.scalar(select(Order)).total == Decimal("7999.00")
