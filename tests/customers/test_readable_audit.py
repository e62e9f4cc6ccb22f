"""The audit log as people read it: labels instead of table and field names, dictionary names instead of
codes, users by name, local times without microseconds, links to the records, in the reader's language."""
import re

from core.api import db
from plugins.customers.models import Customer


def test_a_customer_change_reads_in_chinese_with_labels_names_and_a_link(app, login_as, customer_form, add_customer):
    director = login_as("sales_director", display_name="赵主管")
    manager = login_as("account_manager", display_name="钱经理")
    created = director.post("/customers/new", data=customer_form(manager.user_id, region="beijing", level="2"))
    customer_id = int(created.headers["Location"].rsplit("/", 1)[-1])
    with app.app_context():
        version = db.session.get(Customer, customer_id).version
    director.post(f"/customers/{customer_id}/edit", data=customer_form(
        manager.user_id, region="north_china", level="2", version=str(version)))
    admin = login_as("admin", language="zh_CN")
    page = admin.get(f"/admin/audit?table=customers_customer&record={customer_id}").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "customers_customer" not in table and "region" not in table and "manager_id" not in table
    assert f'href="/customers/{customer_id}"' in table and "客户" in table
    assert "地区" in table and "北京" in table and "华北" in table  # field label and dictionary names
    assert "钱经理" in table and "赵主管" in table  # the manager and the author by name
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}<", table)  # local time, no seconds or microseconds
    options = page.split('id="table"', 1)[1].split("</select>", 1)[0]
    assert ">客户<" in options and ">customers_customer<" not in options


def test_a_contact_entry_links_to_its_page_and_shows_yes_no(app, login_as, add_customer):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    manager.post(f"/customers/{customer_id}/contacts/new", data={
        "name": "王伟", "position": "经理", "office_phone": "010-88886666", "is_main": "y"})
    admin = login_as("admin")
    table = admin.get("/admin/audit?table=customers_contact").get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>")[0]
    assert re.search(rf'href="/customers/{customer_id}/contacts/\d+/edit">Contact \d+<', table)
    assert "Main contact</span>:\n          Yes" in table or re.search(r"Main contact</span>:\s*Yes", table)
