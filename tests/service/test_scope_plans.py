"""An account manager's request lists at 500,000 requests (10,000 of them theirs): the data scope "own"
(their customers', created by them, assigned to them) is counted from index entries, arm by arm, and a
page is read along the sort order's index — never an IN over the manager's customers, never a sort of
all their requests.

SQLite plans from the statistics ANALYZE wrote for the generated million (bench/generate.py
--add-sales-service), copied below; PostgreSQL is checked with sequential scans and sorts switched off.
"""
import re

import pytest
from sqlalchemy import select

from core.api import db
from core.testing import first_next_last, use_postings, walk_pages

REQUESTS = "service_request"
# sqlite_stat1 of service_request at 500,256 requests (50 account managers).
MILLION = [(REQUESTS, index, figures) for index, figures in [
    ("ix_service_request_assignee_scope", "500256 9809 3313 2502 1251 1"),
    ("ix_service_request_created_by_status", "500256 9809 2453 1251 1"),
    ("ix_service_request_customer_manager_status", "500256 10006 2502 1251 1"),
    ("ix_service_request_resolution_due_at_id", "500256 1 1"),
    ("ix_service_request_type_id", "500256 166752 1"),
    ("ix_service_request_assignee_id_id", "500256 9809 1"),
    ("ix_service_request_archived_at", "500256 2"),
    ("ix_service_request_summary_id", "500256 577 1"),
    ("ix_service_request_response_risk", "500256 125064 1"),
    ("ix_service_request_status_resolution_due", "500256 125064 1"),
    ("ix_service_request_customer_created", "500256 2 1"),
    ("ix_service_request_created_at_id", "500256 1 1"),
    ("ix_service_request_status_response_due", "500256 125064 1"),
    ("ix_service_request_status_id", "500256 125064 1"),
    ("ix_service_request_priority", "500256 125064"),
    ("ix_service_request_status_created", "500256 125064 1"),
    ("ix_service_request_status_archived", "500256 125064 2 2 2 2 2"),
    ("ix_service_request_resolution_risk", "500256 125064 1"),
]]
SCOPE_INDEXES = ("ix_service_request_customer_manager_status", "ix_service_request_created_by_status",
                 "ix_service_request_assignee_scope")
SORTS = ["-created", "status", "type", "summary", "assignee", "due"]
ROW = re.compile(r'href="/service/(\d+)"')


@pytest.fixture
def manager(app, login_as, add_customer, add_request):
    """40 requests of a manager — of their customers, created by them, assigned to them, or all three —
    among 8 of another manager's; the count cap is 10, so the manager's list is long (keyset pages)."""
    app.config["CRM_COUNT_CAP"] = 10
    me, other = login_as("account_manager"), login_as("account_manager")
    mine, theirs = add_customer(manager_id=me.user_id), add_customer(manager_id=other.user_id)
    kinds = [(mine, other, other), (mine, me, me), (theirs, me, other), (theirs, other, me), (theirs, other, other),
             (mine, other, None)]  # (customer, creator, assignee); the fifth is not the manager's
    for n in range(48):
        customer, creator, assignee = kinds[n % 6]
        status = "assigned" if assignee is me else ("new", "assigned", "handled", "archived")[n % 4]
        add_request(customer, status=status, created_by_id=creator.user_id,
                    assignee_id=assignee.user_id if assignee is not None and status != "new" else None,
                    summary=f"打印机故障{n % 7}", type=("consultation", "complaint")[n % 2])
    return me


def _sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


@pytest.mark.parametrize("url", ["/service/", "/service/?status=handled", "/service/feedback", "/service/?page=-1"])
def test_a_managers_count_reads_each_scope_arm_from_its_index(app, manager, query_plans, url):
    counts = [plan for plan in query_plans(manager, url, REQUESTS, statistics=MILLION) if plan.bounded_count]
    assert len(counts) == 1
    plan = counts[0]
    assert "customers_customer" not in plan, plan  # no IN over the manager's customers
    assert not query_plans.full_scans(plan, REQUESTS), plan
    if _sqlite(app):  # planned from the statistics at 1M
        for index in SCOPE_INDEXES:
            assert index in plan, (index, plan)
        assert plan.count("USING COVERING INDEX") >= 3, plan
    else:  # three index ranges (a tiny table's: any index holding the arm's columns will do)
        assert len(re.findall(r"Index (Only )?Scan", plan)) >= 3, plan


