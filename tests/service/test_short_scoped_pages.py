"""An account manager's request list within the count's cap, read from their requests and sorted
(core.paging: with an ``either`` scope a walk of the order's index would pass every other request): each
of their requests once, in the list's order, on every page, forward and backwards, whatever the sort."""
import re
from datetime import datetime, timedelta

import pytest

from core.testing import walk_pages

ROW = re.compile(r'href="/service/(\d+)"')
SORTS = ["-created", "created", "status", "-status", "type", "summary", "assignee", "-assignee", "customer", "due"]


@pytest.fixture
def manager(app, login_as, add_customer, add_request):
    """90 requests of a manager (of their customers, created by them, assigned to them) among 210 of
    another's, with many equal sort values: four creation times, two types, NULL assignees."""
    me, other = login_as("account_manager"), login_as("account_manager")
    mine, theirs = add_customer(manager_id=me.user_id), add_customer(manager_id=other.user_id)
    kinds = [(mine, other, other), (mine, me, me), (theirs, me, other), (theirs, other, me), (mine, other, None)]
    moment = datetime(2026, 3, 2, 9, 30)
    for n in range(300):
        customer, creator, assignee = kinds[n % 5] if n % 10 < 3 else (theirs, other, other)
        status = ("new", "assigned", "handled", "archived")[n % 4] if assignee is not None else "new"
        add_request(customer, status=status, created_by_id=creator.user_id,
                    assignee_id=assignee.user_id if status != "new" else None,
                    summary=f"打印机故障{n % 3}", type=("consultation", "complaint")[n % 2],
                    at=moment + timedelta(minutes=n % 4))
    return me


@pytest.mark.parametrize("filters", ["", "&type=complaint", "&summary=故障1"])
def test_a_short_scoped_list_shows_each_request_once_in_order(app, manager, filters):
    """The same list past the cap (keyset pages walking the order) gives the order to expect."""
    for sort in SORTS:
        url = f"/service/?sort={sort}{filters}"
        app.config["CRM_COUNT_CAP"] = 20  # (a cap below the page size would show a short list's rows twice)
        expected = walk_pages(manager, url, ROW)
        assert len(expected) == len(set(expected)) > 20, url
        app.config["CRM_COUNT_CAP"] = 1000
        assert f"of {len(expected)}<" in manager.get(url).get_data(as_text=True), url
        assert walk_pages(manager, url, ROW) == expected, url
        assert walk_pages(manager, url + "&page=-1", ROW, backwards=True) == expected, url
