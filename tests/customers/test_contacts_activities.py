"""Contacts (联系人) and activities (交往记录) of a customer."""
from sqlalchemy import func, select

from core.api import db
from plugins.customers.models import Activity, Contact

CONTACT = {"name": "王伟", "sex": "male", "position": "采购经理", "office_phone": "010-88886666",
           "mobile": "13800138000", "memo": "喜欢喝茶"}
ACTIVITY = {"date": "2026-03-01", "place": "北京", "summary": "上门拜访", "details": "介绍新产品", "remark": ""}


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_contact_create_edit_delete(app, login_as, add_customer):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    base = f"/customers/{customer_id}/contacts"
    assert manager.post(f"{base}/new", data=CONTACT).status_code == 302
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        contact_id = contact.id
        assert (contact.customer_id, contact.position, contact.created_by_id) == (customer_id, "采购经理", manager.user_id)
    assert "采购经理" in manager.get(base).get_data(as_text=True)
    assert "王伟" in manager.get(f"/customers/{customer_id}").get_data(as_text=True)
    edited = manager.post(f"{base}/{contact_id}/edit", data={**CONTACT, "position": "总经理", "version": "1"})
    assert edited.status_code == 302
    stale = manager.post(f"{base}/{contact_id}/edit", data={**CONTACT, "position": "副总", "version": "1"})
    assert "changed by someone else" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contact, contact_id).position == "总经理"
    assert manager.post(f"{base}/{contact_id}/delete").status_code == 302
    assert _count(app, Contact) == 0


def test_contact_bad_input(app, login_as, add_customer):
    manager = login_as("account_manager")
    base = f"/customers/{add_customer(manager.user_id)}/contacts"
    for field, value, message in [("name", "", "This field is required."),
                                  ("position", "", "This field is required."),
                                  ("office_phone", "abc", "Enter a phone number"),
                                  ("memo", "<b onclick=x>hi</b>", "HTML tags and scripts are not allowed here."),
                                  ("name", "王" * 10_000, "Field cannot be longer than 50 characters.")]:
        response = manager.post(f"{base}/new", data={**CONTACT, field: value})
        assert response.status_code == 200 and message in response.get_data(as_text=True), field
    assert _count(app, Contact) == 0


def test_activity_create_edit_delete(app, login_as, add_customer):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    base = f"/customers/{customer_id}/activities"
    assert manager.post(f"{base}/new", data=ACTIVITY).status_code == 302
    with app.app_context():
        activity_id = db.session.scalar(select(Activity.id))
    assert "上门拜访" in manager.get(base).get_data(as_text=True)
    assert manager.post(f"{base}/{activity_id}/edit", data={**ACTIVITY, "summary": "电话回访", "version": "1"}
                        ).status_code == 302
    with app.app_context():
        assert db.session.get(Activity, activity_id).summary == "电话回访"
    for field, value, message in [("date", "", "Enter a date."), ("date", "2026-13-45", "Not a valid date value."),
                                  ("place", "", "This field is required."),
                                  ("summary", "<script>x</script>", "HTML tags and scripts are not allowed here.")]:
        response = manager.post(f"{base}/new", data={**ACTIVITY, field: value})
        assert response.status_code == 200 and message in response.get_data(as_text=True), field
    assert manager.post(f"{base}/{activity_id}/delete").status_code == 302
    assert _count(app, Activity) == 0


def test_executive_reads_contacts_and_activities_only(app, login_as, add_customer, add_product, add_related):
    executive = login_as("executive")
    customer_id = add_customer(None)
    contact_id, activity_id, _order = add_related(customer_id, add_product())
    base = f"/customers/{customer_id}"
    assert executive.get(f"{base}/contacts").status_code == 200
    assert executive.get(f"{base}/activities").status_code == 200
    assert executive.post(f"{base}/contacts/new", data=CONTACT).status_code == 403
    assert executive.post(f"{base}/contacts/{contact_id}/delete").status_code == 403
    assert executive.post(f"{base}/activities/{activity_id}/edit", data=ACTIVITY).status_code == 403
    assert _count(app, Contact) == 1 and _count(app, Activity) == 1
