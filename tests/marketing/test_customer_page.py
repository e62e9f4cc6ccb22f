"""What marketing adds to the customer 360 page: the tab, the timeline entries, the "New opportunity" action."""
from datetime import timedelta

from core.api import db, utcnow
from plugins.customers.models import Customer


def _customer(app, manager_id) -> int:
    with app.app_context():
        customer = Customer(number="KH2026010100007", name="北京华信科技有限公司", region="beijing", manager_id=manager_id)
        db.session.add(customer)
        db.session.commit()
        return customer.id


def test_tab_timeline_and_action_show_only_visible_opportunities(app, login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager")
    other = login_as("account_manager")
    customer_id = _customer(app, manager.user_id)
    add_opportunity("won", stage_ids[3], manager.user_id, customer_id=customer_id, summary="第一单服务器",
                    closed_at=utcnow() - timedelta(days=2))
    add_opportunity("developing", stage_ids[0], other.user_id, created_by_id=other.user_id, customer_id=customer_id,
                    summary="别人的机会")
    page = manager.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert 'id="tab-opportunities" data-title="Opportunities" data-count="1"' in page
    timeline = page[page.index('id="tab-timeline"'):page.index('id="tab-contacts"')]
    assert timeline.count("第一单服务器") == 2 and "Opportunity won" in timeline  # found, then won
    assert "别人的机会" not in page
    assert f"/marketing/new?customer={customer_id}" in page
    # The action opens the form with the customer filled in; an invisible customer is a 404.
    form = manager.get(f"/marketing/new?customer={customer_id}").get_data(as_text=True)
    assert 'value="北京华信科技有限公司 (KH2026010100007)"' in form
    assert other.get(f"/marketing/new?customer={customer_id}").status_code == 404
