"""Customers' reports through the reports plugin, as the real roles, against hand-computed figures."""
import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from core.api import db
from plugins.customers.churn import LOST, WARNING, ChurnRecord
from plugins.customers.models import Customer, Order, OrderLine


def _table(page: str) -> list[list[str]]:
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [[re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.fixture
def book(app, login_as, add_customer, add_product):
    """Two account managers' customers, orders in 2025 and 2026, two confirmed losses and a warning."""
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    a = add_customer(li.user_id, name="北京华信科技", level="3", credit="5", satisfaction="4")
    b = add_customer(li.user_id, name="上海宏达贸易", level="1", credit="3", satisfaction="3")
    c = add_customer(zhang.user_id, name="广州天河电子", level="3", credit="3", satisfaction="3")
    add_customer(zhang.user_id, name="已删除客户", level="5", status="deleted")
    product = add_product()
    orders = [(a, date(2025, 3, 10), "1", "100.00"), (a, date(2026, 1, 5), "2", "125.25"),
              (b, date(2026, 2, 1), "4", "250.00"), (c, date(2026, 5, 5), "1", "500.00"),
              (c, date(2026, 5, 20), "2", "10.00")]
    with app.app_context():
        for n, (customer, day, quantity, price) in enumerate(orders):
            order = Order(customer_id=customer, number=f"R{n}", date=day)
            order.lines.append(OrderLine(product_id=product, quantity=Decimal(quantity), price=Decimal(price)))
            db.session.add(order)
        db.session.add_all([
            ChurnRecord(customer_id=a, manager_id=li.user_id, status=LOST, reason="价格太高",
                        lost_at=datetime(2025, 7, 1, 9, 30)),
            ChurnRecord(customer_id=c, manager_id=zhang.user_id, status=LOST, reason="公司搬迁",
                        lost_at=datetime(2026, 2, 3, 15, 0)),
            ChurnRecord(customer_id=b, manager_id=li.user_id, status=WARNING)])
        db.session.commit()
    return {"li": li, "zhang": zhang}


def test_contribution_for_the_team_and_by_year(login_as, book):
    for role in ("sales_director", "executive"):
        client = login_as(role)
        page = client.get("/reports/customers.contribution").get_data(as_text=True)
        assert [[row[0], row[2], row[3]] for row in _table(page)] == [
            ["上海宏达贸易", "1", "1,000.00"], ["广州天河电子", "2", "520.00"], ["北京华信科技", "2", "350.50"]]
        assert "<svg" in page
    director = login_as("sales_director")
    this_year = _table(director.get("/reports/customers.contribution?year=2026").get_data(as_text=True))
    assert [(row[0], row[3]) for row in this_year] == [("上海宏达贸易", "1,000.00"), ("广州天河电子", "520.00"),
                                                      ("北京华信科技", "250.50")]
    last_year = _table(director.get("/reports/customers.contribution?year=2025").get_data(as_text=True))
    assert [(row[0], row[3]) for row in last_year] == [("北京华信科技", "100.00")]
    named = _table(director.get("/reports/customers.contribution?name=天河").get_data(as_text=True))
    assert [row[0] for row in named] == ["广州天河电子"]


def test_an_account_manager_counts_only_their_customers(book):
    li = book["li"]
    rows = _table(li.get("/reports/customers.contribution").get_data(as_text=True))
    assert [(row[0], row[3]) for row in rows] == [("上海宏达贸易", "1,000.00"), ("北京华信科技", "350.50")]
    # naming another manager's customer shows nothing of it
    assert _table(li.get("/reports/customers.contribution?name=天河").get_data(as_text=True)) == []
    workbook = openpyxl.load_workbook(io.BytesIO(li.get("/reports/customers.contribution/export.xlsx").data))
    assert list(workbook.active.iter_rows(min_row=2, values_only=True)) == [
        ("上海宏达贸易", workbook.active["B2"].value, 1, 1000.0), ("北京华信科技", workbook.active["B3"].value, 2, 350.5)]
    assert workbook.active["D2"].number_format == "#,##0.00"
    csv_text = li.get("/reports/customers.contribution/export.csv").get_data(as_text=True)
    assert "广州天河电子" not in csv_text and "1000.00" in csv_text


def test_a_customer_handed_over_counts_in_the_new_managers_contribution(app, login_as, book, customer_form):
    """The years keep a copy of the customer's manager (what an account manager's report reads): the
    handover moves it, and the years an order recomputes afterwards keep the new one."""
    director, li, zhang = login_as("sales_director"), book["li"], book["zhang"]
    with app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.name == "北京华信科技"))
        customer_id, version = customer.id, customer.version
        product = db.session.scalar(select(OrderLine.product_id).limit(1))
    form = customer_form(zhang.user_id, name="北京华信科技", version=str(version))
    assert director.post(f"/customers/{customer_id}/edit", data=form).status_code == 302

    def figures(client, query=""):
        page = client.get("/reports/customers.contribution" + query).get_data(as_text=True)
        return [(row[0], row[3]) for row in _table(page)]

    assert figures(li) == [("上海宏达贸易", "1,000.00")]
    assert figures(zhang) == [("广州天河电子", "520.00"), ("北京华信科技", "350.50")]
    assert figures(zhang, "?year=2025") == [("北京华信科技", "100.00")] and figures(li, "?year=2025") == []
    assert figures(zhang, "?name=华信") == [("北京华信科技", "350.50")] and figures(li, "?name=华信") == []
    with app.app_context():
        order = Order(customer_id=customer_id, number="R-after", date=date(2026, 6, 1))
        order.lines.append(OrderLine(product_id=product, quantity=Decimal("4"), price=Decimal("250.00")))
        db.session.add(order)
        db.session.commit()
    assert figures(zhang) == [("北京华信科技", "1,350.50"), ("广州天河电子", "520.00")]
    assert figures(zhang, "?year=2026") == [("北京华信科技", "1,250.50"), ("广州天河电子", "520.00")]
    assert figures(li, "?year=2026") == [("上海宏达贸易", "1,000.00")]
    # everyone's report is unchanged by who manages the customer
    assert figures(director) == [("北京华信科技", "1,350.50"), ("上海宏达贸易", "1,000.00"), ("广州天河电子", "520.00")]


