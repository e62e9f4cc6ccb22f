"""An opportunity assigned to an account manager notifies them (marketing listens to its own event)."""
from sqlalchemy import select

from core.api import db
from core.notifications.models import Notification
from plugins.marketing.models import Opportunity


def test_assigning_an_opportunity_notifies_the_assignee(app, login_as, add_opportunity, stage_ids):
    director = login_as("sales_director")
    manager = login_as("account_manager", language="zh_CN")
    opportunity_id = add_opportunity(created_by_id=director.user_id, customer_name="杭州新星电子有限公司")
    with app.app_context():
        version = db.session.get(Opportunity, opportunity_id).version
    response = director.post(f"/marketing/{opportunity_id}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-stage_id": stage_ids[0], "assign-version": version})
    assert response.status_code == 302
    with app.app_context():
        [notification] = db.session.scalars(select(Notification).where(Notification.user_id == manager.user_id))
        assert notification.link == f"/marketing/{opportunity_id}"
    page = manager.get("/notifications/").get_data(as_text=True)
    assert "杭州新星电子有限公司的销售机会已分配给您。" in page
    assert manager.post(f"/notifications/{notification.id}/open").headers["Location"] == f"/marketing/{opportunity_id}"


def test_assigning_to_oneself_sends_nothing(app, login_as, add_opportunity, stage_ids):
    director = login_as("sales_director")
    opportunity_id = add_opportunity(created_by_id=director.user_id)
    with app.app_context():
        version = db.session.get(Opportunity, opportunity_id).version
    director.post(f"/marketing/{opportunity_id}/assign", data={
        "assign-assignee_id": director.user_id, "assign-stage_id": stage_ids[0], "assign-version": version})
    with app.app_context():
        assert db.session.scalars(select(Notification)).all() == []