def test_the_arms_count_each_request_once(app, manager):
    """Requests in several arms (created by, assigned to and of a customer of the manager) count once."""
    app.config["CRM_COUNT_CAP"] = 100
    text = manager.get("/service/?per_page=50").get_data(as_text=True)
    assert "1–40 of 40" in text
    assert len(set(re.findall(r'href="/service/(\d+)"', text))) == 40


@pytest.mark.parametrize("sort", SORTS)
def test_a_managers_long_list_walks_the_sort_order_on_every_page(app, manager, query_plans, sort):
    first = f"/service/?sort={sort}"
    text = manager.get(first).get_data(as_text=True)
    assert "10+" in text
    for url in first_next_last(manager, first):
        pages = [plan for plan in query_plans(manager, url, REQUESTS, sorted_by_index=True, statistics=MILLION)
                 if "ORDER BY" in plan.sql and not plan.bounded_count]
        assert pages, url
        for plan in pages:
            assert "IN (SELECT customers_customer.id" not in plan.sql, (url, plan)
            assert not query_plans.full_scans(plan, REQUESTS), (url, plan)
            assert not query_plans.sorts(plan), (url, plan)


# The summaries' grams at 500,256 requests (service_request_gram): sqlite_stat1, and the postings of a
# gram as TextIndex.postings counts them there (up to POSTINGS_COUNTED): 发票 is in 51,875 summaries.
GRAMS = [("service_request_gram", "service_request_gram", "10323873 34644 1")]
MILLION_POSTINGS = {"故障": 51_875, "打印": 51_875}


@pytest.fixture
def million_postings(monkeypatch):
    """The postings of the generated 500,000 requests instead of the test's few (any other gram: rare)."""
    use_postings(monkeypatch, "service_request_gram", MILLION_POSTINGS)


@pytest.mark.parametrize("role, term, start", [
    ("account_manager", "故障", "scope"),  # 51,875 postings, 10,000 requests of the manager: probe each
    ("account_manager", "障3", "gram"),  # a rare gram: its few postings, whoever asks
    ("sales_director", "故障", "gram"),  # everything visible: the first 10,001 postings
])
def test_a_short_summary_search_is_counted_from_the_fewer_rows(app, manager, login_as, query_plans, million_postings,
                                                               role, term, start):
    """SQLite, told by likelihood() how common the gram is (TextIndex.filter): an account manager's count
    of a frequent gram reads their three scope arms from covering indexes and probes each request's
    (gram, id); before, each arm built the list of all 51,875 postings and read each one's request
    (发票 at 1M: 260 ms -> 9 ms). PostgreSQL: from the grams' GIN index."""
    client = manager if role == "account_manager" else login_as(role)
    counts = [plan for plan in query_plans(client, f"/service/?summary={term}", REQUESTS, statistics=MILLION + GRAMS)
              if plan.bounded_count]
    assert len(counts) == 1
    count = counts[0]
    assert not query_plans.full_scans(count, REQUESTS), count
    if not _sqlite(app):
        assert "service_request_grams" in count, count
        return
    assert "LIST SUBQUERY" not in count, count
    steps = [line.strip() for line in count.splitlines() if line.strip().startswith(("SEARCH", "SCAN"))]
    if start == "gram":
        assert steps[0] == "SEARCH service_request_gram USING PRIMARY KEY (gram=?)", count
    else:
        for index in SCOPE_INDEXES:
            assert f"SEARCH service_request USING COVERING INDEX {index}" in count, count
        assert count.count("SEARCH service_request_gram USING PRIMARY KEY (gram=? AND row_id=?)") == 3, count


@pytest.mark.parametrize("term", ["故障", "障3", "打印机故障"])
def test_a_managers_summary_search_shows_each_of_their_matches_once(app, manager, million_postings, term):
    """Whatever the count starts from, the pages (keyset past the cap of 10) hold exactly the manager's
    requests whose summary holds the term, each once, newest first, both ways."""
    from plugins.service.models import ServiceRequest as R

    with app.app_context():
        rows = db.session.execute(select(R.id, R.summary).where(R.owned_by(manager.user_id))
                                  .order_by(R.created_at.desc(), R.id.desc())).all()
    expected = [id_ for id_, summary in rows if term in summary]
    assert expected
    url = f"/service/?summary={term}"
    assert walk_pages(manager, url, ROW) == expected
    assert walk_pages(manager, url + "&page=-1", ROW, backwards=True) == expected


