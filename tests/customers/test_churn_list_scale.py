"""The churn list at scale: sorted by customer, counted, searched and scoped from indexes, with
SQLite planning from the statistics ANALYZE writes at a million customers (bench/generate.py:
~208,000 churn records, 20,000 customers per account manager); and its keyset pages by customer
still show every record exactly once."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import insert, select, text

from core.api import db
from core.api import TextIndex
from core.text_search import GRAMS_COST, POSTINGS_COUNTED
from core.testing import first_next_last, pager_link, walk_pages
from plugins.customers.churn import ChurnRecord
from plugins.customers.models import Customer

CHURN = "customers_churn"
ROW = re.compile(r'href="/customers/churn/(\d+)"')

# sqlite_stat1 as ANALYZE wrote it on the generated million (rows, then rows per leading value(s)).
MILLION = (
    ("customers_customer", "ix_customers_customer_name_id", "1000000 4 1"),
    ("customers_customer", "ix_customers_customer_manager_name", "1000000 20000 1 1"),
    ("customers_customer", "ix_customers_customer_manager_id_id", "1000000 20000 1"),
    ("customers_customer", "ix_customers_customer_manager_filters", "1000000 20000 10000 2000 401"),
    ("customers_customer", "ix_customers_customer_manager_created", "1000000 20000 1 1"),
    ("customers_customer", "ix_customers_customer_status_id", "1000000 500000 1"),
    ("customers_customer", "ix_customers_customer_status_created", "1000000 500000 1 1"),
    ("customers_customer", "ix_customers_customer_created_at_id", "1000000 1 1"),
    ("customers_customer", "ix_customers_customer_name_sort", "1000000 4"),
    ("customers_customer_gram", "customers_customer_gram", "22375624 5892 1"),
    ("core_user", "sqlite_autoindex_core_user_1", "51 1"),
    (CHURN, "ix_customers_churn_customer_id", "208284 1 1 1"),  # the index this work adds
    (CHURN, "ix_customers_churn_customer_status", "208284 1 1"),  # the one it replaces
    (CHURN, "ix_customers_churn_created_at_id", "208284 416 1"),
    (CHURN, "ix_customers_churn_last_order_date_id", "208284 416 1"),
    (CHURN, "ix_customers_churn_status_id", "208284 69428 1"),
    (CHURN, "ix_customers_churn_lost_at_id", "208284 415 1"),
    (CHURN, "ix_customers_churn_manager_created", "208523 4171 9 1 1 1 1 1"),
)


@pytest.fixture
def churning(app, login_as):
    """40 customers over two managers, names repeated (four of each), one to three churn records each
    (the third of every fourth customer, so records of one customer are not neighbours by id), a count
    cap of 10 so that the lists are paged by keyset."""
    app.config["CRM_COUNT_CAP"] = 10
    managers = [login_as("account_manager"), login_as("account_manager")]
    moment = datetime(2026, 3, 1, 9, 30)
    rows = [dict(number=f"KH20260301{n:05d}", name=f"华信{n % 10}号", region="beijing",
                 manager_id=managers[n % 2].user_id, level="1", status="deleted" if n == 7 else "normal",
                 created_at=moment.replace(minute=n), updated_at=moment, version=1) for n in range(40)]
    with app.app_context():
        db.session.execute(insert(Customer), rows)
        owners = dict(db.session.execute(select(Customer.id, Customer.manager_id).order_by(Customer.id)).all())
        ids = list(owners)
        records = []
        for round_ in range(3):
            records += [dict(customer_id=i, manager_id=owners[i], last_order_date=date(2025, 1, 1 + n % 28),
                             status=("warning", "postponed", "lost")[(n + round_) % 3], reason="",
                             created_at=moment.replace(day=1 + (n * 7 + round_) % 28),
                             updated_at=moment, version=1)
                        for n, i in enumerate(ids) if round_ == 0 or (round_ == 1 and n % 2) or n % 4 == 0]
        db.session.execute(insert(ChurnRecord), records)
        db.session.commit()
    return managers


def _visible(app, manager_id=None) -> set[int]:
    with app.app_context():
        stmt = (select(ChurnRecord.id).join(Customer, Customer.id == ChurnRecord.customer_id)
                .where(Customer.status != "deleted"))
        if manager_id is not None:
            stmt = stmt.where(Customer.manager_id == manager_id)
        return set(db.session.scalars(stmt))


@pytest.mark.parametrize("sort", ["customer", "-customer"])
def test_sorted_by_customer_every_record_appears_once_both_ways(churning, app, login_as, sort):
    director = login_as("sales_director")
    url = f"/customers/churn/?sort={sort}&per_page=20"
    first = director.get(url).get_data(as_text=True)
    assert "of 10+" in first  # a keyset list
    forward = walk_pages(director, url, ROW)
    assert len(forward) == len(set(forward)) and set(forward) == _visible(app)
    with app.app_context():
        names = dict(db.session.execute(select(ChurnRecord.id, Customer.name).join(Customer,
                                                                                    Customer.id == ChurnRecord.customer_id)).all())
    keys = [names[i] for i in forward]
    assert keys == sorted(keys, reverse=sort.startswith("-"))
    assert walk_pages(director, pager_link(first, "Last"), ROW, backwards=True) == forward


def test_a_managers_list_by_customer_holds_their_records_once(churning, app):
    manager = churning[0]
    forward = walk_pages(manager, "/customers/churn/?sort=customer&per_page=20", ROW)
    assert len(forward) == len(set(forward)) and set(forward) == _visible(app, manager.user_id)


@pytest.mark.parametrize("query", ["", "&status=warning", "&customer=华信", "&customer=华信1"])
def test_filtered_lists_hold_every_visible_record_once(churning, app, login_as, query):
    director = login_as("sales_director")
    forward = walk_pages(director, f"/customers/churn/?per_page=20{query}", ROW)
    expected = _visible(app)
    if "status" in query:
        with app.app_context():
            expected &= set(db.session.scalars(select(ChurnRecord.id).where(ChurnRecord.status == "warning")))
    if "华信1" in query:
        with app.app_context():
            expected &= set(db.session.scalars(select(ChurnRecord.id).join(Customer, Customer.id == ChurnRecord.customer_id)
                                               .where(Customer.name == "华信1号")))
    assert len(forward) == len(set(forward)) and set(forward) == expected


@pytest.mark.parametrize("query", ["&customer=华信", "&customer=华信1", "&customer=KH2026030100001"])
def test_a_customer_search_is_counted_to_its_own_lower_bound(churning, app, login_as, monkeypatch, query):
    """Records found through their customer's name or number are counted to SEARCH_COUNT_CAP (here 4), other
    lists to the deployment's cap (10); past it, the pages still hold every matching record once."""
    from plugins.customers import churn_views

    monkeypatch.setattr(churn_views, "SEARCH_COUNT_CAP", 4)
    director = login_as("sales_director")
    assert "of 10+" in director.get("/customers/churn/?per_page=10").get_data(as_text=True)
    with app.app_context():
        matching = select(ChurnRecord.id).join(Customer, Customer.id == ChurnRecord.customer_id)
        term = query.split("=")[1]
        expected = _visible(app) & set(db.session.scalars(matching.where(
            Customer.name.contains(term) | Customer.number.contains(term))))
    first = director.get(f"/customers/churn/?per_page=10{query}").get_data(as_text=True)
    assert ("of 4+" in first) == (len(expected) > 4)
    forward = walk_pages(director, f"/customers/churn/?per_page=10{query}", ROW)
    assert len(forward) == len(set(forward)) and set(forward) == expected


