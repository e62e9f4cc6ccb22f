"""My follow-ups and the dashboard's due steps read the open next steps' own index (a partial index, in the
list's order, with the customer the scope checks): never the rows of the steps already done, which at a
million customers outnumbered the open ones ten to one (an account manager's 3,277 steps due, 330 open)."""
from datetime import timedelta

import pytest

from core.api import db, local_today
from plugins.customers.models import Activity

ACTIVITIES = "customers_activity"
INDEX = "ix_customers_activity_open_follow_ups"


@pytest.fixture
def manager(app, login_as, add_customer):
    """An account manager with 12 next steps due or overdue, 30 done, and another user's steps."""
    me, other = login_as("account_manager"), login_as("account_manager")
    customer = add_customer(me.user_id)
    with app.app_context():
        today = local_today()
        for n in range(50):
            owner = other if n % 5 == 4 else me
            activity = Activity(customer_id=customer, owner_id=owner.user_id, date=today - timedelta(days=40),
                                kind="call", place="电话", summary="电话沟通", next_step=f"寄送报价单{n}",
                                next_step_due=today - timedelta(days=n % 7))
            if n % 4 != 0:
                activity.next_step_done_at = activity.date
            db.session.add(activity)
        db.session.commit()
    return me


def _sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


@pytest.mark.parametrize("url", ["/customers/follow-ups", "/customers/follow-ups?show=open", "/"])
def test_follow_ups_read_the_open_steps_index(app, manager, query_plans, url):
    plans = [plan for plan in query_plans(manager, url, ACTIVITIES) if "next_step_done_at IS NULL" in plan.sql]
    assert plans, url
    for plan in plans:
        assert INDEX in plan, plan
        assert not query_plans.full_scans(plan, ACTIVITIES), plan
        if _sqlite(app):  # the count and the page from the index alone, the page in its order
            assert f"COVERING INDEX {INDEX}" in plan or "ORDER BY" in plan.sql, plan
            assert not query_plans.sorts(plan), plan
