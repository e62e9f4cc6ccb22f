"""The customer picker's suggestions (core/static/crm.js), typed into in a real browser."""
from playwright.sync_api import expect

from core.api import db
from plugins.customers.models import Customer


def test_typing_in_a_customer_field_suggests_only_visible_customers(app, live_server, browser_login):
    page = browser_login("account_manager")
    with app.app_context():
        db.session.add_all([
            Customer(number="KH2026010100001", name="北京华信科技有限公司", region="beijing", manager_id=page.user_id),
            Customer(number="KH2026010100002", name="北京华信贸易有限公司", region="beijing", manager_id=None),
        ])
        db.session.commit()
    page.goto(live_server + "/customers/")  # any page that loads crm.js; the field as CustomerField renders it
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<input id="c" data-suggest-url="/customers/search.json" list="c-options"><datalist id="c-options"></datalist>')""")
    page.type("#c", "华信")
    expect(page.locator("#c-options option").first).to_be_attached()  # (a string predicate is eval: the CSP refuses it)
    labels = page.eval_on_selector_all("#c-options option", "els => els.map(e => e.value)")
    assert labels == ["北京华信科技有限公司 (KH2026010100001)"]
