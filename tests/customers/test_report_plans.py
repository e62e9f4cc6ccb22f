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


def _plan(stmt) -> str:
    dialect = db.session.get_bind().dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
    # Statistics that earlier tests left for nearly empty tables make SQLite prefer a scan: forget them.
    if db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl LIKE 'customers_%'"))
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
        # their customers by the manager index, or the year's amounts by index checked against them:
        # either way no table is read whole
        assert "SCAN customers_" not in plan and "Seq Scan" not in plan
        assert "ix_customers_customer_manager_id" in plan or "ix_customers_order_year_year_amount" in plan
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
