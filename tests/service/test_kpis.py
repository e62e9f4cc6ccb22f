"""Service's key figures on the dashboard: open requests, breached SLAs, average satisfaction, within data scope."""
import re
from datetime import datetime

from core.api import utcnow


def _tile(page: str, label: str) -> str:
    """The text of the KPI tile labelled ``label``."""
    tiles = page.split('crm-kpi"')[1:]
    tile = next(tile for tile in tiles if label in tile)
    tile = tile[:tile.index("</a>") if "</a>" in tile else None]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tile.split(">", 1)[1])).strip()


def test_open_breached_and_satisfaction_tiles(login_as, add_customer, add_request):
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    mine, theirs = add_customer(manager_id=li.user_id), add_customer(manager_id=zhang.user_id)
    this_year = datetime(utcnow().year, 1, 5)
    add_request(mine, status="assigned", assignee_id=li.user_id, response_state="breached")
    add_request(mine, status="new")
    add_request(theirs, status="new", created_by_id=zhang.user_id)
    add_request(mine, status="archived", satisfaction=4, archived_at=this_year)
    add_request(mine, status="archived", satisfaction=1, archived_at=datetime(utcnow().year - 1, 6, 1))
    add_request(theirs, status="archived", satisfaction=2, archived_at=this_year, created_by_id=zhang.user_id)

    page = li.get("/").get_data(as_text=True)
    assert _tile(page, "Open service requests").startswith("Open service requests 2 ")
    assert _tile(page, "Breached SLAs").startswith("Breached SLAs 1 ")
    assert f"Average satisfaction {utcnow().year} 4.0 / 5" in _tile(page, "Average satisfaction")
    assert "Your service requests" in _tile(page, "Open service requests")
    team = login_as("sales_director").get("/").get_data(as_text=True)
    assert _tile(team, "Open service requests").startswith("Open service requests 3 ")
    assert "3.0 / 5" in _tile(team, "Average satisfaction") and "Whole team" in _tile(team, "Breached SLAs")
    assert 'href="/service/?overdue=y"' in team
    assert 'href="/reports/service.satisfaction_by_type"' in team
    assert 'href="/service/?status=archived"' in page  # account managers may not open the reports
    assert "Breached SLAs" not in login_as(permissions=["core.dashboard.view"]).get("/").get_data(as_text=True)


def test_an_account_managers_average_takes_each_of_their_requests_once(login_as, add_customer, add_request):
    """Their requests are their customers', created by them or assigned to them (read arm after arm): a
    request in several arms counts once, one in any arm counts."""
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    mine, theirs = add_customer(manager_id=li.user_id), add_customer(manager_id=zhang.user_id)
    this_year = datetime(utcnow().year, 1, 5)
    for customer, creator, assignee, satisfaction in [
            (mine, zhang, zhang, 4),  # their customer's
            (theirs, li, zhang, 5),  # created by them
            (theirs, zhang, li, 2),  # assigned to them
            (mine, li, li, 1),  # all three
            (theirs, zhang, zhang, 3)]:  # not theirs (the other manager's, as are the first three)
        add_request(customer, status="archived", satisfaction=satisfaction, archived_at=this_year,
                    created_by_id=creator.user_id, assignee_id=assignee.user_id)
    assert "3.0 / 5" in _tile(li.get("/").get_data(as_text=True), "Average satisfaction")  # (4 + 5 + 2 + 1) / 4
    assert "3.5 / 5" in _tile(zhang.get("/").get_data(as_text=True), "Average satisfaction")  # (4 + 5 + 2 + 3) / 4
