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
        owners = [(c.id, c.manager_id) for c in db.session.query(Customer)]
        db.session.execute(insert(ChurnRecord), [
            dict(customer_id=i, manager_id=manager_id, last_order_date=date(2025, 1, 1), status="warning",
                 reason="", created_at=moment, updated_at=moment, version=1) for i, manager_id in owners])
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


@pytest.mark.parametrize("sort, index", [("-created", "ix_customers_customer_manager_created"),
                                         ("name", "ix_customers_customer_manager_name")])
def test_an_account_managers_long_list_is_read_from_their_index_of_the_order(app, capped, query_plans, sort, index):
    """Past the cap SQLite walks the order's index testing the filters row by row (core.paging.walking),
    except an equality that leads an index of that order: a manager's newest customers are the first
    entries of (manager_id, created_at, id), not every ~50th row of (created_at, id)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's walk (PostgreSQL plans the LIMIT itself)")
    manager = capped[0]
    for url in first_next_last(manager, f"/customers/?sort={sort}"):
        pages = [plan for plan in query_plans(manager, url, CUSTOMERS)  # (not the keyset's edge row, read by id)
                 if not plan.bounded_count and "PRIMARY KEY" not in plan]
        assert pages and all(index in plan for plan in pages), (url, pages)


def test_a_walk_in_an_order_no_index_can_hold_keeps_every_filter_off_the_indexes(app):
    """An order by an expression, or by a joined table's column, leads no index of the listed table: every
    filter stays written for no index, as before (and nothing fails on the expression)."""
    from sqlalchemy import func, select

    from core.paging import walking
    from core.rbac.models import User

    with app.app_context():
        for order in (func.lower(Customer.name), User.username):
            walked = walking(select(Customer.id).where(Customer.manager_id == 7), Customer.id, order)
            sql = str(walked.compile(db.engine))
            if db.engine.dialect.name == "sqlite":  # (elsewhere the walk writes columns as they are)
                assert "+customers_customer.manager_id =" in sql, sql


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


# Costs under which PostgreSQL starts parallel workers even for the few rows of a test table.
WORKERS_CHEAP = ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                 "min_parallel_index_scan_size = 0", "enable_seqscan = off")


@pytest.mark.parametrize("url", ["/customers/?name=华信", "/customers/?name=华信&page=-1", "/customers/?name=华"])
def test_a_searchs_bounded_count_starts_no_parallel_workers(app, capped, login_as, url):
    """At a million customers PostgreSQL planned the administrator's count of 华信 (the first 10,001 of 49,828)
    as a parallel bitmap heap scan: the leader alone builds the GIN index's bitmap, then two workers share
    the table's pages, which cost more than they share (core.db.without_parallel_workers). Here the
    statement is planned again inside the page's own transaction, where parallel workers are made cheap
    enough to be chosen at any size: it still has none, and has them once they are allowed again."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    director = login_as("sales_director")
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's parallel query")
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if not (statement.lstrip().upper().startswith("SELECT COUNT(*)") and CUSTOMERS in statement):
            return
        check = cursor.connection.cursor()
        for setting in WORKERS_CHEAP:
            check.execute(f"SET LOCAL {setting}")
        found = []
        for workers in (None, 2):  # as the page planned it, then with workers allowed again
            if workers:
                check.execute(f"SET LOCAL max_parallel_workers_per_gather = {workers}")
            check.execute("EXPLAIN " + statement, parameters)
            found.append("\n".join(row[0] for row in check.fetchall()))
        for setting in (*WORKERS_CHEAP, "max_parallel_workers_per_gather = 0"):  # the page goes on as it was
            name = setting.split(" = ")[0]
            check.execute(f"SET LOCAL {name} TO DEFAULT" if name != "max_parallel_workers_per_gather"
                          else f"SET LOCAL {setting}")
        plans.append(found)

    event.listen(Engine, "after_cursor_execute", explain)
    try:
        assert director.get(url).status_code == 200
    finally:
        event.remove(Engine, "after_cursor_execute", explain)
    assert len(plans) == 1, plans
    planned, allowed = plans[0]
    assert "Gather" not in planned, planned
    assert "Gather" in allowed, allowed  # the costs above do make workers the planner's choice
