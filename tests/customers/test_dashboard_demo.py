"""Dashboard widgets and the demo data."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.api import db
from plugins.customers import churn
from plugins.customers.churn import ChurnRecord
from plugins.customers.models import STATUS_DELETED, Activity, Customer, Order


def test_widgets_count_my_customers_and_show_visible_activities(app, login_as, add_customer):
    manager = login_as("account_manager")
    other = login_as("account_manager")
    mine = [add_customer(manager.user_id, name=f"我的{n}") for n in range(5)]
    foreign = add_customer(other.user_id, name="别人的")
    with app.app_context():
        db.session.add(Activity(customer_id=foreign, date=date(2026, 1, 1), place="x", summary="秘密拜访"))
        # (counted from the composition's rows, which follow each write: one deleted, one handed over)
        db.session.get(Customer, mine[0]).status = STATUS_DELETED
        db.session.get(Customer, mine[1]).manager_id = other.user_id
        db.session.commit()
    page = manager.get("/").get_data(as_text=True)
    assert "My customers" in page and '<div class="display-6">3</div>' in page
    assert '<div class="display-6">2</div>' in other.get("/").get_data(as_text=True)
    assert "Recent activities" in page and "秘密拜访" not in page
    assert "秘密拜访" in login_as("sales_director").get("/").get_data(as_text=True)
    assert "My customers" not in login_as(permissions=["core.dashboard.view"]).get("/").get_data(as_text=True)



@pytest.mark.parametrize("window", [3, 1000])
def test_recent_activities_are_the_newest_visible_ones_within_the_window_or_not(app, login_as, add_customer,
                                                                                monkeypatch, window):
    """The newest of everyone's activities are looked at first (``RECENT_WINDOW`` of them); an account manager
    whose newest are older than the window still gets their five newest, newest first, and none of others'."""
    from plugins.customers import slots

    monkeypatch.setattr(slots, "RECENT_WINDOW", window)
    manager, other = login_as("account_manager"), login_as("account_manager")
    mine, theirs = add_customer(manager.user_id, name="我的客户"), add_customer(other.user_id, name="别人的客户")
    gone = add_customer(manager.user_id, name="已删除客户", status="deleted")
    with app.app_context():
        for n in range(7):  # mine: 1-7 January
            db.session.add(Activity(customer_id=mine, date=date(2026, 1, 1 + n), place="x", summary=f"我的拜访{n}"))
        for n in range(4):  # others' and a deleted customer's, all newer
            db.session.add(Activity(customer_id=theirs, date=date(2026, 3, 1 + n), place="x", summary=f"别人{n}"))
        db.session.add(Activity(customer_id=gone, date=date(2026, 4, 1), place="x", summary="已删除的拜访"))
        db.session.commit()
    page = manager.get("/").get_data(as_text=True)
    shown = re.findall(r"— (\S+)\s*</li>", page)
    assert shown == [f"我的拜访{n}" for n in (6, 5, 4, 3, 2)], shown
    shown = re.findall(r"— (\S+)\s*</li>", login_as("sales_director").get("/").get_data(as_text=True))
    assert shown == ["别人3", "别人2", "别人1", "别人0", "我的拜访6"], shown

def test_demo_data_loads_once(app, login_as):
    from core.demo import DEMO_USERS
    from core.testing import create_user
    from plugins.basedata.demo import load as load_products
    from plugins.customers.demo import load

    for username, _name, role in DEMO_USERS:
        create_user(app, role, username=username)
    with app.app_context():
        load_products(db.session)
        db.session.commit()
        load(db.session)
        db.session.commit()
        load(db.session)
        db.session.commit()
        assert db.session.scalar(select(func.count(Customer.id))) == 200
        numbers = db.session.scalars(select(Customer.number)).all()
        assert len(set(numbers)) == 200
        # Some customers stopped ordering more than six months ago: the demo warns about them at once.
        last = select(Order.customer_id, func.max(Order.date).label("last")).group_by(Order.customer_id).subquery()
        stale = db.session.scalar(select(func.count()).where(last.c.last < date.today() - timedelta(days=183)))
        assert stale >= 20
        warned = db.session.scalar(select(func.count(ChurnRecord.id)).where(ChurnRecord.status == "warning"))
        assert warned >= 20 and churn.scan() == 0
        assert db.session.scalar(select(func.count(Order.id))) > 400
        # ...some of them were confirmed lost, for the churn analysis; the order summary holds every order
        assert db.session.scalar(select(func.count(ChurnRecord.id)).where(ChurnRecord.status == "lost")) >= 5
        from plugins.customers.order_summary import OrderMonth
        assert db.session.scalar(select(func.sum(OrderMonth.amount))) == db.session.scalar(select(func.sum(Order.total)))


def test_demo_data_is_coherent(app):
    """Cities lie in their customers' regions; activities have a type, a contact of their customer and an owner;
    each customer has one main contact; some next steps are due, so the dashboard shows follow-ups."""
    from core.demo import DEMO_USERS
    from core.testing import create_user
    from plugins.basedata.demo import load as load_products
    from plugins.customers.demo import CITIES_BY_REGION, load
    from plugins.customers.models import Contact

    for username, _name, role in DEMO_USERS:
        create_user(app, role, username=username)
    with app.app_context():
        load_products(db.session)
        load(db.session)
        db.session.commit()
        for name, region in db.session.execute(select(Customer.name, Customer.region)):
            assert any(name.startswith(city) for city in CITIES_BY_REGION[region]), (name, region)
        activities = db.session.scalars(select(Activity)).all()
        assert all(a.kind and a.owner_id and a.contact and a.contact.customer_id == a.customer_id for a in activities)
        assert any(a.next_step_due and a.next_step_done_at is None for a in activities)
        mains = db.session.execute(select(Contact.customer_id, func.count()).where(Contact.is_main)
                                   .group_by(Contact.customer_id)).all()
        assert len(mains) == 200 and all(count == 1 for _customer, count in mains)


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_recent_activities_read_the_newest_along_their_index(app, login_as, add_customer, query_plans, role):
    """Everyone's newest activities are a range of ix_customers_activity_date_id read backwards, never a sort
    of all of them: a director's newest directly, an account manager's (SQLite) first among everyone's newest
    (the index's entries hold the customer, checked before any activity is read)."""
    manager = login_as("account_manager")
    customer = add_customer(manager.user_id)
    with app.app_context():
        db.session.add_all([Activity(customer_id=customer, date=date(2026, 1, 1 + n), place="x", summary="拜访")
                            for n in range(6)])
        db.session.commit()
        sqlite = db.engine.dialect.name == "sqlite"
    client = manager if role == "account_manager" else login_as(role)
    plans = [plan for plan in query_plans(client, "/", "customers_activity")
             if "ORDER BY customers_activity.date DESC" in plan.sql and "LIMIT" in plan.sql]
    if role == "account_manager":
        if not sqlite:
            pytest.skip("PostgreSQL reads an account manager's by their customers (see slots.recent_activities)")
        plans = [plan for plan in plans if "newest" in plan.sql]
    assert len(plans) == 1, [plan.sql for plan in plans]
    assert "ix_customers_activity_date_id" in plans[0], plans[0]
    assert not query_plans.full_scans(plans[0], "customers_activity"), plans[0]
