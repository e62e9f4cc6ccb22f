"""Bad input and out-of-order moves: a clear message, nothing saved or half-saved, history intact."""
import pytest
from sqlalchemy import func, select

from core.api import db
from plugins.service.models import Round, ServiceRequest


def _count(app, model=ServiceRequest):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _form(**changes):
    data = {"customer_id": "北京华信科技有限公司", "type": "complaint", "priority": "normal",
            "summary": "打印机无法连接", "text": "客户来电"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"summary": ""}, "This field is required."),
    ({"summary": "   "}, "This field is required."),
    ({"text": ""}, "This field is required."),
    ({"customer_id": ""}, "Choose a customer."),
    ({"customer_id": "没有这个客户"}, "No customer you can see"),
    ({"type": "nosuch"}, "Not a valid choice"),
    ({"type": ""}, "Choose a service type."),
    ({"priority": "extreme"}, "Not a valid choice"),
    ({"text": "x" * 10001}, "Field cannot be longer than 5000 characters."),
    ({"summary": "<script>alert(1)</script>"}, "HTML tags and scripts are not allowed here."),
    ({"text": "<img src=x onerror=alert(1)>"}, "HTML tags and scripts are not allowed here."),
    ({"summary": "a\x00b"}, None),
])
def test_bad_new_requests_are_refused_beside_the_field(app, login_as, add_customer, changes, message):
    manager = login_as("account_manager")
    add_customer(manager_id=manager.user_id)
    response = manager.post("/service/new", data=_form(**changes))
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_transitions_out_of_order_replays_and_stale_saves_change_nothing(app, login_as, add_customer, add_request,
                                                                          load):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    other = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id)
    request_id = add_request(customer_id, created_by_id=manager.user_id)

    # Handling and feedback before assignment: refused.
    new = load(request_id)
    response = manager.post(f"/service/{request_id}/handle", data={"handle-handling": "做了", "handle-version": new.version})
    assert response.status_code == 409 and "Only the person the request is assigned to" in response.get_data(as_text=True)
    response = manager.post(f"/service/{request_id}/feedback", data={
        "feedback-result": "好", "feedback-satisfaction": "5", "feedback-version": new.version})
    assert response.status_code == 409 and "only be recorded on a handled request" in response.get_data(as_text=True)

    # Assigning to someone who may not handle requests, or an inactive one: refused.
    response = director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": director.user_id, "assign-version": new.version})
    assert response.status_code == 409 and "Choose an active user" in response.get_data(as_text=True)
    assert director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": "x", "assign-version": new.version}).status_code == 400
    assert director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-version": new.version}).status_code == 302
    # The same submit again (double click): stale, nothing changes.
    response = director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": other.user_id, "assign-version": new.version})
    assert response.status_code == 409 and "changed by someone else" in response.get_data(as_text=True)
    assigned = load(request_id)
    assert assigned.assignee_id == manager.user_id

    # Someone else handling it: refused. The assignee handles it; a replay adds no second round.
    response = other.post(f"/service/{request_id}/handle", data={"handle-handling": "x", "handle-version": assigned.version})
    assert response.status_code in (404, 409)
    for expected in (302, 409):
        assert manager.post(f"/service/{request_id}/handle", data={
            "handle-handling": "重启", "handle-version": assigned.version}).status_code == expected
    assert _count(app, Round) == 1

    handled = load(request_id)
    for satisfaction in ("0", "6", "abc", "", "nan"):
        response = manager.post(f"/service/{request_id}/feedback", data={
            "feedback-result": "好", "feedback-satisfaction": satisfaction, "feedback-version": handled.version})
        assert response.status_code == 400, satisfaction
    response = manager.post(f"/service/{request_id}/feedback", data={
        "feedback-result": "", "feedback-satisfaction": "4", "feedback-version": handled.version})
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert load(request_id).status == "handled"
    # Two feedbacks from the same page: the first archives, the second is refused.
    data = {"feedback-result": "满意", "feedback-satisfaction": "5", "feedback-version": handled.version}
    assert manager.post(f"/service/{request_id}/feedback", data=data).status_code == 302
    response = manager.post(f"/service/{request_id}/feedback", data=data)
    assert response.status_code == 409 and "read-only" in response.get_data(as_text=True)
    archived = load(request_id)
    assert (archived.status, archived.satisfaction, archived.round) == ("archived", 5, 1)
    with app.app_context():
        assert db.session.scalar(select(Round.satisfaction).where(Round.request_id == request_id)) == 5
    # An archived request cannot be assigned or deleted.
    assert director.post(f"/service/{request_id}/assign", data={
        "assign-assignee_id": other.user_id, "assign-version": archived.version}).status_code == 409
    director.post(f"/service/{request_id}/delete", data={"version": archived.version})
    assert load(request_id).status == "archived"


def test_posts_without_the_csrf_token_are_refused(app, login_as, add_customer):
    manager = login_as("account_manager")
    add_customer(manager_id=manager.user_id)
    assert manager.post("/service/new", data=_form(), csrf=False).status_code == 400
    assert _count(app) == 0


def test_hostile_list_arguments_are_harmless(app, login_as, add_customer, add_request):
    director = login_as("sales_director")
    add_request(add_customer())
    for query in ("page=99999999999999999999", "per_page=-1", "sort=nosuch",
                  "created_from=2026-13-45", "status=<script>", "summary=" + "x" * 300, "overdue=y",
                  "assignee=99999999999999"):
        response = director.get(f"/service/?{query}")
        assert response.status_code == 200, query
    for query in ("assignee=%00", "customer=%00x", "summary=a%00b", "type=%00"):  # core.web.refuse_nul
        response = director.get(f"/service/?{query}")
        assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True), query


def test_a_concurrent_save_between_reading_and_writing_is_refused_cleanly(app, login_as, add_customer, add_request,
                                                                           load):
    """Someone else's save lands after this request read the row and before it writes: the version check at
    flush refuses ours with the stale message (no error page), and their change stays."""
    from sqlalchemy import event, text

    manager = login_as("account_manager")
    request_id = add_request(add_customer(manager_id=manager.user_id), status="assigned", assignee_id=manager.user_id)
    version = load(request_id).version
    with app.app_context():
        engine = db.engine

    raced = []

    def someone_else_saves(session, flush_context, instances):
        if raced or not any(isinstance(o, ServiceRequest) for o in session.dirty):
            return
        raced.append(True)
        with engine.begin() as other:
            other.execute(text("UPDATE service_request SET version = version + 1, summary = '他人修改' WHERE id = :id"),
                          {"id": request_id})

    from sqlalchemy.orm import Session

    page = manager.get(f"/service/{request_id}")  # logged in and loaded before the race
    assert page.status_code == 200
    event.listen(Session, "before_flush", someone_else_saves)
    try:
        response = manager.post(f"/service/{request_id}/handle",
                                data={"handle-handling": "处理", "handle-version": version})
    finally:
        event.remove(Session, "before_flush", someone_else_saves)
    assert raced
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "This service request was changed by someone else" in page
    assert "Handled" not in page.split("<h1", 1)[1].split("</div>", 1)[0]
    stored = load(request_id)
    assert (stored.status, stored.summary, stored.version) == ("assigned", "他人修改", version + 1)
    assert _count(app, Round) == 0
