"""The top bar's search box, used in a real browser: type, press Enter, read the grouped results."""
from core.api import db
from plugins.customers.models import Customer


def test_the_search_box_finds_visible_customers(app, live_server, browser_login):
    page = browser_login("account_manager")
    with app.app_context():
        db.session.add_all([
            Customer(number="KH2026010100001", name="北京华信科技有限公司", region="beijing", manager_id=page.user_id),
            Customer(number="KH2026010100002", name="上海华信贸易有限公司", region="beijing", manager_id=None),
        ])
        db.session.commit()
    page.goto(live_server + "/")
    box = page.locator('form[role="search"] input[name="q"]')
    box.fill("华信")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    group = page.locator('section[aria-label="Customers"]')
    assert group.locator(".fw-semibold").all_inner_texts() == ["北京华信科技有限公司"]
    assert page.locator('form[role="search"] input[name="q"]').first.input_value() == "华信"
    group.locator("a.list-group-item").first.click()
    page.wait_for_url("**/customers/*")
    assert "北京华信科技有限公司" in page.content()


def test_the_search_box_fits_a_phone_screen(app, live_server, browser_login):
    page = browser_login("account_manager", width=390)
    page.goto(live_server + "/")
    box = page.locator('form[role="search"] input[name="q"]').bounding_box()
    assert box["width"] >= 90 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