def test_the_export_names_the_manager_and_keeps_every_record(churning, app, login_as):
    director = login_as("sales_director")
    text = director.get("/customers/churn/?export=csv&sort=customer").get_data(as_text=True)
    assert len(text.strip().splitlines()) == 1 + len(_visible(app))


def _reads_customer_rows(plan: str) -> bool:
    """PostgreSQL: does ``plan`` read customers' rows (the heap), not only an index of them?"""
    return bool(re.search(r"Index Scan (Backward )?using \S+ on customers_customer\b|Heap Scan on customers_customer\b",
                          plan))


def _sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


@pytest.mark.parametrize("sort", ["customer", "-customer"])
def test_sorted_by_customer_walks_the_customers_name_index(churning, app, login_as, query_plans, sort):
    """Not every record read and sorted for a page of 20 (a million-row list took ~1 s on SQLite)."""
    director = login_as("sales_director")
    for url in first_next_last(director, f"/customers/churn/?sort={sort}"):
        plans = query_plans(director, url, CHURN, sorted_by_index=True, statistics=MILLION)
        pages = [plan for plan in plans if "ORDER BY" in plan.sql]
        assert pages
        for plan in pages:
            assert not query_plans.full_scans(plan, CHURN), (url, plan)
            if _sqlite(app):
                assert not query_plans.sorts(plan), (url, plan)
                assert "ix_customers_customer_name_id" in plan, (url, plan)
            else:  # PostgreSQL may sort each customer's few records (an incremental sort), never all
                assert not re.search(r"(^|->)\s*Sort\s+\(cost", plan, re.M), (url, plan)


