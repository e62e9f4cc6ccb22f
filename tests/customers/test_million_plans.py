"""The customer list's plans at a million customers (50 account managers of ~20,000 each).

SQLite plans from the statistics ANALYZE wrote for the generated million
(bench/generate.py), copied below: the plans a list gets at that size, which
the rules alone (test_list_plans.py) do not show. PostgreSQL, whose statistics
cannot be written by hand, is checked with sequential scans and sorts switched off.
"""
import re
from datetime import datetime

import pytest
from sqlalchemy import insert

from core.api import db
from core.testing import first_next_last, use_postings, walk_pages
from plugins.customers.models import Customer

CUSTOMERS = "customers_customer"
# sqlite_stat1 of customers_customer at 1,000,000 customers: rows, then rows per leading value(s).
MILLION = [(CUSTOMERS, index, figures) for index, figures in [
    ("ix_customers_customer_created_at_id", "1000000 1 1"),
    ("ix_customers_customer_credit_status", "1000000 200000 100000"),
    ("ix_customers_customer_level_created", "1000000 200000 1 1"),
    ("ix_customers_customer_level_id", "1000000 200000 1"),
    ("ix_customers_customer_level_status_region", "1000000 200000 100000 20000"),
    ("ix_customers_customer_manager_created", "1000000 20000 1 1"),
    ("ix_customers_customer_manager_filters", "1000000 20000 10000 2000 401"),
    ("ix_customers_customer_manager_id_id", "1000000 20000 1"),
    ("ix_customers_customer_manager_name", "1000000 20000 1 1"),
    ("ix_customers_customer_name_id", "1000000 4 1"),
    ("ix_customers_customer_name_key", "1000000 13"),
    ("ix_customers_customer_name_sort", "1000000 4"),
    ("ix_customers_customer_phone_key", "1000000 1"),
    ("ix_customers_customer_region_created", "1000000 200000 1 1"),
    ("ix_customers_customer_region_id", "1000000 200000 1"),
    ("ix_customers_customer_satisfaction_status", "1000000 200000 100000"),
    ("ix_customers_customer_status_created", "1000000 500000 1 1"),
    ("ix_customers_customer_status_id", "1000000 500000 1"),
    ("sqlite_autoindex_customers_customer_1", "1000000 1"),
]] + [("customers_customer_gram", "customers_customer_gram", "22375624 5892 1")]
ROW = re.compile(r'href="/customers/(\d+)"')


@pytest.fixture
def two_managers(app, login_as):
    """24 customers of each of two managers over regions and levels; the count cap is 10, so each
    manager's whole list is long (keyset pages) and each filtered one short (numbered)."""
    app.config["CRM_COUNT_CAP"] = 10
    managers = [login_as("account_manager"), login_as("account_manager")]
    moment = datetime(2026, 3, 1, 9, 30)
    rows = [dict(number=f"KH20260301{n:05d}", name=f"华信{n}号", region=("beijing", "west", "northeast")[n % 3],
                 manager_id=managers[n % 2].user_id, level=str(n % 4 + 1), status="normal",
                 created_at=moment.replace(minute=n), updated_at=moment, version=1)
            for n in range(48)]
    with app.app_context():
        db.session.execute(insert(Customer), rows)
        db.session.commit()
    return managers


def _sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


@pytest.mark.parametrize("filters", ["region=beijing", "level=2", "region=west&level=2&sort=name",
                                     "region=beijing&page=-1", "status=normal&level=1&sort=region"])
def test_a_managers_filtered_list_is_counted_from_index_entries_alone(app, two_managers, query_plans, filters):
    """Their count reads (manager, status, region, level) entries, not each of their 20,000 customers' rows."""
    manager = two_managers[0]
    counts = [plan for plan in query_plans(manager, "/customers/?" + filters, CUSTOMERS, statistics=MILLION)
              if plan.bounded_count]
    assert len(counts) == 1
    assert not query_plans.full_scans(counts[0], CUSTOMERS), counts[0]
    if _sqlite(app):
        assert "COVERING INDEX ix_customers_customer_manager_filters" in counts[0], counts[0]


