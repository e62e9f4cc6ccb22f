"""Data scope: an account manager sees and changes only the customers they manage, on every page."""
import json

from sqlalchemy import select

from core.api import db
from plugins.customers.models import Activity, Contact, Customer, Order


def test_account_manager_sees_only_own_customers(app, login_as, add_customer, add_product, add_related,
                                                 customer_form):
    mine = login_as("account_manager")
    other = login_as("account_manager")
    own_id = add_customer(mine.user_id, name="我的客户")
    foreign_id = add_customer(other.user_id, name="别人的客户")
    contact_id, activity_id, order_id = add_related(foreign_id, add_product())

    listing = mine.get("/customers/").get_data(as_text=True)
    assert "我的客户" in listing and "别人的客户" not in listing
    assert "别人的客户" not in mine.get("/customers/?export=csv").get_data(as_text=True)
    assert "别人的客户" not in mine.get(f"/customers/?manager={other.user_id}").get_data(as_text=True)
    found = json.loads(mine.get("/customers/search.json?q=客户").get_data(as_text=True))
    assert [row["id"] for row in found] == [own_id]

    base = f"/customers/{foreign_id}"
    for url in [base, f"{base}/edit", f"{base}/contacts", f"{base}/contacts/new", f"{base}/contacts/{contact_id}/edit",
                f"{base}/activities", f"{base}/activities/new", f"{base}/activities/{activity_id}/edit",
                f"{base}/orders", f"{base}/orders/new", f"{base}/orders/{order_id}", f"{base}/orders/{order_id}/edit"]:
        response = mine.get(url)
        assert response.status_code == 404, url
        assert "别人的客户" not in response.get_data(as_text=True)
    for url in [f"{base}/delete", f"{base}/contacts/{contact_id}/delete", f"{base}/activities/{activity_id}/delete",
                f"{base}/orders/{order_id}/delete"]:
        assert mine.post(url).status_code == 404, url
    assert mine.post(f"{base}/edit", data=customer_form(mine.user_id, name="抢走", version="1")).status_code == 404
    assert mine.post(f"{base}/contacts/new", data={"name": "x", "position": "x", "office_phone": "010-1234567"}
                     ).status_code == 404
    # A record id of another customer under an own customer's URL is not found either.
    assert mine.get(f"/customers/{own_id}/orders/{order_id}").status_code == 404
    assert mine.post(f"/customers/{own_id}/contacts/{contact_id}/delete").status_code == 404

    with app.app_context():
        foreign = db.session.get(Customer, foreign_id)
        assert (foreign.name, foreign.status, foreign.manager_id) == ("别人的客户", "normal", other.user_id)
        assert db.session.get(Contact, contact_id) and db.session.get(Activity, activity_id)
        assert db.session.get(Order, order_id)
        assert db.session.scalar(select(Contact).where(Contact.customer_id == own_id)) is None


def test_account_manager_cannot_give_a_customer_away(app, login_as, add_customer, customer_form):
    mine = login_as("account_manager")
    other = login_as("account_manager")
    own_id = add_customer(mine.user_id)
    response = mine.post(f"/customers/{own_id}/edit", data=customer_form(other.user_id, version="1"))
    assert response.status_code == 200 and "Choose an active account manager." in response.get_data(as_text=True)
    response = mine.post("/customers/new", data=customer_form(other.user_id))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Customer, own_id).manager_id == mine.user_id
        assert db.session.scalar(select(Customer).where(Customer.manager_id == other.user_id)) is None


def test_director_and_executive_see_everyone(login_as, add_customer):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id, name="经理的客户")
    for role in ("sales_director", "executive"):
        client = login_as(role)
        assert "经理的客户" in client.get("/customers/").get_data(as_text=True)
        assert client.get(f"/customers/{customer_id}").status_code == 200
