"""Lists at phone width become cards (core/static/crm.css, crm.js); at 1366 px no column is cut off."""
from datetime import date
from decimal import Decimal

import pytest

from core.api import db
from plugins.basedata.models import Product
from plugins.customers.models import Customer, Order, OrderLine

LONG_NAME = "内蒙古自治区呼和浩特市新城区某某某某某某国际贸易集团股份有限公司"


def _customers(app, manager_id, count=12):
    with app.app_context():
        product = Product(name="笔记本电脑", model="ThinkPad T14 Gen 5", unit="台", price=Decimal("7999.00"))
        customers = [Customer(number=f"KH20260101{n:05d}", name=LONG_NAME if n == 1 else f"北京华信科技{n}有限公司",
                              region="beijing", manager_id=manager_id, phone=f"010-8888{n:04d}",
                              address="北京市海淀区中关村大街 1 号") for n in range(1, count + 1)]
        db.session.add_all([product, *customers])
        db.session.flush()
        order = Order(customer_id=customers[0].id, number="DD2026010100001", date=date(2026, 1, 6),
                      address="北京市海淀区中关村大街 1 号")
        order.lines.append(OrderLine(product_id=product.id, quantity=Decimal("1234.5"), unit="台",
                                     price=Decimal("123456789.00")))
        db.session.add(order)
        db.session.commit()
        return customers[0].id, order.id


def _no_sideways_scrolling(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    overflowing = page.evaluate("""() => [...document.querySelectorAll('.table-responsive')]
        .filter(box => box.scrollWidth > box.clientWidth + 1).length""")
    assert overflowing == 0


@pytest.mark.parametrize("language, number_label", [("en", "Number"), ("zh_CN", "客户编号")])
def test_lists_are_cards_with_labelled_fields_at_phone_width(app, live_server, browser_login, language, number_label):
    page = browser_login("account_manager", width=390, language=language)
    customer_id, order_id = _customers(app, page.user_id)
    page.goto(f"{live_server}/customers/")
    _no_sideways_scrolling(page, 390)
    first = page.locator("table.crm-list tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    cells = first.locator("td")
    assert cells.first.get_attribute("data-label") == number_label
    for n in range(cells.count()):  # every field of the card lies inside the screen
        box = cells.nth(n).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator("table.crm-list thead a").first.is_visible()  # the header stays as sort links
    for path in (f"/customers/{customer_id}", f"/customers/{customer_id}/orders/{order_id}",
                 f"/customers/{customer_id}/orders/new", "/customers/new", "/"):
        page.goto(live_server + path)
        _no_sideways_scrolling(page, 390)


def test_the_customer_page_fits_a_360_px_phone(app, live_server, browser_login):
    page = browser_login("account_manager", width=360, language="zh_CN")
    customer_id, _order = _customers(app, page.user_id, count=1)
    page.goto(f"{live_server}/customers/{customer_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    tabs = page.locator(".crm-tab-nav")
    assert tabs.bounding_box()["width"] <= 360  # the tab row scrolls inside itself, the page does not


def test_no_list_column_is_cut_off_at_1366(app, live_server, browser_login):
    page = browser_login("admin", width=1366)
    _customers(app, page.user_id)
    for path in ("/customers/", "/admin/users", "/admin/audit", "/basedata/products"):
        page.goto(live_server + path)
        _no_sideways_scrolling(page, 1366)
        assert page.locator("table.crm-list tbody tr").first.evaluate("row => getComputedStyle(row).display") \
            == "table-row"
