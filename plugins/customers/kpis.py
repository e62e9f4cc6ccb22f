"""Customers' key figures on the dashboard: sales this month against last month, open churn warnings,
and a chart of sales by month. Each counts what the user may see: an account manager their own
customers, a director or an executive the whole team's. Amounts come from the order summary tables."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import current_app, render_template, url_for
from flask_babel import format_decimal
from sqlalchemy import false, func, select

from core.api import (
    SlotItem, _, can, current_user, db, kept_while_unchanged, kpi_tile, scoped, sees_all, svg_chart, local_today,
)

from plugins.customers.churn import WARNING, ChurnRecord
from plugins.customers.models import Customer
from plugins.customers.order_summary import ManagerSalesMonth, SalesMonth

CHART_MONTHS = 12


def scope_caption() -> str:
    return _("Whole team") if sees_all() else _("Your customers")


def _through_customer(stmt, customer_id_column):
    """Narrow to the user's customers; users who see everything need no condition. Written as
    ``IN (their customers)`` rather than a join, so that SQLite reads a manager's customers first
    and each one's rows by primary key (a join let it read every row of the month range: 0.56 s
    instead of 0.05 s for twelve months at a million customers)."""
    if sees_all():
        return stmt
    return stmt.where(customer_id_column.in_(scoped(select(Customer.id), Customer)))


def _first_of_month(day: date, months_back: int = 0) -> date:
    month = day.year * 12 + day.month - 1 - months_back
    return date(month // 12, month % 12 + 1, 1)


def sales_by_month_query(first: date, last: date):
    """Order amount per month from ``first`` to ``last`` (first days of months), of the visible customers:
    everyone's from the sales months, an account manager's (scope "own": the customers they manage)
    from their manager months."""
    if sees_all():
        return (select(SalesMonth.month, SalesMonth.amount)
                .where(SalesMonth.month >= first, SalesMonth.month <= last))
    M = ManagerSalesMonth
    mine = M.manager_id == current_user.id if current_user.is_authenticated else false()
    return select(M.month, M.amount).where(mine, M.month >= first, M.month <= last)


def sales_by_month(first: date, last: date) -> dict[date, Decimal]:
    return {month: Decimal(amount) for month, amount in db.session.execute(sales_by_month_query(first, last))}


def _report_url(key: str, **args) -> str | None:
    """The report's page when the reports plugin is enabled and the user may open the report."""
    report = current_app.extensions["crm"].reports.get(key)
    if report is None or "reports.report" not in current_app.view_functions or not can(report.permission):
        return None
    return url_for("reports.report", key=key, **args) if can("reports.report.view") else None


def _money(value) -> str:
    """Whole yuan: a key figure is read at a glance (and fits a phone's tile); reports have the cents."""
    return format_decimal(value, format="#,##0")


def sales_tile():
    today = local_today()
    this_month, last_month = _first_of_month(today), _first_of_month(today, 1)
    sales = sales_by_month(last_month, this_month)
    now, before = sales.get(this_month, Decimal(0)), sales.get(last_month, Decimal(0))
    if before:
        change = (now - before) * 100 / before
        comparison = _("%(change)s %% against last month (%(amount)s)",
                       change=format_decimal(change, format="+#,##0.0;-#,##0.0"), amount=_money(before))
        trend = "up" if now > before else "down" if now < before else None
    else:
        comparison, trend = _("Last month: %(amount)s", amount=_money(before)), None
    url = _report_url("customers.contribution", year=today.year) or url_for("customers.customer_list")
    return kpi_tile(_("Sales this month"), _money(now), url=url, comparison=comparison, trend=trend,
                    scope=scope_caption(), icon="cash-coin", order=10)


def churn_tile():
    # (a manager's: their records' copy of the customer's manager, ix_customers_churn_manager_created)
    stmt = scoped(select(func.count(ChurnRecord.id)).where(ChurnRecord.status == WARNING), ChurnRecord)
    # Kept while no churn record is written (the nightly scan, a handling, a handover): counting the whole
    # team's 148,000 warnings at a million customers read their index entries on every dashboard view
    # (17 ms on PostgreSQL).
    key = ("customers.churn-warnings", None if sees_all() else current_user.id)
    count = kept_while_unchanged(key, (ChurnRecord.__tablename__,), lambda: db.session.scalar(stmt) or 0)
    return kpi_tile(_("Churn warnings"), format_decimal(count), url=url_for("customers_churn.churn_list", status=WARNING),
                    comparison=_("Last order too long ago, not yet handled"), scope=scope_caption(),
                    icon="person-exclamation", order=50)


def at_risk_tile():
    """Valuable customers slipping away (RFM), beside the churn warnings: for those who manage their own."""
    from plugins.customers import rfm

    count = rfm.at_risk_count()
    url = _report_url("customers.rfm") or url_for("customers.customer_list", segment="at_risk")
    return kpi_tile(_("Customers at risk"), format_decimal(count), url=url, scope=scope_caption(),
                    comparison=_("At risk or can't lose them, by their orders"), icon="exclamation-triangle",
                    order=55)


def sales_chart_widget():
    today = local_today()
    months = [_first_of_month(today, back) for back in range(CHART_MONTHS - 1, -1, -1)]
    sales = sales_by_month(months[0], months[-1])
    if not any(sales.values()):
        chart = None
    else:
        chart = svg_chart("bar", [month.strftime("%Y-%m") for month in months],
                          [(_("Sales"), [sales.get(month, 0) for month in months])], height=300)
    return SlotItem(render_template("customers/widget_sales_chart.html", chart=chart, scope=scope_caption(),
                                    url=_report_url("customers.contribution", year=today.year)), order=5)


def contribute(slot, context):
    if slot == "dashboard.kpis":
        tiles = []
        if can("customers.order.view"):
            tiles.append(sales_tile())
        if can("customers.churn.view"):
            tiles.append(churn_tile())
        if can("customers.order.view") and not sees_all():
            tiles.append(at_risk_tile())
        return tiles
    if slot == "dashboard.widgets" and can("customers.order.view"):
        return [sales_chart_widget()]
    return None
