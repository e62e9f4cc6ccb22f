"""Dashboard widgets and the demo data."""
from datetime import date, timedelta

from sqlalchemy import func, select

from core.api import db
from plugins.customers import churn
from plugins.customers.churn import ChurnRecord
from plugins.customers.models import Activity, Customer, Order


def test_widgets_count_my_customers_and_show_visible_activities(app, login_as, add_customer):
    manager = login_as("account_manager")
    other = login_as("account_manager")
    for n in range(3):
        add_customer(manager.user_id, name=f"我的{n}")
    foreign = add_customer(other.user_id, name="别人的")
    with app.app_context():
        db.session.add(Activity(customer_id=foreign, date=date(2026, 1, 1), place="x", summary="秘密拜访"))
        db.session.commit()
    page = manager.get("/").get_data(as_text=True)
    assert "My customers" in page and '<div class="display-6">3</div>' in page
    assert "Recent activities" in page and "秘密拜访" not in page
    assert "秘密拜访" in login_as("sales_director").get("/").get_data(as_text=True)
    assert "My customers" not in login_as(permissions=["core.dashboard.view"]).get("/").get_data(as_text=True)


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
