"""Activities as follow-ups: type, contact met, owner, next step; the dashboard, My follow-ups, the reminder."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.api import db, local_today
from core.notifications.models import Notification
from plugins.customers import follow_ups
from plugins.customers.models import Activity, Contact

ACTIVITY = {"date": "2026-03-01", "kind": "visit", "contact_id": "", "place": "北京", "summary": "上门拜访",
            "details": "", "remark": "", "next_step": "", "next_step_due": ""}


@pytest.fixture
def customer_with_contact(app, add_customer):
    def make(manager_id, name="王伟"):
        customer_id = add_customer(manager_id)
        with app.app_context():
            contact = Contact(customer_id=customer_id, name=name, position="经理", office_phone="010-88886666")
            db.session.add(contact)
            db.session.commit()
            return customer_id, contact.id
    return make


def add_follow_up(app, customer_id, owner_id, due, step="寄送报价单", done=False):
    with app.app_context():
        activity = Activity(customer_id=customer_id, owner_id=owner_id, date=due - timedelta(days=3), kind="call",
                            place="电话", summary="电话沟通", next_step=step, next_step_due=due)
        if done:
            from core.api import utcnow
            activity.next_step_done_at = utcnow()
        db.session.add(activity)
        db.session.commit()
        return activity.id


def _today(app) -> date:
    with app.app_context():
        return local_today()


def _activities(app) -> list[Activity]:
    with app.app_context():
        found = list(db.session.scalars(select(Activity).order_by(Activity.id)))
        db.session.expunge_all()
        return found


def test_an_activity_records_type_contact_owner_and_next_step_and_returns_to_its_tab(app, login_as,
                                                                                     customer_with_contact):
    manager = login_as("account_manager")
    customer_id, contact_id = customer_with_contact(manager.user_id)
    response = manager.post(f"/customers/{customer_id}/activities/new", data={
        **ACTIVITY, "contact_id": str(contact_id), "next_step": "寄送样品", "next_step_due": "2026-03-08",
        "owner_id": "999"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/customers/{customer_id}#tab-activities"
    [activity] = _activities(app)
    assert (activity.kind, activity.contact_id, activity.owner_id, activity.next_step, activity.next_step_due) == (
        "visit", contact_id, manager.user_id, "寄送样品", date(2026, 3, 8))
    page = manager.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "Visit" in page and "寄送样品" in page and "王伟" in page
    contact = manager.post(f"/customers/{customer_id}/contacts/new", data={
        "name": "李娜", "position": "采购", "office_phone": "010-66668888"})
    assert contact.headers["Location"] == f"/customers/{customer_id}#tab-contacts"


@pytest.mark.parametrize("changes, message", [
    ({"next_step": "回访", "next_step_due": "2026-02-28"}, "The next step cannot be due before the activity."),
    ({"next_step": "", "next_step_due": "2026-03-05"}, "Describe the next step, or clear its due date."),
    ({"next_step": "回访", "next_step_due": ""}, "Enter the date the next step is due."),
    ({"next_step": "回访", "next_step_due": "2026-02-30"}, "Not a valid date value."),
    ({"kind": "fax"}, "Not a valid choice."),
    ({"contact_id": "999999"}, "Choose one of this customer"),
    ({"next_step": "<script>alert(1)</script>", "next_step_due": "2026-03-05"}, "HTML tags and scripts"),
])
def test_bad_follow_up_input_is_refused_beside_the_field(app, login_as, customer_with_contact, changes, message):
    manager = login_as("account_manager")
    customer_id, _contact = customer_with_contact(manager.user_id)
    response = manager.post(f"/customers/{customer_id}/activities/new", data={**ACTIVITY, **changes})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _activities(app) == []


def test_the_contact_of_another_customer_is_refused(app, login_as, customer_with_contact):
    manager = login_as("account_manager")
    customer_id, _own_contact = customer_with_contact(manager.user_id)
    _other_customer, foreign_contact = customer_with_contact(manager.user_id, name="外人")
    response = manager.post(f"/customers/{customer_id}/activities/new",
                            data={**ACTIVITY, "contact_id": str(foreign_contact)})
    assert "Choose one of this customer" in response.get_data(as_text=True)
    assert _activities(app) == []


def test_due_and_overdue_next_steps_are_on_the_owners_dashboard_only(app, login_as, customer_with_contact):
    manager, colleague = login_as("account_manager"), login_as("account_manager")
    customer_id, _contact = customer_with_contact(manager.user_id)
    with app.app_context():
        today = local_today()
    add_follow_up(app, customer_id, manager.user_id, today - timedelta(days=2), "逾期报价")
    add_follow_up(app, customer_id, manager.user_id, today, "今天回访")
    add_follow_up(app, customer_id, manager.user_id, today + timedelta(days=5), "下周演示")
    add_follow_up(app, customer_id, manager.user_id, today, "已完成", done=True)
    page = manager.get("/").get_data(as_text=True)
    assert "逾期报价" in page and "今天回访" in page and "1 overdue" in page
    assert "下周演示" not in page and "已完成" not in page
    assert "逾期报价" not in colleague.get("/").get_data(as_text=True)
    listing = manager.get("/customers/follow-ups").get_data(as_text=True)
    assert listing.index("逾期报价") < listing.index("今天回访") and "下周演示" not in listing
    assert "下周演示" in manager.get("/customers/follow-ups?show=open").get_data(as_text=True)
    assert "今天回访" not in colleague.get("/customers/follow-ups?show=open").get_data(as_text=True)


def test_a_follow_up_is_marked_done_once_by_its_owner_only(app, login_as, customer_with_contact):
    manager, director = login_as("account_manager"), login_as("sales_director")
    customer_id, _contact = customer_with_contact(manager.user_id)
    activity_id = add_follow_up(app, customer_id, manager.user_id, _today(app))
    assert director.post(f"/customers/follow-ups/{activity_id}/done").status_code == 404
    assert manager.post(f"/customers/follow-ups/{activity_id}/done", csrf=False).status_code == 400
    assert _activities(app)[0].next_step_done_at is None
    done = manager.post(f"/customers/follow-ups/{activity_id}/done?next=/")
    assert done.status_code == 302 and done.headers["Location"] == "/"
    first = _activities(app)[0].next_step_done_at
    assert first is not None
    again = manager.post(f"/customers/follow-ups/{activity_id}/done?next=//evil.example.com")  # a double submit
    assert again.status_code == 302 and again.headers["Location"] == "/customers/follow-ups"
    assert _activities(app)[0].next_step_done_at == first
    manager.get("/")  # the flash message of the first "done"
    assert "寄送报价单" not in manager.get("/").get_data(as_text=True)


def test_changing_the_next_step_opens_it_again(app, login_as, customer_with_contact):
    manager = login_as("account_manager")
    customer_id, _contact = customer_with_contact(manager.user_id)
    with app.app_context():
        today = local_today()
    activity_id = add_follow_up(app, customer_id, manager.user_id, today, done=True)
    activity = _activities(app)[0]
    form = {**ACTIVITY, "date": activity.date.isoformat(), "kind": "call", "next_step": "再次寄送",
            "next_step_due": today.isoformat(), "version": str(activity.version)}
    assert manager.post(f"/customers/{customer_id}/activities/{activity_id}/edit", data=form).status_code == 302
    activity = _activities(app)[0]
    assert activity.next_step_done_at is None and activity.owner_id == manager.user_id


def test_the_daily_reminder_notifies_each_owner_once(app, login_as, customer_with_contact):
    one, many = login_as("account_manager"), login_as("account_manager", language="zh_CN")
    first, _c = customer_with_contact(one.user_id)
    second, _c = customer_with_contact(many.user_id)
    with app.app_context():
        today = local_today()
    add_follow_up(app, first, one.user_id, today, "寄送合同")
    add_follow_up(app, first, one.user_id, today - timedelta(days=1), "昨天的")
    add_follow_up(app, first, one.user_id, today, "已经做了", done=True)
    add_follow_up(app, second, many.user_id, today, "报价")
    add_follow_up(app, second, many.user_id, today, "演示")
    for _run in range(2):
        result = app.test_cli_runner().invoke(args=["jobs", "run", "customers.follow-up-reminders"])
        assert "3 follow-up(s) due today, 2 owner(s) reminded." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    assert "Follow-up due today: 寄送合同" in one.get("/").get_data(as_text=True)
    assert "今天有 2 项跟进到期。" in many.get("/notifications/").get_data(as_text=True)
