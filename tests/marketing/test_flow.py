"""The whole selling story through HTTP as the real roles: create, assign, plan, stages, won, lost."""
from datetime import date, timedelta

from sqlalchemy import func, select

from core.api import db, local_today
from plugins.customers.models import Contact, Customer
from plugins.marketing.models import Opportunity, PlanItem, StageChange


def _opportunity(app, opportunity_id) -> Opportunity:
    with app.app_context():
        opportunity = db.session.get(Opportunity, opportunity_id)
        db.session.expunge(opportunity)
        return opportunity


def _created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_director_creates_and_assigns_manager_plans_moves_and_wins(app, login_as, stage_ids, opportunity_form):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    opportunity_id = _created_id(director.post("/marketing/new", data=opportunity_form()))
    created = _opportunity(app, opportunity_id)
    assert (created.status, created.created_by_id, created.amount) == ("unassigned", director.user_id, 1600000)

    response = director.post(f"/marketing/{opportunity_id}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-stage_id": stage_ids[0], "assign-version": created.version})
    assert response.status_code == 302, response.get_data(as_text=True)
    assigned = _opportunity(app, opportunity_id)
    assert (assigned.status, assigned.assignee_id, assigned.stage_id, assigned.probability) == (
        "developing", manager.user_id, stage_ids[0], 10)
    assert assigned.assigned_at is not None

    # The manager sees it (assigned to them), plans it and records a result.
    page = manager.get(f"/marketing/{opportunity_id}").get_data(as_text=True)
    assert "上海宏达贸易有限公司" in page and "Add a plan item" in page
    today = local_today()
    assert manager.post(f"/marketing/{opportunity_id}/plan", data={
        "plan-date": today.isoformat(), "plan-item": "上门演示样机"}).status_code == 302
    with app.app_context():
        item = db.session.scalar(select(PlanItem).where(PlanItem.opportunity_id == opportunity_id))
        item_id, item_version = item.id, item.version
    assert "上门演示样机" in manager.get("/").get_data(as_text=True)  # due today: on the dashboard
    assert manager.post(f"/marketing/{opportunity_id}/plan/{item_id}/result", data={
        f"result-{item_id}-result": "客户认可，要求报价", f"result-{item_id}-version": item_version}).status_code == 302
    with app.app_context():
        assert db.session.get(PlanItem, item_id).executed_at is not None

    # Through the stages: the probability follows each stage's default.
    for stage_id, probability in zip(stage_ids[1:], (30, 50, 70)):
        version = _opportunity(app, opportunity_id).version
        response = manager.post(f"/marketing/{opportunity_id}/move", data={"to": f"stage-{stage_id}", "version": version})
        assert response.status_code == 302
        moved = _opportunity(app, opportunity_id)
        assert (moved.stage_id, moved.probability) == (stage_id, probability)

    # Won: confirmation page, then the customer and its contact are created and linked.
    version = _opportunity(app, opportunity_id).version
    response = manager.post(f"/marketing/{opportunity_id}/move", data={"to": "won", "version": version})
    assert response.headers["Location"].endswith(f"/marketing/{opportunity_id}/won")
    page = manager.get(f"/marketing/{opportunity_id}/won").get_data(as_text=True)
    assert "A new customer 上海宏达贸易有限公司 is created" in page
    response = manager.post(f"/marketing/{opportunity_id}/won", data={"customer": "new", "version": version},
                            follow_redirects=True)
    assert "Customer developed, new customer record created." in response.get_data(as_text=True)
    won = _opportunity(app, opportunity_id)
    assert (won.status, won.probability) == ("won", 100) and won.closed_at is not None
    with app.app_context():
        customer = db.session.get(Customer, won.customer_id)
        assert (customer.name, customer.manager_id) == ("上海宏达贸易有限公司", manager.user_id)
        contact = db.session.scalar(select(Contact).where(Contact.customer_id == customer.id))
        assert (contact.name, contact.office_phone) == ("王伟", "021-66668888")
        history = db.session.execute(select(StageChange.from_status, StageChange.to_status, StageChange.to_stage_id,
                                            StageChange.changed_by_id)
                                     .where(StageChange.opportunity_id == opportunity_id).order_by(StageChange.id)).all()
    assert [(h[0], h[1]) for h in history] == [("unassigned", "developing")] + [("developing", "developing")] * 3 + [
        ("developing", "won")]
    assert [h[3] for h in history] == [director.user_id] + [manager.user_id] * 4
    # The customer 360 page shows the opportunity in its tab.
    page = manager.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="tab-opportunities"' in page and "采购 200 台笔记本电脑" in page
    # Won is read-only.
    assert manager.post(f"/marketing/{opportunity_id}/move",
                        data={"to": f"stage-{stage_ids[0]}", "version": won.version}).status_code == 302
    assert _opportunity(app, opportunity_id).status == "won"


def test_another_opportunity_is_lost_with_a_reason(app, login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager")
    opportunity_id = add_opportunity("developing", stage_ids[2], manager.user_id)
    version = _opportunity(app, opportunity_id).version
    response = manager.post(f"/marketing/{opportunity_id}/lost", data={"lost-reason": "", "lost-note": "",
                                                                       "lost-version": version})
    assert response.status_code == 400 and "Choose the reason why it was lost." in response.get_data(as_text=True)
    assert _opportunity(app, opportunity_id).status == "developing"
    response = manager.post(f"/marketing/{opportunity_id}/lost", data={
        "lost-reason": "competitor", "lost-note": "对方报价低 15%", "lost-version": version})
    assert response.status_code == 302
    lost = _opportunity(app, opportunity_id)
    assert (lost.status, lost.lost_reason, lost.lost_note, lost.probability) == ("lost", "competitor", "对方报价低 15%", 0)
    with app.app_context():
        assert db.session.scalar(select(func.count(StageChange.id)).where(
            StageChange.opportunity_id == opportunity_id, StageChange.to_status == "lost")) == 1
    # A won on a lost opportunity is refused, nothing changes.
    response = manager.post(f"/marketing/{opportunity_id}/won", data={"customer": "new", "version": lost.version})
    assert response.status_code == 302
    assert _opportunity(app, opportunity_id).status == "lost"
    with app.app_context():
        assert db.session.scalar(select(func.count(Customer.id))) == 0


def test_a_plan_item_in_the_past_is_refused(app, login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager")
    opportunity_id = add_opportunity("developing", stage_ids[0], manager.user_id)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    response = manager.post(f"/marketing/{opportunity_id}/plan", data={"plan-date": yesterday, "plan-item": "回访"})
    assert response.status_code == 400
    assert "A new plan item cannot be dated in the past." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(PlanItem.id))) == 0
    assert date.fromisoformat(yesterday) < local_today()