def test_composition_by_level_credit_and_satisfaction(login_as, book):
    director = login_as("sales_director")
    by_level = _table(director.get("/reports/customers.composition").get_data(as_text=True))
    assert [row[1:] for row in by_level] == [["1", "33.3 %"], ["2", "66.7 %"]]
    assert by_level[0][0] != "1"  # the dictionary's label, not the code
    by_credit = _table(director.get("/reports/customers.composition?dimension=credit").get_data(as_text=True))
    assert [row[1:] for row in by_credit] == [["2", "66.7 %"], ["1", "33.3 %"]]
    by_satisfaction = _table(director.get("/reports/customers.composition?dimension=satisfaction")
                             .get_data(as_text=True))
    assert [row[1:] for row in by_satisfaction] == [["2", "66.7 %"], ["1", "33.3 %"]]
    li = _table(book["li"].get("/reports/customers.composition").get_data(as_text=True))
    assert [row[1:] for row in li] == [["1", "50.0 %"], ["1", "50.0 %"]]


def test_churn_analysis_lists_confirmed_losses(login_as, book):
    director = login_as("sales_director")
    rows = _table(director.get("/reports/customers.churn").get_data(as_text=True))
    assert [(row[0], row[2], row[4], row[5]) for row in rows] == [
        ("2026", "广州天河电子", "Zhang Wei", "公司搬迁"), ("2025", "北京华信科技", "Li Ming", "价格太高")]
    assert rows[0][1] == "Feb 3, 2026"
    per_year = director.get("/reports/customers.churn_per_year").get_data(as_text=True)
    assert _table(per_year) == [["2025", "1"], ["2026", "1"]] and "<svg" in per_year
    only_li = _table(director.get(f"/reports/customers.churn?manager={book['li'].user_id}").get_data(as_text=True))
    assert [row[2] for row in only_li] == ["北京华信科技"]
    by_name = _table(director.get("/reports/customers.churn?customer=天河").get_data(as_text=True))
    assert [row[2] for row in by_name] == ["广州天河电子"]
    li = book["li"]
    assert [row[2] for row in _table(li.get("/reports/customers.churn").get_data(as_text=True))] == ["北京华信科技"]
    refused = li.get(f"/reports/customers.churn?manager={book['zhang'].user_id}").get_data(as_text=True)
    assert "Choose an account manager from the list." in refused and "广州天河电子" not in refused


@pytest.mark.parametrize("url", [
    "/reports/customers.contribution?year=abc", "/reports/customers.contribution?year=20260",
    "/reports/customers.contribution?year=1066", "/reports/customers.composition?dimension=region",
    "/reports/customers.contribution?name=%3Cscript%3E", "/reports/customers.churn?manager=999999999999",
])
def test_bad_filters_get_a_message_and_no_numbers(login_as, book, url):
    response = login_as("sales_director").get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "is-invalid" in page and "<tbody>" not in page


def test_reports_are_refused_without_their_permissions(login_as, book):
    no_reports = login_as(permissions=["reports.report.view", "reports.report.export", "customers.customer.view"])
    for key in ("contribution", "composition", "churn", "churn_per_year"):
        assert no_reports.get(f"/reports/customers.{key}").status_code == 403
        assert no_reports.get(f"/reports/customers.{key}/export.xlsx").status_code == 403
    viewer = login_as(permissions=["reports.report.view", "customers.report.contribution"])
    assert viewer.get("/reports/customers.contribution").status_code == 200
    assert viewer.get("/reports/customers.contribution/export.csv").status_code == 403
