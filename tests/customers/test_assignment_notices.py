"""Notifications the customers plugin sends: a customer assigned to you, churn warnings for your customers."""
import traceback
from datetime import date, timedelta

from sqlalchemy import select

from core.api import db
from core.notifications.models import Notification
from core.testing import create_user
from plugins.customers.models import Customer, Order

OLD = date.today() - timedelta(days=250)


def notifications_of(app, user_id) -> list[tuple[str, str]]:
    """(text in English, link) of the user's notifications, oldest first."""
    with app.test_request_context():
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.id))
        return [(row.text, row.link) for row in rows]


def test_a_director_assigning_a_customer_notifies_the_new_manager(app, login_as, customer_form):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    response = director.post("/customers/new", data=customer_form(manager.user_id, name="上海宏达贸易有限公司"))
    assert response.status_code == 302
    [(text, link)] = notifications_of(app, manager.user_id)
    assert text.startswith("Customer 上海宏达贸易有限公司 (KH") and text.endswith("was assigned to you.")
    assert link == response.headers["Location"]
    page = manager.get("/").get_data(as_text=True)
    assert "data-bell-count>1<" in page and "上海宏达贸易有限公司" in page
    assert notifications_of(app, director.user_id) == []


def test_a_manager_creating_their_own_customer_gets_no_notification(app, login_as, customer_form):
    manager = login_as("account_manager")
    assert manager.post("/customers/new", data=customer_form(manager.user_id)).status_code == 302
    assert notifications_of(app, manager.user_id) == []


def test_handing_a_customer_over_notifies_only_the_new_manager_once(app, login_as, customer_form, add_customer):
    director = login_as("sales_director")
    first, second = login_as("account_manager"), login_as("account_manager")
    customer_id = add_customer(first.user_id)
    with app.app_context():
        version = db.session.get(Customer, customer_id).version
    form = customer_form(second.user_id, name="北京华信科技有限公司", version=str(version))
    assert director.post(f"/customers/{customer_id}/edit", data=form).status_code == 302
    assert director.post(f"/customers/{customer_id}/edit", data=form).status_code == 200  # stale double submit
    assert len(notifications_of(app, second.user_id)) == 1
    assert notifications_of(app, first.user_id) == []
    with app.app_context():
        version = db.session.get(Customer, customer_id).version
    form = customer_form(second.user_id, name="北京华信科技有限公司（新）", version=str(version))
    assert director.post(f"/customers/{customer_id}/edit", data=form).status_code == 302  # same manager
    assert len(notifications_of(app, second.user_id)) == 1


def test_the_churn_scan_tells_each_manager_about_their_customers(app):
    one = create_user(app, "account_manager")
    many = create_user(app, "account_manager")
    with app.app_context():
        for index, manager_id in enumerate([one, many, many, many]):
            customer = Customer(number=f"KH-N{index}", name=f"老客户 {index}", region="beijing", manager_id=manager_id)
            db.session.add(customer)
            db.session.flush()
            db.session.add(Order(customer_id=customer.id, number=f"SO-N{index}", date=OLD))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "churn-scan"])
    assert "4 churn warning(s) created" in result.output, "".join(traceback.format_exception(*result.exc_info))
    [(text, link)] = notifications_of(app, one)
    assert text == f"Churn warning: your customer 老客户 0 has not ordered since {OLD.isoformat()}."
    assert link.startswith("/customers/churn/")
    [(text, link)] = notifications_of(app, many)
    assert text == "Churn warning: 3 of your customers have not ordered for months."
    assert link == f"/customers/churn/?manager={many}&status=warning"
    app.test_cli_runner().invoke(args=["jobs", "run", "churn-scan"])  # nothing new: nobody is told again
    assert len(notifications_of(app, one)) == len(notifications_of(app, many)) == 1
