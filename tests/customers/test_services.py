"""The public service other plugins call."""
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from core.api import db
from plugins.customers import services
from plugins.customers.models import Contact, Customer, Order


def _as(app, user_id):
    """A request context logged in as ``user_id`` (what a view of another plugin runs in)."""
    from flask_login import login_user

    from core.api import User

    ctx = app.test_request_context()
    ctx.push()
    login_user(db.session.get(User, user_id))
    return ctx


def test_create_customer_with_contact(app, login_as):
    manager = login_as("account_manager")
    ctx = _as(app, manager.user_id)
    try:
        customer = services.create_customer_with_contact("重庆星辰电子有限公司", manager.user_id,
                                                         contact_name="赵敏", contact_phone="023-66667777",
                                                         phone="023-66667777")
        db.session.commit()
        customer_id, number = customer.id, customer.number
    finally:
        ctx.pop()
    with app.app_context():
        stored = db.session.get(Customer, customer_id)
        assert stored.number == number and number.startswith("KH")
        assert (stored.region, stored.level, stored.satisfaction, stored.credit) == ("beijing", "1", "3", "3")
        contact = db.session.scalar(select(Contact).where(Contact.customer_id == customer_id))
        assert (contact.name, contact.office_phone) == ("赵敏", "023-66667777")


def test_visible_customer_search_and_last_order(app, login_as, add_customer, add_product, add_related):
    mine = login_as("account_manager")
    other = login_as("account_manager")
    own_id = add_customer(mine.user_id, name="成都天成软件有限公司")
    foreign_id = add_customer(other.user_id, name="成都博远软件有限公司")
    add_related(own_id, add_product())
    with app.app_context():
        db.session.add(Order(customer_id=own_id, number="DD-LATE", date=date(2026, 5, 1)))
        db.session.commit()
    ctx = _as(app, mine.user_id)
    try:
        assert services.visible_customer(own_id).id == own_id
        with pytest.raises(NotFound):
            services.visible_customer(foreign_id)
        assert [row["id"] for row in services.customer_search("成都")] == [own_id]
        assert services.last_order_date(own_id) == date(2026, 5, 1)
        assert services.last_order_date(foreign_id) is None
        assert db.session.scalars(services.visible_customers_query()).all()[0].id == own_id
    finally:
        ctx.pop()


def test_visible_customers_named_finds_the_same_names_within_scope(app, login_as, add_customer):
    mine = login_as("account_manager")
    other = login_as("account_manager")
    own_id = add_customer(mine.user_id, name="成都天成软件有限公司")
    add_customer(other.user_id, name="成都天成软件有限公司")
    add_customer(mine.user_id, name="成都天成软件有限公司二部")
    deleted = add_customer(mine.user_id, name="成都天成软件有限公司", status="deleted")
    ctx = _as(app, mine.user_id)
    try:
        found = services.visible_customers_named(" 成都天成软件有限公司 ")
        assert [row["id"] for row in found] == [own_id] and deleted != own_id
        assert found[0]["label"].startswith("成都天成软件有限公司 (KH")
        assert [row["id"] for row in services.visible_customers_named("成都 天成软件股份有限公司")] == [own_id]
        assert services.visible_customers_named("成都天成%") == [] and services.visible_customers_named("") == []
        assert services.visible_customers_named("x" * 10_000) == []
    finally:
        ctx.pop()


def test_customer_created_event(make_app, login_as):
    from core.api import hookimpl
    from core.testing import create_user, log_in

    class Recorder:
        name = "recorder"
        events = []

        @hookimpl
        def on_event(self, name, payload):
            self.events.append((name, payload))

    app = make_app(plugins="basedata,customers,recorder", extra_plugins=[Recorder()])
    from plugins.basedata import services as basedata

    with app.app_context():
        basedata.seed_dictionary()
    user_id = create_user(app, "account_manager", username="eventmanager")
    client = app.test_client()
    log_in(client, "eventmanager")
    form = {"name": "杭州润泽食品有限公司", "region": "west", "manager_id": str(user_id), "level": "1",
            "satisfaction": "3", "credit": "3"}
    assert client.post("/customers/new", data=form).status_code == 302
    with app.app_context():
        customer = db.session.scalar(select(Customer))
    assert Recorder.events == [("customers.customer_created", {
        "id": customer.id, "number": customer.number, "name": "杭州润泽食品有限公司", "manager_id": user_id})]


def test_with_customer_is_a_plain_join_and_with_visible_customer_keeps_to_the_scope(app, login_as, add_customer):
    from plugins.customers.models import STATUS_DELETED

    mine = login_as("account_manager")
    other = login_as("account_manager")
    own_id = add_customer(mine.user_id, name="自己的客户", number="KH2026020100001")
    foreign_id = add_customer(other.user_id, name="别人的客户", number="KH2026020100002")
    deleted_id = add_customer(mine.user_id, name="已删除客户", number="KH2026020100003", status=STATUS_DELETED)
    with app.app_context():
        db.session.add_all([Contact(customer_id=id_, name=f"联系人{id_}", position="经理", office_phone="010-1")
                            for id_ in (own_id, foreign_id, deleted_id)])
        db.session.commit()
    ctx = _as(app, mine.user_id)
    try:
        stmt = select(Contact.customer_id).order_by(Contact.customer_id)
        plain = db.session.execute(services.with_customer(stmt, Contact.customer_id)).all()
        visible = db.session.execute(services.with_visible_customer(stmt, Contact.customer_id)).all()
    finally:
        ctx.pop()
    assert [tuple(row) for row in plain] == [(own_id, "自己的客户", "KH2026020100001"),
                                             (foreign_id, "别人的客户", "KH2026020100002"),
                                             (deleted_id, "已删除客户", "KH2026020100003")]
    assert [(row.customer_id, row.customer_name, row.customer_number) for row in visible] == [
        (own_id, "自己的客户", "KH2026020100001")]