@pytest.mark.parametrize("sort", ["region", "-region", "level", "number", "status", "created", "-created", "name"])
def test_a_managers_long_list_walks_the_sort_order_on_every_page(app, two_managers, query_plans, sort):
    """Beyond the cap a page is read along the order's index, checking each row's manager, not by
    sorting all of the manager's customers for 20 of them: first, Next and last pages."""
    manager = two_managers[0]
    first = f"/customers/?sort={sort}"
    text = manager.get(first).get_data(as_text=True)
    assert "10+" in text
    for url in first_next_last(manager, first):
        pages = [plan for plan in query_plans(manager, url, CUSTOMERS, sorted_by_index=True, statistics=MILLION)
                 if "ORDER BY" in plan.sql and not plan.bounded_count]
        assert pages, url
        for plan in pages:
            assert not query_plans.full_scans(plan, CUSTOMERS), (url, plan)
            if sort == "number":  # unique: PostgreSQL's incremental sort by the id sorts groups of one row
                plan = plan.replace("Incremental Sort", "Incremental")
            if sort == "status" and not _sqlite(app):
                # PostgreSQL orders a tiny table's two rows of a status by id within the manager's index;
                # at 1M it walks ix_customers_customer_status_id (EXPLAIN ANALYZE: 0.2 ms).
                plan = plan.replace("Incremental Sort", "Incremental")
            assert not query_plans.sorts(plan), (url, plan)


def test_walking_keeps_every_row_of_a_managers_list_once(app, two_managers):
    """The walked pages hold exactly the manager's customers, each once, in order."""
    manager = two_managers[0]
    with app.app_context():
        mine = [c.id for c in db.session.query(Customer).filter_by(manager_id=manager.user_id)
                .order_by(Customer.region, Customer.id)]
    assert walk_pages(manager, "/customers/?sort=region", ROW) == mine


@pytest.mark.parametrize("filters", ["region=west&level=2&sort=name", "region=west", "level=2"])
def test_an_administrators_filter_is_counted_from_index_entries(app, two_managers, login_as, query_plans, filters):
    """Tens of thousands match a region and a level at 1M: the count of the first 10,001 reads index
    entries (SQLite: a skip-scan of the manager index; PostgreSQL: (level, status, region))."""
    director = login_as("sales_director")
    if not _sqlite(app):
        # Vacuumed, as autovacuum keeps a table: the visibility map makes an index-only scan cheaper than
        # reading rows. Unvacuumed, 48 rows make it a tie with (level, created_at, id), decided by the
        # indexes' order of creation (a migration rebuilding an index changes it).
        with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM {CUSTOMERS}")
    counts = [plan for plan in query_plans(director, "/customers/?" + filters, CUSTOMERS, statistics=MILLION)
              if plan.bounded_count]
    assert len(counts) == 1
    assert not query_plans.full_scans(counts[0], CUSTOMERS), counts[0]
    if _sqlite(app):
        assert "COVERING INDEX" in counts[0], counts[0]
    elif "level" in filters:
        assert "ix_customers_customer_level_status_region" in counts[0], counts[0]


# Customers holding a gram in the generated million (customers_customer_gram): what TextIndex.postings
# counts there (up to POSTINGS_COUNTED), so that SQLite is told the share the million has.
MILLION_POSTINGS = {"华信": 49_620, "华": 92_876, "信": 61_044}


@pytest.fixture
def million_postings(monkeypatch):
    """The gram postings of the generated million instead of the test's few rows (any other gram: rare)."""
    use_postings(monkeypatch, "customers_customer_gram", MILLION_POSTINGS)


def _count(plans) -> str:
    counts = [plan for plan in plans if plan.bounded_count]
    assert len(counts) == 1, plans
    return counts[0]


