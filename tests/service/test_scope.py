"""Data scope: an account manager sees the requests they created, are assigned to, or whose customer they manage."""
from sqlalchemy import func, select

from core.api import db
from plugins.service.models import ServiceRequest


def test_own_scope_in_lists_detail_export_and_actions(app, login_as, add_customer, add_request):
    manager = login_as("account_manager")
    other = login_as("account_manager")
    director = login_as("sales_director")
    mine, theirs = add_customer(manager_id=manager.user_id, name="我的客户"), add_customer(manager_id=other.user_id)
    created = add_request(theirs, created_by_id=manager.user_id, summary="我创建的")
    assigned = add_request(theirs, status="assigned", assignee_id=manager.user_id, created_by_id=other.user_id,
                           summary="分配给我的")
    of_my_customer = add_request(mine, created_by_id=other.user_id, status="handled", assignee_id=other.user_id,
                                 summary="我客户的")
    hidden = add_request(theirs, created_by_id=other.user_id, status="assigned", assignee_id=other.user_id,
                         summary="别人的请求")
    for url in ("/service/", "/service/?export=csv"):
        page = manager.get(url).get_data(as_text=True)
        assert all(s in page for s in ("我创建的", "分配给我的", "我客户的")) and "别人的请求" not in page, url
        assert "别人的请求" in director.get(url).get_data(as_text=True), url
    for visible in (created, assigned, of_my_customer):
        assert manager.get(f"/service/{visible}").status_code == 200
    # The customer's manager may record the feedback on their customer's request.
    assert "我客户的" in manager.get("/service/feedback").get_data(as_text=True)
    assert manager.get(f"/service/{hidden}").status_code == 404
    for url, data in ((f"/service/{hidden}/handle", {"handle-handling": "x", "handle-version": 1}),
                      (f"/service/{hidden}/feedback", {"feedback-result": "x", "feedback-satisfaction": "5",
                                                       "feedback-version": 1})):
        assert manager.post(url, data=data).status_code == 404, url
    # Creating for a customer the user may not see: refused beside the field.
    response = manager.post("/service/new", data={"customer_id": "北京华信科技有限公司", "type": "consultation",
                                                  "priority": "normal", "summary": "x", "text": "y"})
    assert response.status_code == 400 and "No customer you can see" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 4


def test_users_without_the_permission_are_refused(app, login_as, add_customer, add_request):
    request_id = add_request(add_customer())
    nobody = login_as(permissions=[])
    for url in ("/service/", "/service/assign", "/service/handle", "/service/feedback", "/service/new",
                f"/service/{request_id}"):
        assert nobody.get(url).status_code == 403, url
    manager = login_as("account_manager")
    assert manager.get("/service/assign").status_code == 403
    assert manager.post(f"/service/{request_id}/assign", data={"assign-assignee_id": manager.user_id,
                                                               "assign-version": 1}).status_code == 403
    assert manager.post(f"/service/{request_id}/delete", data={"version": 1}).status_code == 403
    executive = login_as("executive")
    assert executive.get("/service/").status_code == 200
    assert executive.get("/service/new").status_code == 403
    assert executive.get("/service/?export=csv").status_code == 200
    menu = executive.get("/service/").get_data(as_text=True)
    assert "Service archive" in menu and "Assign requests" not in menu
