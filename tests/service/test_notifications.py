"""Service notifications: a request assigned to you, an SLA target at risk (the assignee) or breached
(the assignee and those who assign), each once, in the reader's language, linking to the request."""
import json
from datetime import datetime, timedelta

from sqlalchemy import select

from core.api import db
from core.notifications.models import Notification


def _notifications(app, user_id):
    with app.app_context():
        return [(n.message, n.link, n.params) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def _scan(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "service-sla-scan"])
    assert result.exit_code == 0, result.output


def test_assigning_a_request_notifies_the_assignee_in_their_language(app, login_as, add_customer, add_request, load):
    director = login_as("sales_director")
    manager = login_as("account_manager", language="zh_CN")
    request_id = add_request(add_customer(manager_id=manager.user_id), summary="打印机无法连接")
    response = director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-version": load(request_id).version})
    assert response.status_code == 302
    [(_message, link, _params)] = _notifications(app, manager.user_id)
    assert link == f"/service/{request_id}"
    page = manager.get("/notifications/").get_data(as_text=True)
    assert f"服务请求 #{request_id} 已分配给您：打印机无法连接" in page


def test_assigning_to_oneself_sends_nothing(app, login_as, add_customer, add_request, load):
    director = login_as("sales_director")
    request_id = add_request(add_customer())
    director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": director.user_id, "assign-version": load(request_id).version})
    assert _notifications(app, director.user_id) == []


def test_sla_at_risk_tells_the_assignee_breached_also_the_assigners_once(
        app, login_as, add_customer, add_request, frozen):
    director, manager, other = login_as("sales_director"), login_as("account_manager"), login_as("account_manager")
    start = frozen(datetime(2026, 3, 3, 1, 0))           # Tue 09:00 local, a working day
    request_id = add_request(add_customer(manager_id=manager.user_id), status="assigned",
                             assignee_id=manager.user_id, summary="网络中断", at=start)

    frozen(start + timedelta(hours=6, minutes=30))       # past 80 % of the 8 working hours to respond
    _scan(app)
    _scan(app)
    assert [m for m, *_ in _notifications(app, manager.user_id)] == [
        "Service request #%(id)s is close to its response target: %(summary)s"]
    assert _notifications(app, director.user_id) == []

    frozen(start + timedelta(hours=8, minutes=30))       # past the response target
    _scan(app)
    _scan(app)
    assert [m for m, *_ in _notifications(app, manager.user_id)][1:] == [
        "Service request #%(id)s missed its response target: %(summary)s"]
    [(message, link, params)] = _notifications(app, director.user_id)
    assert (link, json.loads(params)["summary"]) == (f"/service/{request_id}", "网络中断")
    assert _notifications(app, other.user_id) == []     # neither assignee nor assigner
    assert "missed its response target: 网络中断" in director.get("/notifications/").get_data(as_text=True)


def test_an_unassigned_request_at_risk_tells_those_who_assign(app, login_as, add_customer, add_request, frozen):
    director, manager = login_as("sales_director"), login_as("account_manager")
    start = frozen(datetime(2026, 3, 3, 1, 0))
    add_request(add_customer(manager_id=manager.user_id), summary="等待分配", at=start)
    frozen(start + timedelta(hours=6, minutes=30))
    _scan(app)
    assert len(_notifications(app, director.user_id)) == 1
    assert _notifications(app, manager.user_id) == []