@pytest.mark.parametrize("role, term, start", [
    ("sales_director", "华信", "gram"),  # 49,620 postings, each customer visible: the first 10,001 postings
    ("sales_director", "7号", "gram"),
    ("account_manager", "华信", "manager"),  # 20,000 customers of the manager, fewer than the postings
    ("account_manager", "7号", "gram"),  # a rare gram: its few postings, whoever asks
])
def test_a_short_search_is_counted_from_the_fewer_rows(app, two_managers, login_as, query_plans, million_postings,
                                                        role, term, start):
    """SQLite, which keeps no statistics of values (no STAT4), is told by likelihood() what share of the
    gram table the gram's postings are: it counts from the postings of a rare gram, or of a frequent
    one when every customer is visible, and from the manager's customers, probing each for the gram,
    when they are fewer (before: from every visible customer, testing each against a list of all
    49,620 postings built first: 41 ms for an administrator at 1M)."""
    client = two_managers[0] if role == "account_manager" else login_as(role)
    count = _count(query_plans(client, f"/customers/?name={term}", CUSTOMERS, statistics=MILLION))
    assert not query_plans.full_scans(count, CUSTOMERS), count
    if not _sqlite(app):
        assert "customers_customer_grams" in count, count  # the GIN index of the grams
        return
    steps = [line.strip() for line in count.splitlines() if line.strip().startswith(("SEARCH", "SCAN"))]
    if start == "gram":
        assert steps[0] == "SEARCH customers_customer_gram USING PRIMARY KEY (gram=?)", count
        assert steps[1] == "SEARCH customers_customer USING INTEGER PRIMARY KEY (rowid=?)", count
    else:
        assert steps[0].startswith("SEARCH customers_customer USING COVERING INDEX ix_customers_customer_manager"), count
        assert steps[1] == "SEARCH customers_customer_gram USING PRIMARY KEY (gram=? AND row_id=?)", count


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_a_frequent_short_term_suggests_names_in_order_without_collecting_every_match(
        app, two_managers, login_as, query_plans, million_postings, role):
    """Autocomplete (20 names in order) of 华信: the names' index walked, each name tested for the term
    (SQLite instr, PostgreSQL strpos before the grams function), rather than all 49,620 matches
    collected and sorted, or each name tested against a list of them built first."""
    client = two_managers[0] if role == "account_manager" else login_as(role)
    plans = query_plans(client, "/customers/search.json?q=华信", CUSTOMERS, sorted_by_index=True, statistics=MILLION)
    [plan] = [plan for plan in plans if "ORDER BY" in plan.sql]
    assert not query_plans.full_scans(plan, CUSTOMERS), plan
    if _sqlite(app):  # each walked name tested itself, by instr(), not probed in the gram table
        assert not query_plans.sorts(plan), plan
        assert "customers_customer_gram" not in plan and "LIST SUBQUERY" not in plan, plan
        assert "instr(substr(lower(customers_customer.name)" in plan.sql, plan.sql
    else:
        assert "strpos(customers_customer.name" in plan.sql, plan.sql  # 华信: no case to fold
        tests = [line for line in plan.splitlines() if "customers_customer_grams(" in line and "Filter" in line]
        for line in tests:
            assert 0 <= line.find("strpos(") < line.find("customers_customer_grams("), plan


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
@pytest.mark.parametrize("term", ["华信", "7号", "华"])
def test_short_searches_hold_every_match_once_in_order_both_ways(app, two_managers, login_as, million_postings,
                                                                 role, term):
    """Whatever the plan starts from, the pages (numbered within the cap of 10, keyset beyond it)
    hold exactly the matching customers, in order, forwards and backwards from the last page."""
    client = two_managers[0] if role == "account_manager" else login_as(role)
    with app.app_context():
        stmt = db.session.query(Customer.id).filter(Customer.name.contains(term))
        if role == "account_manager":
            stmt = stmt.filter(Customer.manager_id == client.user_id)
        expected = [i for (i,) in stmt.order_by(Customer.created_at.desc(), Customer.id.desc())]
    first = f"/customers/?name={term}&per_page=20"
    assert walk_pages(client, first, ROW) == expected
    assert walk_pages(client, first + "&page=-1", ROW, backwards=True) == expected


@pytest.mark.parametrize("term, folded", [("华信", False), ("华", False), ("7号", False), ("Su", True)])
def test_a_short_term_is_tested_on_each_name_folded_only_when_it_has_a_case(app, two_managers, login_as, query_plans,
                                                                             term, folded):
    """PostgreSQL tests each row the grams index returns for the term itself too (strpos, which also serves
    rows read along an order): on the name as written for a term no case applies to, as lower() of each of
    the 10,001 names the count of 华信 reads cost more than the test (22.3 -> 19.7 ms of CPU at a million);
    lower-cased for a Latin one. The rows are the same (test_search.py)."""
    if _sqlite(app):
        pytest.skip("SQLite tests a walked row with instr() of its name lower-cased (ASCII only)")
    director = login_as("sales_director")
    count = _count(query_plans(director, f"/customers/?name={term}", CUSTOMERS))
    assert "customers_customer_grams" in count, count
    assert ("strpos(lower(customers_customer.name)" in count.sql) is folded, count.sql
    assert ("strpos(customers_customer.name" in count.sql) is not folded, count.sql
