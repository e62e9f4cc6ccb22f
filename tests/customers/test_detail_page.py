"""The customer 360 page: key figures, actions, tabs with counts, the Details tab, safe links, plugin tabs."""
import re
from datetime import date, datetime
from decimal import Decimal

from markupsafe import escape

from core.api import SlotItem, db, hookimpl
from core.testing import create_user, log_in
from plugins.customers.churn import ChurnRecord
from plugins.customers.models import Contact, Customer, Order, OrderLine


class ServiceTabPlugin:
    """A plugin the customers plugin does not know, adding a tab and an action through the slots."""

    name = "servicetab"

    @hookimpl
    def template_slot(self, slot, context):
        customer = context.get("customer")
        if slot == "customers.detail.tabs":
            return SlotItem(f'<section class="crm-tab" id="tab-service" data-title="Service requests" data-count="7">'
                            f'<p>Requests of {escape(customer.name)} #{customer.id}</p></section>', order=50)
        if slot == "customers.detail.actions":
            return SlotItem(f'<a class="btn btn-sm btn-outline-primary" href="/servicetab/new?customer={customer.id}">'
                            f'New service request</a>', order=10)
        return None


def _page(client, customer_id) -> str:
    response = client.get(f"/customers/{customer_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_360_page_shows_every_tab_timeline_first(app, login_as, add_customer, add_product, add_related):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id, name="北京华信科技有限公司", phone="010-66668888",
                               licence_no="110105012345678", bank_account="6222020200112233")
    add_related(customer_id, add_product(name="投影仪"))
    page = _page(director, customer_id)
    tabs = re.findall(r'<section class="crm-tab" id="(tab-[a-z]+)"', page)
    own = ["tab-timeline", "tab-contacts", "tab-activities", "tab-orders", "tab-churn", "tab-details"]
    # Other enabled plugins add their tabs between Orders and Details (marketing: Opportunities).
    assert [tab for tab in tabs if tab in own] == own and tabs[0] == own[0] and tabs[-1] == own[-1]
    assert "王伟" in page and "上门拜访" in page and "21.00" in page
    assert "Beijing" in page  # region label from the dictionary
    # Registration and bank fields live in the Details tab, not in the header.
    details = page[page.index('id="tab-details"'):]
    assert "110105012345678" in details and "6222020200112233" in details
    assert "110105012345678" not in page[:page.index('id="tab-details"')]
    for action in ("Log activity", "New order", "New contact"):
        assert action in page


def test_tabs_show_their_counts(app, login_as, add_customer, add_product, add_related):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id)
    product_id = add_product()
    add_related(customer_id, product_id)
    add_related(customer_id, product_id)
    page = _page(director, customer_id)
    assert 'id="tab-contacts" data-title="Contacts" data-count="2"' in page
    assert 'id="tab-activities" data-title="Activities" data-count="2"' in page
    assert 'id="tab-orders" data-title="Orders" data-count="2"' in page
    assert 'id="tab-churn" data-title="Churn" data-count="0"' in page


def test_header_key_figures(app, login_as, add_customer, add_product):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id)
    product_id = add_product()
    today = date.today()
    with app.app_context():
        for number, day, price in (("A1", today, "100.00"), ("A2", date(today.year, 1, 1), "50.25"),
                                   ("B1", date(today.year - 1, 12, 31), "1000.00"),
                                   ("C1", date(today.year - 2, 6, 1), "7.00")):
            order = Order(customer_id=customer_id, number=number, date=day)
            order.lines.append(OrderLine(product_id=product_id, quantity=Decimal(1), unit="台", price=Decimal(price)))
            db.session.add(order)
        db.session.add(Contact(customer_id=customer_id, name="李娜", position="采购经理", office_phone="010-88886666",
                               mobile="13800138000"))
        db.session.add(ChurnRecord(customer_id=customer_id, status="warning"))
        db.session.commit()
    page = _page(director, customer_id)
    header = page[page.index('crm-key-figures'):page.index('id="customer-tabs"')]
    assert "¥150.25" in header          # this year
    assert "¥1,000.00" in header        # last year
    assert ">4<" in header              # orders
    assert "李娜" in header and 'href="tel:13800138000"' in header
    assert "Warning" in header          # open churn warning


def test_header_hides_what_the_user_may_not_see(login_as, add_customer):
    viewer = login_as(permissions=["customers.customer.view"])
    page = _page(viewer, add_customer(None))
    assert "Revenue this year" not in page and "Main contact" not in page and "Churn warning" not in page
    assert "Log activity" not in page and "/edit" not in page and "/delete" not in page


def test_tabs_follow_permissions(login_as, add_customer):
    viewer = login_as(permissions=["customers.customer.view", "customers.contact.view"])
    page = _page(viewer, add_customer(None))
    assert 'id="tab-contacts"' in page and 'id="tab-orders"' not in page and 'id="tab-activities"' not in page
    assert 'id="tab-timeline"' in page and 'id="tab-details"' in page
    assert "/edit" not in page and "/delete" not in page


def test_website_phone_and_email_are_links_only_with_safe_schemes(app, login_as, add_customer):
    director = login_as("sales_director")
    safe = add_customer(director.user_id, website="www.hongda.cn", phone="010-66668888")
    page = _page(director, safe)
    assert 'href="http://www.hongda.cn"' in page and 'href="tel:01066668888"' in page
    # Values stored by older versions or other tools are shown as text, never as a link.
    for hostile in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt://x.cn/%0a"):
        customer_id = add_customer(director.user_id, name=f"C {hostile[:5]}", website=hostile, phone="call me")
        page = _page(director, customer_id)
        assert 'href="javascript' not in page.lower() and 'href="data:' not in page
        assert "<script>alert(1)</script>" not in page
        assert 'href="tel:' not in page


def test_other_plugins_add_a_tab_with_a_count_and_an_action(make_app, add_customer):
    app = make_app(plugins="basedata,customers,servicetab", extra_plugins=[ServiceTabPlugin()])
    create_user(app, "sales_director", username="tabviewer")
    client = app.test_client()
    log_in(client, "tabviewer")
    customer_id = add_customer(None, name="西安<远航>物流")
    page = _page(client, customer_id)
    assert 'data-title="Service requests" data-count="7"' in page
    assert f"Requests of 西安&lt;远航&gt;物流 #{customer_id}" in page
    assert page.index('id="tab-orders"') < page.index('id="tab-service"') < page.index('id="tab-details"')
    actions = page[page.index("crm-360-actions"):page.index("crm-key-figures")]
    assert f'href="/servicetab/new?customer={customer_id}"' in actions


def test_another_managers_customer_is_not_found(login_as, add_customer):
    mine, theirs = login_as("account_manager"), login_as("account_manager")
    customer_id = add_customer(theirs.user_id)
    assert mine.get(f"/customers/{customer_id}").status_code == 404
    assert mine.get(f"/customers/{customer_id}/timeline").status_code == 404
    assert theirs.get(f"/customers/{customer_id}").status_code == 200


def test_the_page_has_no_inline_script(login_as, add_customer):
    director = login_as("sales_director")
    page = _page(director, add_customer(director.user_id))
    assert "<script>" not in page and " onclick=" not in page
    assert "/customers/static/customers/tabs.js" in page
    assert director.get("/customers/static/customers/tabs.js").status_code == 200
