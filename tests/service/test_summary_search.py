"""The request lists' "summary contains": each statement compiled once (SQLAlchemy's cache), whatever the
term, and every match once across the pages."""
import re

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.engine.interfaces import CacheStats

from core.testing import walk_pages

ROW = re.compile(r'href="/service/(\d+)"')


@pytest.fixture
def summaries(app, login_as, add_customer, add_request):
    """An account manager's customer with 25 requests of each of two summaries and 2 of a third; the count
    cap is 3, so the first two make long lists (keyset pages, probed rows) and the third a short one."""
    app.config["CRM_COUNT_CAP"] = 3
    manager, other = login_as("account_manager"), login_as("account_manager")
    mine, theirs = add_customer(manager_id=manager.user_id), add_customer(manager_id=other.user_id)
    ids = {}
    for summary, count in (("打印机卡纸", 25), ("发票金额有误", 25), ("服务器宕机", 2)):
        ids[summary] = [add_request(mine, summary=f"{summary}{n}", created_by_id=manager.user_id)
                        for n in range(count)]
        add_request(theirs, summary=f"{summary}（另一位经理）", created_by_id=other.user_id)  # never the manager's
    return manager, ids


def _compiled(client, url: str) -> tuple[str, list]:
    """The page, and for each statement over the requests whether SQLAlchemy took it from its cache."""
    hits = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM service_request" in statement and isinstance(context, DefaultExecutionContext):
            hits.append((context.cache_hit is CacheStats.CACHE_HIT, statement))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), hits


@pytest.mark.parametrize("first, second, cap", [
    ("卡纸", "发票", "long"),  # two characters, probed row by row along the order (past the cap)
    ("宕机", "器宕", "short"),  # two characters within the cap: the gram's postings
    ("打印机卡", "发票金额", "long"),  # the FTS index, probed along the order
    ("服务器宕", "务器宕机", "short"),
])
def test_a_summary_search_is_compiled_once_and_each_term_finds_its_own_requests(summaries, first, second, cap):
    """Before, these conditions could not be cached: every list page compiled its statements again (an
    account manager's summary search: ~20 ms of CPU a page on its count's three arms and the page)."""
    manager, ids = summaries
    _compiled(manager, f"/service/?summary={first}")
    page, hits = _compiled(manager, f"/service/?summary={second}")
    assert hits and all(hit for hit, _statement in hits), hits
    expected = next(found for summary, found in ids.items() if second in summary)
    shown = [int(id_) for id_ in dict.fromkeys(ROW.findall(page))]
    assert ("3+" in page) == (cap == "long")
    assert set(shown) <= set(expected) and shown, (shown, expected)
    assert sorted(walk_pages(manager, f"/service/?summary={second}", ROW)) == sorted(expected)
