"""Data scope: an account manager sees the opportunities they created or are assigned to, everywhere."""
from sqlalchemy import func, select, text

from core.api import db
from plugins.customers.models import Customer


def test_own_scope_in_list_detail_export_kanban_tab_and_widgets(app, login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager")
    other = login_as("account_manager")
    director = login_as("sales_director")
    with app.app_context():
        customer = Customer(number="KH2026010100009", name="共享客户有限公司", region="beijing", manager_id=manager.user_id)
        db.session.add(customer)
        db.session.commit()
        customer_id = customer.id
    created = add_opportunity(created_by_id=manager.user_id, summary="我创建的", customer_id=customer_id)
    assigned = add_opportunity("developing", stage_ids[0], manager.user_id, summary="指派给我的", customer_id=customer_id)
    hidden = add_opportunity("developing", stage_ids[0], other.user_id, created_by_id=other.user_id,
                             summary="别人的机会", customer_id=customer_id)
    for url in ("/marketing/", "/marketing/?export=csv", "/marketing/pipeline", f"/customers/{customer_id}"):
        page = manager.get(url).get_data(as_text=True)
        assert "我创建的" in page and "指派给我的" in page and "别人的机会" not in page, url
        assert "别人的机会" in director.get(url).get_data(as_text=True), url
    for url in (f"/marketing/{hidden}", f"/marketing/{hidden}/won", f"/marketing/{hidden}/lost"):
        assert manager.get(url).status_code == 404, url
    for url, data in ((f"/marketing/{hidden}/move", {"to": f"stage-{stage_ids[1]}", "version": 1}),
                      (f"/marketing/{hidden}/plan", {"plan-date": "2099-01-01", "plan-item": "x"}),
                      (f"/marketing/{hidden}/lost", {"lost-reason": "price", "lost-version": 1}),
                      (f"/marketing/{hidden}/delete", {})):
        assert manager.post(url, data=data).status_code == 404, url
    assert manager.get(f"/marketing/{created}").status_code == 200
    assert manager.get(f"/marketing/{assigned}").status_code == 200
    totals = manager.get("/marketing/pipeline/totals.json").get_json()
    assert totals[f"stage-{stage_ids[0]}"]["count"] == 1 and totals["unassigned"]["count"] == 1
    dashboard = manager.get("/").get_data(as_text=True)
    assert "My open opportunities" in dashboard and "Opportunities waiting for assignment" not in dashboard
    assert "Opportunities waiting for assignment" in director.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM marketing_opportunity")) == 3


def test_users_without_the_permission_are_refused(app, login_as, add_opportunity):
    opportunity_id = add_opportunity()
    nobody = login_as(permissions=[])
    for url in ("/marketing/", "/marketing/pipeline", f"/marketing/{opportunity_id}", "/marketing/stages",
                "/marketing/pipeline/totals.json"):
        assert nobody.get(url).status_code == 403, url
    manager = login_as("account_manager")
    assert manager.get("/marketing/stages").status_code == 403
    executive = login_as("executive")
    assert executive.get("/marketing/pipeline").status_code == 200
    assert 'draggable="true"' not in executive.get("/marketing/pipeline").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
