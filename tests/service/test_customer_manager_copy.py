"""A request keeps a copy of its customer's account manager (the data scope "own" reads it): set when the
request is made, moved with the customer when the customer changes hands, in the same transaction."""
from sqlalchemy import select

from core.api import db
from plugins.customers.models import Customer
from plugins.service.models import ServiceRequest


def customer_form(manager_id: int, version: int, **changes) -> dict:
    """The customer form as the browser posts it."""
    data = {"name": "北京华信科技有限公司", "region": "beijing", "manager_id": str(manager_id), "level": "2",
            "satisfaction": "3", "credit": "4", "address": "北京市海淀区 1 号", "postcode": "100000",
            "phone": "010-66668888", "fax": "", "website": "", "licence_no": "", "legal_person": "", "capital": "",
            "turnover": "", "bank": "", "bank_account": "", "local_tax_no": "", "national_tax_no": "",
            "version": str(version)}
    data.update(changes)
    return data


def version_of(app, customer_id: int) -> int:
    with app.app_context():
        return db.session.get(Customer, customer_id).version


def copies(app, customer_id: int) -> list:
    with app.app_context():
        return list(db.session.scalars(select(ServiceRequest.customer_manager_id)
                                       .where(ServiceRequest.customer_id == customer_id)))


def test_a_new_request_copies_its_customers_manager(app, login_as, add_customer):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id, name="上海宏达贸易有限公司")
    response = director.post("/service/new", data={"customer_id": "上海宏达贸易有限公司", "type": "consultation",
                                                   "priority": "normal", "summary": "询问发票", "text": "客户来电"})
    assert response.status_code == 302
    assert copies(app, customer_id) == [manager.user_id]
    # Neither created by nor assigned to the manager: theirs through their customer.
    assert "询问发票" in manager.get("/service/").get_data(as_text=True)
    assert manager.get(response.headers["Location"]).status_code == 200


def test_handing_a_customer_over_moves_its_requests_to_the_new_managers_lists(app, login_as, add_customer,
                                                                               add_request):
    director = login_as("sales_director")
    old, new, handler = login_as("account_manager"), login_as("account_manager"), login_as("account_manager")
    customer_id = add_customer(manager_id=old.user_id)
    other_customer = add_customer(manager_id=old.user_id, name="上海宏达贸易有限公司")
    director_id = director.user_id
    waiting = add_request(customer_id, status="assigned", created_by_id=director_id, assignee_id=handler.user_id,
                          summary="等待反馈的请求")
    assert handler.post(f"/service/{waiting}/handle", data={"handle-handling": "已上门更换", "handle-version": "1"}
                        ).status_code == 302
    archived = add_request(customer_id, status="archived", created_by_id=director_id, summary="已归档的请求")
    stays = add_request(other_customer, created_by_id=director_id, summary="另一客户的请求")
    assert "等待反馈的请求" in old.get("/service/feedback").get_data(as_text=True)

    response = director.post(f"/customers/{customer_id}/edit",
                             data=customer_form(new.user_id, version_of(app, customer_id)))
    assert response.status_code == 302

    for url in ("/service/", "/service/feedback", "/service/?export=csv"):
        assert "等待反馈的请求" in new.get(url).get_data(as_text=True), url
        assert "等待反馈的请求" not in old.get(url).get_data(as_text=True), url
    assert "已归档的请求" in new.get("/service/?status=archived").get_data(as_text=True)
    for request_id in (waiting, archived):
        assert new.get(f"/service/{request_id}").status_code == 200
        assert old.get(f"/service/{request_id}").status_code == 404
    assert "另一客户的请求" in old.get("/service/").get_data(as_text=True)  # the other customer stayed
    assert copies(app, other_customer) == [old.user_id]
    # The new manager records the feedback their customer gives; the old one may no longer.
    with app.app_context():
        version = db.session.get(ServiceRequest, waiting).version
    feedback = {"feedback-result": "已解决", "feedback-satisfaction": "5", "feedback-version": str(version)}
    assert old.post(f"/service/{waiting}/feedback", data=feedback).status_code == 404
    assert new.post(f"/service/{waiting}/feedback", data=feedback).status_code == 302


def test_a_refused_handover_leaves_the_requests_where_they_were(app, login_as, add_customer, add_request):
    director = login_as("sales_director")
    old, new = login_as("account_manager"), login_as("account_manager")
    customer_id = add_customer(manager_id=old.user_id)
    add_request(customer_id, created_by_id=director.user_id, summary="仍归原经理")
    stale = customer_form(new.user_id, version_of(app, customer_id) - 1)
    assert director.post(f"/customers/{customer_id}/edit", data=stale).status_code == 200  # changed meanwhile
    invalid = customer_form(new.user_id, version_of(app, customer_id), name="")
    assert director.post(f"/customers/{customer_id}/edit", data=invalid).status_code == 200
    assert copies(app, customer_id) == [old.user_id]
    assert "仍归原经理" in old.get("/service/").get_data(as_text=True)
    assert "仍归原经理" not in new.get("/service/").get_data(as_text=True)


def test_a_failing_copy_rolls_the_handover_back(app, login_as, add_customer, add_request, monkeypatch):
    """The copy is written in the handover's transaction: if it fails, the customer keeps its manager."""
    from plugins.service import ownership

    director = login_as("sales_director")
    old, new = login_as("account_manager"), login_as("account_manager")
    customer_id = add_customer(manager_id=old.user_id)
    add_request(customer_id, created_by_id=director.user_id)

    def broken(customer_ids, manager_id):
        raise RuntimeError("the copy failed")

    monkeypatch.setattr(ownership, "follow_manager", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the user gets an error page
    response = director.post(f"/customers/{customer_id}/edit",
                             data=customer_form(new.user_id, version_of(app, customer_id)))
    assert response.status_code == 500
    with app.app_context():
        assert db.session.get(Customer, customer_id).manager_id == old.user_id
    assert copies(app, customer_id) == [old.user_id]