@pytest.mark.parametrize("query", ["", "?status=warning", "?sort=lost", "?sort=customer"])
def test_an_administrators_count_does_not_read_each_records_customer(churning, app, login_as, query_plans, query):
    """Deleted customers are left out by their ids, so counting up to the cap reads records (and an
    index of customer ids), not a customer row per record."""
    director = login_as("sales_director")
    counts = [plan for plan in query_plans(director, "/customers/churn/" + query, CHURN, statistics=MILLION)
              if plan.bounded_count]
    assert counts
    for plan in counts:
        assert not query_plans.full_scans(plan, CHURN), plan
        if _sqlite(app):
            assert not re.search(r"customers_customer USING INTEGER PRIMARY KEY", plan), plan
        else:
            assert not _reads_customer_rows(plan), plan
        # Sorted by customer, counted from the records all the same (walking the customers by name to
        # count took 26 ms on SQLite at 1M, against 0.4)
        assert "ix_customers_customer_name" not in plan, plan


def test_a_short_customer_search_counts_from_the_grams_and_the_records_index(churning, app, login_as, query_plans):
    """华信 (5 % of a million customers): SQLite matches the records' customer ids against the gram
    index, with no customer row read per record; PostgreSQL reads the name through its gram index."""
    director = login_as("sales_director")
    plans = query_plans(director, "/customers/churn/?customer=华信", CHURN, statistics=MILLION)
    assert plans
    for plan in plans:
        assert not query_plans.full_scans(plan, CHURN) or plan.bounded_count, plan
        assert not query_plans.full_scans(plan, "customers_customer"), plan
        if _sqlite(app) and plan.bounded_count:
            assert "customers_customer_gram" in plan, plan
            assert not re.search(r"customers_customer USING INTEGER PRIMARY KEY", plan), plan


@pytest.mark.parametrize("query", ["", "?status=warning", "?sort=-lost", "?sort=last_order", "?sort=customer"])
def test_an_account_managers_count_reads_their_records_index(churning, app, query_plans, query):
    """Their records from ix_customers_churn_manager_created (the record's copy of the customer's manager):
    no customer row read, nor every record hashed against their 20,000 customers (41-62 ms on PostgreSQL
    at 1M when the scope was the customer's manager). Sorted by customer too: the page walks their
    customers by name, the count reads their records (the same rows; 36-51 ms when it walked the customers)."""
    manager = churning[0]
    counts = [plan for plan in query_plans(manager, "/customers/churn/" + query, CHURN, statistics=MILLION)
              if plan.bounded_count]
    assert counts
    for plan in counts:
        assert not query_plans.full_scans(plan, CHURN), plan
        assert not query_plans.full_scans(plan, "customers_customer"), plan
        assert "ix_customers_churn_manager_created" in plan, plan
        if _sqlite(app):
            assert not re.search(r"customers_customer USING (INTEGER PRIMARY KEY|(COVERING )?INDEX "
                                 r"ix_customers_customer_manager)", plan), plan
        else:
            assert not _reads_customer_rows(plan), plan


@pytest.mark.parametrize("sort", ["-warned", "warned"])
def test_an_account_managers_pages_read_their_records_in_order(churning, app, query_plans, sort):
    """Every page of their list (first, inner by number, last) walks ix_customers_churn_manager_created in
    the list's order: no sort of their records, no record read of other managers' (a page in the middle
    read each skipped record's customer to test its manager: 534 ms on PostgreSQL at 1M)."""
    manager = churning[0]
    app.config["CRM_COUNT_CAP"] = 10_000  # their 30 records within the cap: numbered pages by offset
    for url in (f"/customers/churn/?sort={sort}&per_page=10", f"/customers/churn/?sort={sort}&per_page=10&page=2",
                f"/customers/churn/?sort={sort}&per_page=10&page=-1"):
        pages = [plan for plan in query_plans(manager, url, CHURN, sorted_by_index=True, statistics=MILLION)
                 if "ORDER BY" in plan.sql]
        assert pages, url
        for plan in pages:
            assert "ix_customers_churn_manager_created" in plan, (url, plan)
            assert not query_plans.full_scans(plan, CHURN), (url, plan)
            assert not query_plans.sorts(plan), (url, plan)


def test_a_managers_short_customer_search_intersects_the_indexes(churning, app, query_plans):
    """PostgreSQL: the manager's customers and the customers holding the gram 华信, each from its
    index, intersected — not the grams of each of the manager's 20,000 names computed in turn (the
    grams function declares its real cost, core.text_search.GRAMS_COST)."""
    manager = churning[0]
    plans = query_plans(manager, "/customers/churn/?customer=华信", CHURN, statistics=MILLION)
    assert plans
    for plan in plans:
        assert not query_plans.full_scans(plan, "customers_customer"), plan
        if plan.bounded_count or not _sqlite(app):  # (SQLite's pages past the cap test the walked names)
            assert "_gram" in plan, plan  # an index of the grams (SQLite's table, PostgreSQL's GIN) is read
    if not _sqlite(app):
        # PostgreSQL plans a test's few rows its own way; what makes it choose the bitmaps at a
        # million rows is the cost the function declares
        with app.app_context():
            costs = dict(db.session.execute(text(
                "SELECT proname, procost FROM pg_proc WHERE proname IN ('customers_customer_grams', "
                "'customers_contact_grams')")).all())
        assert costs == {"customers_customer_grams": GRAMS_COST, "customers_contact_grams": GRAMS_COST}


