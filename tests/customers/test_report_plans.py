"""The reports and key figures read the order summary through its indexes (EXPLAIN), not by scanning it.

PostgreSQL prefers a sequential scan of a tiny test table, so sequential scans are
switched off for the check, and SQLite forgets the statistics of nearly empty
tables: what remains shows that a usable index exists.
"""
from datetime import date

import pytest
from flask_login import login_user
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from core.api import User, db
from core.testing import create_user
from plugins.customers.order_summary import OrderMonth
from plugins.customers.reports import ContributionFilter, contribution


# What ANALYZE wrote at a million customers (bench/generate.py): rows, then rows per leading value(s).
MILLION = [
    ("customers_customer", "ix_customers_customer_manager_id_id", "1000000 20000 1"),
    ("customers_customer", "ix_customers_customer_manager_filters", "1000000 20000 10000 2000 400"),
    ("customers_customer", "ix_customers_customer_status_id", "1000000 500000 1"),
    ("customers_order_month", "sqlite_autoindex_customers_order_month_1", "1923535 3 1"),
    ("customers_order_month", "ix_customers_order_month_month_figures", "1923535 54959 1 1 1"),
    ("customers_rfm_score", "sqlite_autoindex_customers_rfm_score_1", "3314557 662912 1"),
    ("customers_rfm_score", "ix_customers_rfm_score_segment", "3314557 662912 61381 1"),
    ("customers_rfm_score", "ix_customers_rfm_score_manager", "3314557 662912 13258 1205 1 1"),
    ("customers_rfm_score", "ix_customers_rfm_score_customer", "3314557 4"),
]


def _plan(stmt, stats=()) -> str:
    """The plan of ``stmt``; on SQLite with the statistics ``stats`` (table, index, figures), if given."""
    dialect = db.session.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
    # Statistics that earlier tests left for nearly empty tables make SQLite prefer a scan: forget them.
    if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl LIKE 'customers_%'"))
    elif stats:
        db.session.execute(text("ANALYZE sqlite_schema"))  # creates sqlite_stat1
    for table, index, figures in stats:
        db.session.execute(text("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (:t, :i, :s)"),
                           {"t": table, "i": index, "s": figures})
    if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        db.session.execute(text("ANALYZE sqlite_schema"))
    return "\n".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


@pytest.fixture
def as_user(app):
    def enter(role):
        user_id = create_user(app, role)
        ctx = app.test_request_context()
        ctx.push()
        login_user(db.session.get(User, user_id))
        return ctx
    return enter


def test_a_years_contribution_reads_the_month_index(as_user):
    ctx = as_user("sales_director")
    try:
        form = ContributionFilter(MultiDict({"year": "2026"}))
        assert form.validate()
        assert "ix_customers_order_year_year_amount" in _plan(contribution(form))
        every_year = ContributionFilter(MultiDict())
        assert every_year.validate()
        assert "ix_customers_order_year_year_amount" in _plan(contribution(every_year))
    finally:
        ctx.pop()


def test_an_account_managers_figures_read_their_customers_by_index(as_user):
    ctx = as_user("account_manager")
    try:
        form = ContributionFilter(MultiDict({"year": "2026"}))
        assert form.validate()
        plan = _plan(contribution(form))
        # their years in amount order, from the index on the years' copy of their manager: no table read whole
        assert "SCAN customers_" not in plan and "Seq Scan" not in plan
        assert "ix_customers_order_year_manager_amount" in plan
    finally:
        ctx.pop()


def test_this_and_last_months_sales_read_the_month_index(as_user):
    ctx = as_user("sales_director")
    try:
        stmt = select(func.sum(OrderMonth.amount)).where(OrderMonth.month >= date(2026, 10, 1),
                                                         OrderMonth.month <= date(2026, 11, 1))
        assert "ix_customers_order_month_month_figures" in _plan(stmt)
    finally:
        ctx.pop()


