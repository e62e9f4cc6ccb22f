"""The customer 360 page: overview, contacts, activities and orders tabs, plus tabs of other plugins."""
from markupsafe import escape

from core.api import SlotItem, hookimpl


class ServiceTabPlugin:
    """A plugin the customers plugin does not know, adding a tab through the slot."""

    name = "servicetab"

    @hookimpl
    def template_slot(self, slot, context):
        if slot == "customers.detail.tabs":
            customer = context["customer"]
            return SlotItem(f'<section class="crm-tab" id="tab-service" data-title="Service requests">'
                            f'<p>Requests of {escape(customer.name)} #{customer.id}</p></section>', order=50)
        return None


def test_360_page_shows_every_tab(app, login_as, add_customer, add_product, add_related):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id, name="北京华信科技有限公司", phone="010-66668888")
    add_related(customer_id, add_product(name="投影仪"))
    page = director.get(f"/customers/{customer_id}").get_data(as_text=True)
    for tab in ("tab-overview", "tab-contacts", "tab-activities", "tab-orders"):
        assert f'id="{tab}"' in page
    assert "010-66668888" in page and "王伟" in page and "上门拜访" in page and "21.00" in page
    assert "Beijing" in page  # region label from the dictionary


def test_tabs_follow_permissions(login_as, add_customer):
    viewer = login_as(permissions=["customers.customer.view", "customers.contact.view"])
    page = viewer.get(f"/customers/{add_customer(None)}").get_data(as_text=True)
    assert 'id="tab-contacts"' in page and 'id="tab-orders"' not in page and 'id="tab-activities"' not in page
    assert "/edit" not in page and "/delete" not in page


def test_another_plugin_adds_a_tab(make_app, add_customer):
    from core.testing import create_user, log_in

    app = make_app(plugins="basedata,customers,servicetab", extra_plugins=[ServiceTabPlugin()])
    create_user(app, "sales_director", username="tabviewer")
    client = app.test_client()
    log_in(client, "tabviewer")
    customer_id = add_customer(None, name="西安<远航>物流")
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert 'data-title="Service requests"' in page
    assert f"Requests of 西安&lt;远航&gt;物流 #{customer_id}" in page
    assert page.index('id="tab-orders"') < page.index('id="tab-service"')