@pytest.fixture
def million_postings(monkeypatch):
    """49,620 customers of the generated million hold 华信 (customers_customer_gram): TextIndex.postings
    answers that instead of the test's few rows."""
    monkeypatch.setattr(TextIndex, "postings", lambda index, gram: min(49_620, POSTINGS_COUNTED))


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_a_short_customer_search_starts_from_the_fewer_rows(churning, app, login_as, query_plans, million_postings,
                                                             role):
    """SQLite, told how common 华信 is (likelihood()): an administrator's list is counted from the
    postings of 华信, each one's records read from ix_customers_churn_customer_id (before: every record's
    customer id tested against a list of all the postings, built first: 54 ms at 1M), and its page
    walks the order, testing each record's customer's name; a manager's count starts from their
    records (ix_customers_churn_manager_created), each one's customer probed for the gram."""
    client = churning[0] if role == "account_manager" else login_as(role)
    plans = query_plans(client, "/customers/churn/?customer=华信", CHURN, statistics=MILLION)
    assert plans
    for plan in plans:
        assert not query_plans.full_scans(plan, "customers_customer"), plan
        assert not query_plans.full_scans(plan, CHURN), plan
        if not _sqlite(app):
            continue
        steps = [line.strip() for line in plan.splitlines() if line.strip().startswith(("SEARCH", "SCAN"))]
        if role == "sales_director" and plan.bounded_count:
            assert steps[0] == "SEARCH customers_customer_gram USING PRIMARY KEY (gram=?)", plan
            assert steps[1].startswith("SEARCH customers_churn USING "), plan
            assert "ix_customers_churn_customer_id (customer_id=?)" in steps[1], plan
        elif role == "sales_director":  # more than the cap: the page walks the list's order, testing names
            assert not query_plans.sorts(plan), plan
            assert "instr(substr(lower(customers_customer.name)" in plan.sql, plan.sql
        elif plan.bounded_count:  # the manager's records, each one's customer probed for the gram
            assert re.match(r"SEARCH customers_churn USING (COVERING )?INDEX ix_customers_churn_manager_created",
                            steps[0]), plan
            assert "SEARCH customers_customer_gram USING PRIMARY KEY (gram=? AND row_id=?)" in plan, plan


@pytest.mark.parametrize("sort", ["last_order", "-last_order", "lost", "-lost", "status"])
def test_a_managers_list_in_another_order_sorts_their_records_index_entries(churning, app, query_plans, sort):
    """SQLite, their records within the cap, sorted by a column no index of theirs holds in order: the page's
    ids sorted from the entries of ix_customers_churn_manager_created, the records and their customers read
    for those 20 alone (SQLite joined each of their 4,000 records with its customer's row before sorting:
    22-32 ms of SQL a page at 1M, now 1.5-2.7)."""
    manager = churning[0]
    app.config["CRM_COUNT_CAP"] = 10_000  # their records within the cap: numbered pages
    for url in (f"/customers/churn/?sort={sort}&per_page=10", f"/customers/churn/?sort={sort}&per_page=10&page=2"):
        pages = [plan for plan in query_plans(manager, url, CHURN, statistics=MILLION) if "ORDER BY" in plan.sql]
        assert pages, url
        for plan in pages:
            assert not query_plans.full_scans(plan, CHURN), (url, plan)
            if _sqlite(app):
                assert "COVERING INDEX ix_customers_churn_manager_created" in plan, (url, plan)
                assert re.search(r"SEARCH customers_churn USING INTEGER PRIMARY KEY", plan), (url, plan)


@pytest.mark.parametrize("sort", ["last_order", "-last_order", "lost", "-lost", "status", "-status"])
def test_a_managers_list_in_another_order_holds_their_records_once_in_that_order(churning, app, sort):
    manager = churning[0]
    app.config["CRM_COUNT_CAP"] = 10_000
    forward = walk_pages(manager, f"/customers/churn/?sort={sort}&per_page=7", ROW)
    assert len(forward) == len(set(forward)) and set(forward) == _visible(app, manager.user_id)
    column = {"last_order": ChurnRecord.last_order_date, "lost": ChurnRecord.lost_at,
              "status": ChurnRecord.status}[sort.lstrip("-")]
    with app.app_context():
        values = dict(db.session.execute(select(ChurnRecord.id, column)).all())
    # NULLs sort first ascending on SQLite, last on PostgreSQL; then the value, then the id
    keys = [((values[i] is None) != _sqlite(app), values[i], i) for i in forward]
    assert keys == sorted(keys, reverse=sort.startswith("-"))
