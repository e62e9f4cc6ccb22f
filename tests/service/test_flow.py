"""The whole service story through HTTP as the real roles: create, assign, handle, feedback, a second round."""
from sqlalchemy import select

from core.api import db
from plugins.service.models import Round


def _created_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _events(app, record):
    """Collect the service events delivered after commit."""
    from core.api import hookimpl

    class Listener:
        @hookimpl
        def on_event(self, name, payload):
            if name.startswith("service."):
                record.append((name, payload))

    app.extensions["crm"].pm.register(Listener())


def test_created_assigned_handled_rated_low_handled_again_and_archived(app, login_as, add_customer, load):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id)
    events = []
    _events(app, events)

    request_id = _created_id(manager.post("/service/new", data={
        "customer_id": "北京华信科技有限公司", "type": "complaint", "priority": "high",
        "summary": "打印机无法连接", "text": "客户来电：打印机无法连接网络。"}))
    created = load(request_id)
    assert (created.status, created.created_by_id, created.customer_id, created.priority) == (
        "new", manager.user_id, customer_id, "high")
    assert created.response_due_at is not None and created.resolution_due_at > created.response_due_at

    # The director sees it waiting for assignment and assigns it.
    assert "打印机无法连接" in director.get("/service/assign").get_data(as_text=True)
    response = director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-version": created.version})
    assert response.status_code == 302, response.get_data(as_text=True)
    assigned = load(request_id)
    assert (assigned.status, assigned.assignee_id) == ("assigned", manager.user_id) and assigned.assigned_at

    # Round 1: handled, then the customer is not satisfied (2): back to assigned.
    assert "打印机无法连接" in manager.get("/service/handle").get_data(as_text=True)
    assert manager.post(f"/service/{request_id}/handle", data={
        "handle-handling": "远程重置了网络设置", "handle-version": assigned.version}).status_code == 302
    handled = load(request_id)
    assert (handled.status, handled.handler_id, handled.handling) == ("handled", manager.user_id, "远程重置了网络设置")
    assert handled.response_state == "met" and handled.resolution_left > 0
    assert "打印机无法连接" in manager.get("/service/feedback").get_data(as_text=True)
    response = manager.post(f"/service/{request_id}/feedback", data={
        "feedback-result": "问题仍然存在", "feedback-satisfaction": "2", "feedback-version": handled.version},
        follow_redirects=True)
    assert "another round" in response.get_data(as_text=True)
    reopened = load(request_id)
    assert (reopened.status, reopened.round, reopened.satisfaction, reopened.handling) == ("assigned", 2, 2, "")
    assert reopened.resolution_left is None and reopened.resolution_due_at is not None

    # Round 2: handled on site, satisfaction 4 archives it.
    assert manager.post(f"/service/{request_id}/handle", data={
        "handle-handling": "上门更换了网卡", "handle-version": reopened.version}).status_code == 302
    version = load(request_id).version
    assert manager.post(f"/service/{request_id}/feedback", data={
        "feedback-result": "已恢复正常", "feedback-satisfaction": "4", "feedback-version": version}).status_code == 302
    archived = load(request_id)
    assert (archived.status, archived.satisfaction, archived.result, archived.resolution_state) == (
        "archived", 4, "已恢复正常", "met")
    assert archived.archived_at is not None

    with app.app_context():
        rounds = db.session.execute(select(Round.number, Round.handling, Round.handler_id, Round.satisfaction,
                                           Round.result, Round.feedback_by_id)
                                    .where(Round.request_id == request_id).order_by(Round.number)).all()
    assert rounds == [(1, "远程重置了网络设置", manager.user_id, 2, "问题仍然存在", manager.user_id),
                      (2, "上门更换了网卡", manager.user_id, 4, "已恢复正常", manager.user_id)]

    # The page shows both rounds; the archive query finds it, read-only.
    page = director.get(f"/service/{request_id}").get_data(as_text=True)
    for text in ("Round 1", "Round 2", "远程重置了网络设置", "上门更换了网卡", "问题仍然存在", "Not satisfied"):
        assert text in page
    assert "Record feedback" not in page and "Record handling" not in page
    assert "打印机无法连接" in director.get("/service/?status=archived").get_data(as_text=True)
    assert "打印机无法连接" not in director.get("/service/?status=new").get_data(as_text=True)

    names = [name for name, _ in events]
    assert names == ["service.request_created", "service.request_assigned", "service.request_handled",
                     "service.request_reopened", "service.request_handled", "service.request_archived"]
    assert events[-1][1] == {"id": request_id, "satisfaction": 4, "assignee_id": manager.user_id, "round": 2,
                             "by_customer": False}


def test_director_assigns_many_at_once_and_deletes_a_new_request(app, login_as, add_customer, add_request, load):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    customer_id = add_customer()
    first, second, third = (add_request(customer_id, summary=f"请求{n}") for n in range(3))
    already = add_request(customer_id, status="assigned", assignee_id=director.user_id, summary="已分配")
    response = director.post("/service/assign", data={"assignee_id": manager.user_id,
                                                      "ids": [str(first), str(second), str(already), "abc"]},
                             follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 service requests assigned." in page and "no longer new" in page
    assert [load(i).assignee_id for i in (first, second, third, already)] == [
        manager.user_id, manager.user_id, None, director.user_id]

    version = load(third).version
    response = director.post(f"/service/{third}/delete", data={"version": version}, follow_redirects=True)
    assert "Service request deleted." in response.get_data(as_text=True)
    assert load(third) is None
    # An assigned request cannot be deleted.
    version = load(first).version
    director.post(f"/service/{first}/delete", data={"version": version})
    assert load(first) is not None


def test_the_lists_filter_sort_and_export(app, login_as, add_customer, add_request, load):
    director = login_as("sales_director")
    acme, other = add_customer(name="艾克米"), add_customer(name="其他公司")
    add_request(acme, summary="网络故障", priority="urgent", type="complaint")
    add_request(other, summary="咨询价格", priority="low", type="consultation")
    page = director.get("/service/?priority=urgent").get_data(as_text=True)
    assert "网络故障" in page and "咨询价格" not in page
    page = director.get("/service/?summary=价格").get_data(as_text=True)
    assert "咨询价格" in page and "网络故障" not in page
    page = director.get("/service/", query_string={"customer": "艾克米"}).get_data(as_text=True)
    assert "网络故障" in page and "咨询价格" not in page
    page = director.get("/service/?type=consultation&sort=-due").get_data(as_text=True)
    assert "咨询价格" in page and "网络故障" not in page
    page = director.get("/service/?created_from=2000-01-01&created_to=2000-01-02").get_data(as_text=True)
    assert "网络故障" not in page and "No service requests match" in page
    page = director.get("/service/?created_from=2026-02-01&created_to=2026-01-01").get_data(as_text=True)
    assert "The end date is before the start date." in page
    csv = director.get("/service/?export=csv").get_data(as_text=True)
    assert "网络故障" in csv and "艾克米 (KH" in csv and "咨询价格" in csv
    assert director.get("/service/assign?export=csv").status_code == 200
