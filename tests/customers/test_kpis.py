"""The customers' key figures on the dashboard, for an account manager (own) and a director (team)."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from core.api import db, local_today
from plugins.customers.churn import LOST, POSTPONED, WARNING, ChurnRecord
from plugins.customers.kpis import _first_of_month
from plugins.customers.models import Order, OrderLine


def _tile(page: str, label: str) -> str:
    """The text of the KPI tile labelled ``label``."""
    tiles = page.split('crm-kpi"')[1:]
    tile = next(tile for tile in tiles if label in tile)
    tile = tile[:tile.index("</a>") if "</a>" in tile else None]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tile.split(">", 1)[1])).strip()


@pytest.fixture
def team(app, login_as, add_customer, add_product):
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    mine, theirs = add_customer(li.user_id), add_customer(zhang.user_id, name="别人的客户")
    product = add_product()
    today = local_today()
    this_month, last_month = _first_of_month(today), _first_of_month(today, 1)
    orders = [(mine, this_month, "300.00"), (mine, last_month, "200.00"), (theirs, this_month, "1000.00"),
              (theirs, _first_of_month(today, 13), "99.00")]
    with app.app_context():
        for n, (customer, day, price) in enumerate(orders):
            order = Order(customer_id=customer, number=f"K{n}", date=day)
            order.lines.append(OrderLine(product_id=product, quantity=Decimal(1), price=Decimal(price)))
            db.session.add(order)
        db.session.add_all([ChurnRecord(customer_id=mine, manager_id=li.user_id, status=WARNING),
                            ChurnRecord(customer_id=theirs, manager_id=zhang.user_id, status=POSTPONED),
                            ChurnRecord(customer_id=theirs, manager_id=zhang.user_id, status=LOST)])
        db.session.commit()
    return li, zhang


def test_an_account_manager_sees_their_own_figures(team):
    li, _zhang = team
    page = li.get("/").get_data(as_text=True)
    sales = _tile(page, "Sales this month")
    assert "300" in sales and "+50.0 % against last month (200)" in sales and "Your customers" in sales
    assert "1,300" not in page
    assert _tile(page, "Churn warnings").startswith("Churn warnings 1 Last order too long ago")
    assert "My customers" in page
    assert "/reports/customers.contribution?year=" in page  # the list behind the number
    chart = page[page.index("Sales by month"):]
    assert "<svg" in chart


def test_a_director_sees_the_teams_figures_and_no_my_customers_zero(login_as, team):
    for role in ("sales_director", "executive"):
        page = login_as(role).get("/").get_data(as_text=True)
        sales = _tile(page, "Sales this month")
        assert "1,300" in sales and "+550.0 % against last month (200)" in sales and "Whole team" in sales
        assert _tile(page, "Churn warnings").startswith("Churn warnings 1 ")  # warnings, not postponed ones
        assert "My customers" not in page


def test_no_orders_last_month_and_no_permission(login_as, app):
    page = login_as("sales_director").get("/").get_data(as_text=True)
    assert "Last month: 0" in _tile(page, "Sales this month")
    assert "No orders in the last 12 months." in page
    bare = login_as(permissions=["core.dashboard.view"]).get("/").get_data(as_text=True)
    assert "Sales this month" not in bare and "Churn warnings" not in bare


def test_first_of_month_goes_back_across_years():
    assert _first_of_month(date(2026, 1, 31), 1) == date(2025, 12, 1)
    assert _first_of_month(date(2026, 3, 15), 14) == date(2025, 1, 1)


def test_without_the_reports_plugin_the_tiles_link_to_the_lists(make_app):
    from core.testing import create_user, log_in

    app = make_app(plugins="basedata,customers,marketing")
    create_user(app, "sales_director", username="noreports")
    client = app.test_client()
    log_in(client, "noreports")
    page = client.get("/").get_data(as_text=True)
    assert "Sales this month" in page and "/reports/" not in page
    assert 'href="/customers/"' in page and client.get("/reports/").status_code == 404


def test_this_month_is_the_local_month(app, login_as, add_customer, add_product, monkeypatch):
    """At 02:00 on 1 December in Beijing it is still 30 November in UTC: December's order counts."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import core.localtime

    monkeypatch.setattr(core.localtime, "local_now",
                        lambda: datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    director = login_as("sales_director")
    customer, product = add_customer(director.user_id), add_product()
    with app.app_context():
        for number, day, price in (("K1", date(2026, 12, 1), "500.00"), ("K2", date(2026, 11, 30), "250.00")):
            order = Order(customer_id=customer, number=number, date=day)
            order.lines.append(OrderLine(product_id=product, quantity=Decimal(1), price=Decimal(price)))
            db.session.add(order)
        db.session.commit()
    sales = _tile(director.get("/").get_data(as_text=True), "Sales this month")
    assert sales.startswith("Sales this month 500 ") and "against last month (250)" in sales


def test_the_warnings_tile_is_kept_until_a_churn_record_is_written(app, login_as, team):
    """The count is not run again while no churn record is written; handling a warning (the account manager
    postpones it through the page) shows at once on everyone's dashboard."""
    li, _zhang = team
    director = login_as("sales_director")
    for client in (director, li):
        assert _tile(client.get("/").get_data(as_text=True), "Churn warnings").startswith("Churn warnings 1 ")
    counts = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "count(customers_churn.id)" in statement:
            counts.append(statement)

    with app.app_context():
        engine = db.engine
        warning = db.session.scalar(select(ChurnRecord).where(ChurnRecord.status == WARNING))
    event.listen(engine, "before_cursor_execute", record)
    try:
        for client in (director, li):
            assert _tile(client.get("/").get_data(as_text=True), "Churn warnings").startswith("Churn warnings 1 ")
        assert counts == []  # kept
        assert li.post(f"/customers/churn/{warning.id}/postpone", data={
            "postpone-measure": "电话回访", "postpone-version": str(warning.version)}).status_code == 302
        for client in (director, li):
            assert _tile(client.get("/").get_data(as_text=True), "Churn warnings").startswith("Churn warnings 0 ")
        assert len(counts) == 2  # counted again, once for each scope
    finally:
        event.remove(engine, "before_cursor_execute", record)