def test_an_account_managers_sales_by_month_and_value_segments_read_their_own_index_ranges(as_user):
    """Their value segments and customers at risk: their scores by the scores' copy of the manager, from an
    index holding what is counted and summed (joined with their 20,000 customers at a million customers, the
    count of those at risk took 40-55 ms on PostgreSQL); their sales by month: their own months of the
    manager months, by primary key."""
    from flask_login import current_user

    from plugins.customers.kpis import sales_by_month_query
    from plugins.customers.models import Customer
    from plugins.customers.rfm import AT_RISK, DEFAULT_WINDOW, RfmScore, scores

    ctx = as_user("account_manager")
    try:
        customer = Customer(number="KH2026010100001", name="某公司", region="beijing")
        db.session.add(customer)
        db.session.flush()
        db.session.add(RfmScore(months=DEFAULT_WINDOW, customer_id=customer.id, r=1, f=1, m=1, segment="lost",
                                frequency=1, monetary=1, scored_on=date(2026, 11, 1),
                                manager_id=current_user.id))  # the nightly job's
        db.session.flush()
        plan = _plan(sales_by_month_query(date(2025, 12, 1), date(2026, 11, 1)), MILLION)
        assert "customers_manager_sales_month" in plan and "SCAN" not in plan and "Seq Scan" not in plan, plan
        rfm = scores()
        at_risk = select(func.count()).select_from(rfm).where(rfm.c.segment.in_(AT_RISK))
        per_segment = select(rfm.c.segment, func.count(), func.sum(rfm.c.monetary)).group_by(rfm.c.segment)
        for stmt in (select(rfm), at_risk, per_segment):
            plan = _plan(stmt, MILLION)
            assert "SCAN customers_" not in plan and "Seq Scan" not in plan, plan
            assert "ix_customers_rfm_score_manager" in plan, plan
            if db.session.get_bind().dialect.name == "sqlite":  # customers read only for the few deleted
                assert all("(status=?)" in line for line in plan.splitlines() if "customers_customer" in line), plan
        if db.session.get_bind().dialect.name == "sqlite":  # counted and summed from index entries alone
            assert "COVERING INDEX ix_customers_rfm_score_manager" in _plan(at_risk, MILLION)
            assert "COVERING INDEX ix_customers_rfm_score_manager" in _plan(per_segment, MILLION)
    finally:
        ctx.pop()


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_a_name_in_the_contribution_report_is_looked_up_in_the_name_index(as_user, role):
    """华信 is two characters: no trigram holds it, so only the name's grams answer it without reading every
    customer (an account manager's contribution for 华信 took 855 ms at a million customers on PostgreSQL)."""
    ctx = as_user(role)
    try:
        form = ContributionFilter(MultiDict({"name": "华信"}))
        assert form.validate()
        plan = _plan(contribution(form))
        assert "ix_customers_customer_name_grams" in plan or "customers_customer_gram" in plan, plan
        assert "SCAN customers_customer\n" not in plan + "\n" and "Seq Scan" not in plan
    finally:
        ctx.pop()


def test_an_account_managers_visible_customers_are_read_from_index_entries(as_user):
    """The subquery every scoped figure starts from (the dashboard's at-risk count, the value analysis):
    their ~20,000 ids from (manager, status, ...) index entries, not from their rows (PostgreSQL read
    16,000 heap blocks for it at a million customers)."""
    from core.api import scoped
    from plugins.customers.models import STATUS_DELETED, Customer

    ctx = as_user("account_manager")
    try:
        visible = scoped(select(Customer.id).where(Customer.status != STATUS_DELETED), Customer)
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
            # (manager, status, ...) or one of the manager's order indexes, which end in the status too
            assert "Index Only Scan using ix_customers_customer_manager_" in _plan(visible)
        else:  # every SQLite index holds the rowid: whichever manager index it picks holds the ids
            assert "SEARCH customers_customer USING" in _plan(visible, MILLION) and "(manager_id=?)" in _plan(visible)
    finally:
        ctx.pop()


def test_a_common_name_in_everyones_contribution_walks_the_amount_order(as_user, monkeypatch):
    """SQLite, every customer, a term thousands of names hold (华信 at a million: 49,828): the page is found
    walking the amounts within a few thousand rows; starting from the postings sorted them all (28 vs 87 ms)."""
    from core.testing import use_postings

    ctx = as_user("sales_director")
    try:
        if db.session.get_bind().dialect.name != "sqlite":
            pytest.skip("PostgreSQL's planner weighs the term's share itself")
        use_postings(monkeypatch, "customers_customer_gram", {"华信": 49_828})
        form = ContributionFilter(MultiDict({"name": "华信"}))
        assert form.validate()
        plan = _plan(contribution(form), MILLION)
        assert "ix_customers_order_year_year_amount" in plan and "TEMP B-TREE" not in plan, plan
        assert "customers_customer_gram" not in plan, plan
    finally:
        ctx.pop()


def test_everyones_value_segments_read_the_totals_written_with_the_scores(as_user):
    """Whoever sees every customer, once a window is scored: its few rows of totals per segment, not the
    window's scores grouped (680,000 at a million customers: 370-620 ms a report)."""
    from plugins.customers.models import Customer
    from plugins.customers.rfm import DEFAULT_WINDOW, RfmScore, WindowFilter, value_analysis

    ctx = as_user("sales_director")
    try:
        form = WindowFilter(MultiDict({"window": str(DEFAULT_WINDOW)}))
        assert form.validate()
        assert "customers_rfm_segment_total" not in _plan(value_analysis(form))  # not scored: computed now
        customer = Customer(number="KH2026010100001", name="某公司", region="beijing")
        db.session.add(customer)
        db.session.flush()
        db.session.add(RfmScore(months=DEFAULT_WINDOW, customer_id=customer.id, r=1, f=1, m=1, segment="lost",
                                frequency=1, monetary=1, scored_on=date(2026, 11, 1)))  # the nightly job's
        db.session.flush()
        plan = _plan(value_analysis(form), MILLION)
        assert "customers_rfm_segment_total" in plan and "customers_rfm_score" not in plan, plan
    finally:
        ctx.pop()
