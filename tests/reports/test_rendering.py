"""The reports plugin renders any plugin's report: overview, page with chart and table, CSV and Excel exports."""
from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import Integer, Numeric, String, cast, literal, select
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from core.api import Chart, Column, FilterForm, Permission, Report, hookimpl, lazy_gettext as _l
from core.testing import create_user, log_in
from plugins.reports import exports


class RowsFilter(FilterForm):
    rows = IntegerField(_l("Rows"), validators=[Optional(), NumberRange(min=0, max=1000)])


def numbered_rows(form):
    """``rows`` typed rows (default 3) from a recursive CTE: works the same on SQLite and PostgreSQL."""
    count = form.rows.data if form.rows.data is not None else 3
    numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < count))
    name = (literal("客户") + cast(numbers.c.n, String)).label("name")
    return (select(name, cast(numbers.c.n, Integer).label("orders"),
                   cast(numbers.c.n * literal(Decimal("1000.50")), Numeric(14, 2)).label("amount"),
                   literal(Decimal("12.5")).label("share"), literal("2026-03-04").label("day"))
            .where(numbers.c.n <= count).order_by(numbers.c.n.desc()))


PROBE = Report(
    key="probe.sales", title=_l("Probe sales"), section="探针", permission="probe.report.view",
    description="按客户的金额", filters=RowsFilter, query=numbered_rows,
    columns=(Column("name", "客户"), Column("orders", "订单数", "integer"), Column("amount", "金额", "money"),
             Column("share", "占比", "percent"), Column("day", "日期", "date")),
    chart=Chart("bar", label="name", values=("amount",)),
)
FORMULA = Report(
    key="probe.formula", title="Formula", section="探针", permission="probe.report.view",
    query=lambda form: select(literal("=1+1").label("text"), literal("<script>x()</script>").label("html")),
    columns=(Column("text", "Text"), Column("html", "HTML")), chart=Chart("pie", label="text", values=("text",)),
)


class Probe:
    name = "probe"

    @hookimpl
    def register_permissions(self):
        return [Permission("probe.report.view", "View probe reports")]

    @hookimpl
    def register_reports(self):
        return [PROBE, FORMULA]


@pytest.fixture
def probe_app(make_app):
    return make_app(plugins="probe,reports", extra_plugins=[Probe()])


_users = itertools.count(1)


def client_with(app, permissions, **fields):
    username = f"probe{next(_users)}"
    create_user(app, permissions=permissions, username=username, **fields)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


EVERYTHING = ["reports.report.view", "reports.report.export", "probe.report.view"]


def test_the_overview_lists_the_reports_the_user_may_open_by_section(probe_app):
    page = client_with(probe_app, EVERYTHING).get("/reports/").get_data(as_text=True)
    assert "探针" in page and "Probe sales" in page and "按客户的金额" in page and "/reports/probe.sales" in page
    without = client_with(probe_app, ["reports.report.view"]).get("/reports/").get_data(as_text=True)
    assert "Probe sales" not in without and "No reports are available to you." in without


def test_the_page_shows_the_chart_above_the_table_with_typed_cells(probe_app):
    page = client_with(probe_app, EVERYTHING).get("/reports/probe.sales?rows=3").get_data(as_text=True)
    assert page.index("<svg") < page.index("<table")
    assert "客户3" in page and "3,001.50" in page and "12.5 %" in page and "Mar 4, 2026" in page
    rows = re.findall(r"<td[^>]*>客户(\d)</td>", page)
    assert rows == ["3", "2", "1"]  # the report's order


def test_the_chart_references_nothing_outside_and_holds_chinese_labels(probe_app):
    page = client_with(probe_app, EVERYTHING).get("/reports/probe.sales").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    assert "客户1" in svg
    assert "<script" not in svg.lower() and "<!--" not in svg
    assert not re.search(r"(?:href|src)\s*=", svg)
    assert re.findall(r"https?://[^\"' )]+", svg) == ["http://www.w3.org/2000/svg"]  # the namespace, not a fetch
    assert "url(" not in svg.replace("url(#", "")


def test_a_chart_drawn_again_speaks_each_reader_s_language(probe_app):
    """Charts are kept once drawn (core.charts): the same data read in another language is drawn anew."""
    def chart(**fields):
        page = client_with(probe_app, EVERYTHING, **fields).get("/reports/probe.sales?rows=20").get_data(as_text=True)
        return page[page.index("<svg"):page.index("</svg>")]

    english = chart()
    assert "20K" in english and "万" not in english
    assert chart() == english  # kept, not drawn again
    chinese = chart(language="zh_CN")
    assert "2万" in chinese and "20K" not in chinese


def test_no_rows_show_an_empty_state_not_a_chart(probe_app):
    page = client_with(probe_app, EVERYTHING).get("/reports/probe.sales?rows=0").get_data(as_text=True)
    assert "No data for these filters." in page and "<svg" not in page