@pytest.mark.parametrize("role", ["account_manager", "sales_director"])
def test_a_longer_summary_search_is_counted_from_a_pair_of_its_characters(app, manager, login_as, query_plans,
                                                                          million_postings, role):
    """SQLite: a term of three characters or more is also looked up by the less common of its first and
    last pairs of characters (a gram every matching summary holds), which leads as a short term does,
    the FTS test ("+id IN (...)") only checking the rows found: an account manager's count reads their
    scope arms from covering indexes, probing each request's pair, instead of reading every FTS match's
    request once per arm (服务器间歇 at 1M: 184 ms -> 9 ms)."""
    client = manager if role == "account_manager" else login_as(role)
    counts = [plan for plan in query_plans(client, "/service/?summary=打印机故障", REQUESTS,
                                           statistics=MILLION + GRAMS) if plan.bounded_count]
    assert len(counts) == 1
    count = counts[0]
    assert not query_plans.full_scans(count, REQUESTS), count
    if not _sqlite(app):
        return
    steps = [line.strip() for line in count.splitlines() if line.strip().startswith(("SEARCH", "SCAN"))]
    if role == "account_manager":  # 打印 and 故障: 51,875 postings each
        for index in SCOPE_INDEXES:
            assert f"SEARCH service_request USING COVERING INDEX {index}" in count, count
        assert count.count("SEARCH service_request_gram USING PRIMARY KEY (gram=? AND row_id=?)") == 3, count
    else:
        assert steps[0] == "SEARCH service_request_gram USING PRIMARY KEY (gram=?)", count


@pytest.mark.parametrize("term", ["障3", "打印机故障3"])
def test_a_managers_summary_search_within_the_cap_reads_its_matches_and_sorts_them(app, manager, query_plans,
                                                                                  million_postings, term):
    """The count says the manager's matches are few (within the cap, beside the table), so the page is
    read from them — found by the filters' indexes as if all were wanted, then sorted — never by walking
    the order's index and testing each request: PostgreSQL, estimating the three scope arms and the grams
    at 2.5 times the rows, walked ix_service_request_created_at_id for 20 of the manager's 1,079 requests
    holding 发票 at 1M (125 ms; now 7-11 ms). PostgreSQL plans here with sorts switched off: the matches
    (the subquery's ``service_request_1``) are sorted all the same — no index can spare it —, where the
    page's statement walked the order before. (The rows of the page's 20 ids are then read in order
    along that index too, but only because sorts are off: at 1M, by id, and sorted.)"""
    pages = [plan for plan in query_plans(manager, f"/service/?summary={term}", REQUESTS, sorted_by_index=True,
                                          statistics=MILLION + GRAMS)
             if "ORDER BY" in plan.sql and not plan.bounded_count]
    assert len(pages) == 1
    plan = pages[0]
    assert not query_plans.full_scans(plan, REQUESTS), plan
    if _sqlite(app):
        assert "ix_service_request_created_at_id" not in plan, plan
        assert query_plans.sorts(plan), plan
    else:
        assert "ix_service_request_created_at_id on service_request service_request_1" not in plan, plan
        assert "Sort Key: service_request_1.created_at DESC, service_request_1.id DESC" in plan, plan


def test_a_managers_dashboard_figures_read_each_scope_arm_from_its_index(app, manager, query_plans):
    """The open and the breached requests, this year's average satisfaction and the widgets' counts (requests
    to handle, awaiting feedback) on an account manager's dashboard are read arm after arm (``either_rows``),
    each arm a range of its owner's index holding what it needs: as one OR, the average tested the owners in
    each of this year's ~140,000 archived requests' entries at a million customers (26-43 ms on PostgreSQL),
    the breached count each of the 30,149 open requests' (7-8 ms), the feedback widget each handled one's."""
    plans = [plan for plan in query_plans(manager, "/", REQUESTS, statistics=MILLION) if "UNION ALL" in plan.sql]
    assert len(plans) == 5, [plan.sql for plan in plans]  # open, breached, average satisfaction, two widgets
    for plan in plans:
        assert not query_plans.full_scans(plan, REQUESTS), plan
        if _sqlite(app):  # planned from the statistics at 1M
            # each arm a range of a scope index (the requests to handle: all three of the assignee's)
            arms = re.findall(r"SEARCH service_request USING COVERING INDEX (\w+)", plan)
            assert len(arms) == 3 and set(arms) <= set(SCOPE_INDEXES), plan
            if "assignee_id = ?" not in plan.sql.split("UNION ALL")[0]:
                assert arms == list(SCOPE_INDEXES), plan
        else:
            assert len(re.findall(r"Index (Only )?Scan", plan)) >= 3, plan
