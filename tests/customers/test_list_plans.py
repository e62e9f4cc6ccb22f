"""The customer and churn lists read index ranges, never every row, on any page (the databases' own plans)."""
from datetime import date, datetime

import pytest
from sqlalchemy import insert

from core.api import db
from core.testing import first_next_last
from plugins.customers.churn import ChurnRecord
from plugins.customers.models import Customer

CUSTOMERS = "customers_customer"
SORTS = ["-created", "created", "number", "name", "-name", "region", "manager", "level", "status"]


@pytest.fixture
def capped(app, login_as):
    """30 customers and churn records over two managers, with a count cap of 5 so lists page by keyset."""
    app.config["CRM_COUNT_CAP"] = 5
    managers = [login_as("account_manager"), login_as("account_manager")]
    moment = datetime(2026, 3, 1, 9, 30)
    rows = [dict(number=f"KH20260301{n:05d}", name=f"华信{n}号", region="beijing", manager_id=managers[n % 2].user_id,
                 level="1", status="normal", created_at=moment.replace(minute=n), updated_at=moment, version=1)
            for n in range(30)]
    with app.app_context():
        db.session.execute(insert(Customer), rows)
        ids = [c.id for c in db.session.query(Customer)]
        db.session.execute(insert(ChurnRecord), [
            dict(customer_id=i, manager_id=None, last_order_date=date(2025, 1, 1), status="warning", reason="",
                 created_at=moment, updated_at=moment, version=1) for i in ids])
        db.session.commit()
    return managers


@pytest.mark.parametrize("sort", SORTS)
def test_each_sort_reads_an_index_in_order_on_every_page(capped, login_as, query_plans, sort):
    director = login_as("sales_director")
    for url in first_next_last(director, f"/customers/?sort={sort}"):
        plans = query_plans(director, url, CUSTOMERS, sorted_by_index=True)
        assert plans
        for plan in plans:
            assert not query_plans.full_scans(plan, CUSTOMERS), (url, plan)
            if sort == "number":  # unique: PostgreSQL's incremental sort by the id sorts groups of one row
                plan = plan.replace("Incremental Sort", "Incremental")
            assert not query_plans.sorts(plan), (url, plan)


@pytest.mark.parametrize("filters", ["region=beijing", "level=1", "status=normal", "manager=MANAGER",
                                     "region=beijing&level=1&sort=name"])
def test_filters_read_an_index(capped, login_as, query_plans, filters):
    director = login_as("sales_director")
    first = "/customers/?" + filters.replace("MANAGER", str(capped[0].user_id))
    for url in first_next_last(director, first):
        for plan in query_plans(director, url, CUSTOMERS):
            assert not query_plans.full_scans(plan, CUSTOMERS), (url, plan)


@pytest.mark.parametrize("sort", ["-created", "name"])
def test_an_account_manager_reads_their_own_customers_by_index_in_order(capped, query_plans, sort):
    manager = capped[0]
    for url in first_next_last(manager, f"/customers/?sort={sort}"):
        for plan in query_plans(manager, url, CUSTOMERS, sorted_by_index=True):
            assert not query_plans.full_scans(plan, CUSTOMERS), (url, plan)
            assert not query_plans.sorts(plan), (url, plan)


@pytest.mark.parametrize("sort", ["-warned", "last_order", "status", "lost"])
def test_the_churn_list_reads_an_index_in_order(capped, login_as, query_plans, sort):
    director = login_as("sales_director")
    for url in first_next_last(director, f"/customers/churn/?sort={sort}"):
        for plan in query_plans(director, url, "customers_churn", sorted_by_index=True):
            if plan.bounded_count:  # SQLite may read the first cap + 1 records in table order
                continue
            assert not query_plans.full_scans(plan, "customers_churn"), (url, plan)


@pytest.mark.parametrize("filters", ["region=beijing", "level=1", "status=normal"])
def test_a_filter_in_the_default_order_reads_an_index_in_order(capped, login_as, query_plans, filters):
    director = login_as("sales_director")
    for url in first_next_last(director, "/customers/?" + filters):
        for plan in query_plans(director, url, CUSTOMERS, sorted_by_index=True):
            assert not query_plans.full_scans(plan, CUSTOMERS), (url, plan)
            assert not query_plans.sorts(plan), (url, plan)
