"""Marketing's reports rendered by the reports plugin, over HTTP, as the real roles and within their data scope."""
import io
import re
from datetime import datetime

import openpyxl

from core.api import utcnow
from core.testing import wait_for_job


def _table(page: str) -> list[list[str]]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _won_and_lost(add_opportunity, stage_ids, manager_id, other_id):
    closed = datetime(utcnow().year, 3, 1)
    add_opportunity("won", stage_ids[3], manager_id, amount="8000.00", probability=100, closed_at=closed)
    add_opportunity("lost", stage_ids[1], manager_id, amount="700.00", probability=0, closed_at=closed,
                    lost_reason="price")
    add_opportunity("lost", stage_ids[1], other_id, amount="300.00", probability=0, closed_at=closed,
                    lost_reason="price")
    add_opportunity("lost", stage_ids[1], other_id, amount="100.00", probability=0, closed_at=closed,
                    lost_reason="budget")


def test_director_and_executive_see_the_teams_numbers(login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager", display_name="Li Ming")
    other = login_as("account_manager", display_name="Zhang Wei")
    _won_and_lost(add_opportunity, stage_ids, manager.user_id, other.user_id)
    for role in ("sales_director", "executive"):
        client = login_as(role)
        index = client.get("/reports/").get_data(as_text=True)
        assert "Sales funnel" in index and "Lost reasons" in index
        page = client.get("/reports/marketing.lost_reasons").get_data(as_text=True)
        assert "<svg" in page
        assert _table(page) == [["Price", "2", "1,000.00"], ["No budget", "1", "100.00"]]
        rates = _table(client.get("/reports/marketing.win_rate").get_data(as_text=True))
        assert [row[:4] for row in rates] == [["Li Ming", "1", "1", "50.0 %"], ["Zhang Wei", "0", "2", "0.0 %"]]


def test_an_account_manager_sees_only_their_own_numbers(login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager", display_name="Li Ming")
    other = login_as("account_manager", display_name="Zhang Wei")
    _won_and_lost(add_opportunity, stage_ids, manager.user_id, other.user_id)
    rows = _table(manager.get("/reports/marketing.lost_reasons").get_data(as_text=True))
    assert [row[1:] for row in rows] == [["1", "700.00"]]
    # naming another manager in the filter shows nothing of theirs
    page = manager.get(f"/reports/marketing.funnel?assignee={other.user_id}").get_data(as_text=True)
    assert "300.00" not in page
    book = openpyxl.load_workbook(io.BytesIO(manager.get("/reports/marketing.win_rate/export.xlsx").data))
    values = list(book.active.iter_rows(min_row=2, values_only=True))
    assert values == [("Li Ming", 1, 1, 0.5, 8000.0)]


def test_a_year_that_is_not_a_year_is_refused_beside_the_field(login_as):
    client = login_as("sales_director")
    for bad in ("abc", "99999", "1"):
        page = client.get("/reports/marketing.lost_reasons", query_string={"year": bad}).get_data(as_text=True)
        assert "is-invalid" in page and "<table" not in page


def test_a_long_export_is_written_by_a_worker(app, login_as, add_opportunity, stage_ids, worker):
    app.config["CRM_DIRECT_EXPORT_ROWS"] = 1
    manager = login_as("account_manager", display_name="Li Ming")
    other = login_as("account_manager", display_name="Zhang Wei")
    _won_and_lost(add_opportunity, stage_ids, manager.user_id, other.user_id)
    director = login_as("sales_director")
    response = director.get("/reports/marketing.lost_reasons/export.xlsx")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    state = wait_for_job(director, response.headers["Location"])
    assert state["state"] == "done", state
    book = openpyxl.load_workbook(io.BytesIO(director.get(state["download_url"]).data))
    assert [row[1:] for row in book.active.iter_rows(min_row=2, values_only=True)] == [(2, 1000.0), (1, 100.0)]
