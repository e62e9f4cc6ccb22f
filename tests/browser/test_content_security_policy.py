"""The main pages under the Content-Security-Policy (core.web) in a real browser: nothing refused
(issue 12, item 13). Chromium logs each refused script, style, image or frame on the console."""
from datetime import date
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from core.api import db
from plugins.basedata import services as basedata
from plugins.customers.models import Customer, Order, OrderLine
from plugins.customers.seed import ensure_defaults as customer_defaults
from plugins.marketing.models import Opportunity, Stage
from plugins.marketing.seed import ensure_defaults as marketing_defaults


def _records(app, manager_id) -> int:
    with app.app_context():
        basedata.seed_dictionary()
        customer_defaults()
        marketing_defaults(db.session.connection())
        product = basedata.Product(name="笔记本电脑", model="T14", batch="A", unit="台", price=Decimal("10.00"), memo="")
        customer = Customer(number="KH2026010100001", name="北京华信科技有限公司", region="beijing",
                            manager_id=manager_id)
        db.session.add_all([product, customer])
        db.session.flush()
        order = Order(customer_id=customer.id, number="DD1", date=date.today())
        order.lines.append(OrderLine(product_id=product.id, quantity=Decimal(2), unit="台", price=Decimal("10.50")))
        stage = db.session.scalar(select(Stage.id).order_by(Stage.sort_order))
        db.session.add_all([order, Opportunity(status="developing", stage_id=stage, assignee_id=manager_id,
                                               customer_name="上海宏达", summary="采购服务器", description="需求明确",
                                               probability=10, amount=Decimal("1000.00"))])
        db.session.commit()
        return customer.id


def _watch(page) -> list[str]:
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    return refused


def test_the_main_pages_break_no_rule_of_the_content_security_policy(app, browser, live_server, browser_login):
    login = browser.new_context().new_page()
    refused = _watch(login)
    login.goto(live_server + "/login")
    expect(login.locator("#username")).to_be_visible()
    login.context.close()

    page = browser_login("admin")
    refused += _watch(page)
    customer_id = _records(app, page.user_id)
    for path, shown in (("/", "main"), ("/customers/", "table.crm-list"), (f"/customers/{customer_id}", "main"),
                        (f"/customers/{customer_id}/orders/new", "form"), ("/marketing/pipeline", "article.crm-card"),
                        ("/reports/", "main"), ("/reports/customers.composition", "svg"),
                        ("/reports/customers.contribution", "svg")):
        page.goto(live_server + path)
        expect(page.locator(shown).first).to_be_visible()
    # The order form's script (a static file) fills in the product's unit price.
    page.goto(live_server + f"/customers/{customer_id}/orders/new")
    page.select_option("select[name='lines-0-product_id']", label="笔记本电脑 T14 A")
    expect(page.locator("input[name='lines-0-price']")).not_to_have_value("")
    # The page size applies itself through crm.js (it was an inline onchange attribute).
    page.goto(live_server + "/customers/")
    page.select_option("#page-size", "50")
    page.wait_for_url(lambda url: "per_page=50" in url)
    assert refused == []