def test_bad_filters_say_what_is_wrong_and_show_no_numbers(probe_app):
    client = client_with(probe_app, EVERYTHING)
    assert client.get("/reports/probe.sales", query_string={"rows": "\x00"}).status_code == 400  # refuse_nul
    for bad in ("abc", "10000", "-1", "1e9"):
        response = client.get("/reports/probe.sales", query_string={"rows": bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "is-invalid" in page and "<table" not in page, bad
    export = client.get("/reports/probe.sales/export.xlsx?rows=abc")
    assert export.status_code == 302 and "/reports/probe.sales?rows=abc" in export.headers["Location"]
    assert client.get("/reports/probe.sales?page=abc").status_code == 200


def test_refusals(probe_app):
    viewer = client_with(probe_app, ["reports.report.view", "probe.report.view"])
    assert viewer.get("/reports/probe.sales").status_code == 200
    assert viewer.get("/reports/probe.sales/export.csv").status_code == 403
    assert viewer.get("/reports/probe.sales/export.xlsx").status_code == 403
    assert "Export Excel" not in viewer.get("/reports/probe.sales").get_data(as_text=True)
    outsider = client_with(probe_app, ["reports.report.view", "reports.report.export"])
    assert outsider.get("/reports/probe.sales").status_code == 403
    assert outsider.get("/reports/probe.sales/export.csv").status_code == 403
    assert outsider.get("/reports/nosuch.report").status_code == 404
    everything = client_with(probe_app, EVERYTHING)
    assert everything.get("/reports/probe.sales/export.pdf").status_code == 404
    anonymous = probe_app.test_client()
    assert anonymous.get("/reports/probe.sales").status_code == 302


def test_csv_export_has_every_row_with_plain_values(probe_app):
    response = client_with(probe_app, EVERYTHING).get("/reports/probe.sales/export.csv?rows=150")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["客户", "订单数", "金额", "占比", "日期"]
    assert len(rows) == 151  # not only the page's 100
    assert rows[1] == ["客户150", "150", "150075.00", "12.5", "2026-03-04"]


def test_csv_and_excel_keep_formulas_and_markup_as_text(probe_app):
    client = client_with(probe_app, EVERYTHING)
    text = client.get("/reports/probe.formula/export.csv").get_data(as_text=True)
    assert "'=1+1" in text
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/probe.formula/export.xlsx").data))
    sheet = book.active
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    page = client.get("/reports/probe.formula").get_data(as_text=True)
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page


def test_excel_export_has_a_header_and_typed_cells(probe_app):
    response = client_with(probe_app, EVERYTHING).get("/reports/probe.sales/export.xlsx?rows=2")
    assert response.status_code == 200
    assert "probe-sales.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.title == "Probe sales"
    assert [cell.value for cell in sheet[1]] == ["客户", "订单数", "金额", "占比", "日期"]
    name, orders, amount, share, day = sheet[2]
    assert name.value == "客户2" and name.data_type == "s"
    assert orders.value == 2 and isinstance(orders.value, int)
    assert amount.value == pytest.approx(2001.0) and amount.number_format == "#,##0.00"
    assert share.value == pytest.approx(0.125) and share.number_format == "0.0%"
    assert day.value == datetime(2026, 3, 4) and day.is_date
    assert sheet.max_row == 3


def test_excel_goes_on_in_a_new_sheet_past_the_row_limit(probe_app, monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_ROWS", 3)  # header + 2 rows per sheet instead of 1,048,576
    book = openpyxl.load_workbook(io.BytesIO(
        client_with(probe_app, EVERYTHING).get("/reports/probe.sales/export.xlsx?rows=5").data))
    assert book.sheetnames == ["Probe sales", "Probe sales (2)", "Probe sales (3)"]
    names = [row[0] for sheet in book for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["客户5", "客户4", "客户3", "客户2", "客户1"]
    assert all(sheet["A1"].value == "客户" for sheet in book)


def test_an_empty_report_exports_its_header(probe_app):
    client = client_with(probe_app, EVERYTHING)
    book = openpyxl.load_workbook(io.BytesIO(client.get("/reports/probe.sales/export.xlsx?rows=0").data))
    assert [cell.value for cell in book.active[1]] == ["客户", "订单数", "金额", "占比", "日期"]
    assert book.active.max_row == 1


def test_the_page_is_paged_without_counting_every_row(probe_app):
    client = client_with(probe_app, EVERYTHING)
    first = client.get("/reports/probe.sales?rows=150").get_data(as_text=True)
    assert "客户150" in first and "客户50<" not in first and "page=2" in first
    second = client.get("/reports/probe.sales?rows=150&page=2").get_data(as_text=True)
    assert "客户50<" in second and "客户51<" not in second and "page=3" not in second
    assert "<svg" in second  # the chart still draws the first rows
