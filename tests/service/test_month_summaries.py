"""The whole team's service reports and average satisfaction come from the monthly tables of
``plugins/service/month_summaries.py``, which always equal the requests and rounds: after the flow's writes
through HTTP and rows written by scripts, the pages a director and an executive see are the pages the direct
aggregate over the requests gives (in any time zone, whose new year is seldom a UTC month's first moment), and
they read no request or round to draw them."""
import random
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core.api import db, utcnow
from core.testing import page_contents, recounted_rows, summary_rows
from plugins.service import reports, services
from plugins.service.models import Round, ServiceRequest
from plugins.service.month_summaries import ARCHIVED_MONTHS, REQUEST_MONTHS, ROUND_MONTHS

KEYS = ("by_type", "satisfaction_by_type", "satisfaction_by_handler", "sla_attainment")
SUMMARIES = (REQUEST_MONTHS, ARCHIVED_MONTHS, ROUND_MONTHS)


def _pages(client) -> dict:
    """The dashboard and the service reports (every year and each year, each priority) and their exports."""
    year = utcnow().year
    urls = ["/"]
    for key in KEYS:
        urls += [f"/reports/service.{key}", f"/reports/service.{key}/export.csv"]
        urls += [f"/reports/service.{key}?year={y}" for y in range(year - 3, year + 1)]
    urls += [f"/reports/service.sla_attainment?priority={p}" for p in ("low", "normal", "high", "urgent")]
    urls += [f"/reports/service.sla_attainment?priority=urgent&year={year - 1}"]
    client.get("/")  # shows (and so forgets) the messages of earlier actions
    return page_contents(client, urls)


def _direct(monkeypatch):
    """From here on the reports and the tile aggregate the requests themselves, as before the summaries."""
    monkeypatch.setattr(reports, "sees_all", lambda: False)
    monkeypatch.setattr(services, "sees_all", lambda: False)


def _stored(app) -> dict:
    return {(summary.table.name, *key): values for summary in SUMMARIES
            for key, values in summary_rows(app, summary).items()}


def _recounted(app) -> dict:
    return {(summary.table.name, *key): values for summary in SUMMARIES
            for key, values in recounted_rows(app, summary).items()}


def _new_years(year: int) -> list[datetime]:
    """Moments around the first of January in UTC, Beijing (16:00 UTC the day before) and New York (05:00 UTC)."""
    moments = []
    for y in (year - 1, year):
        first = datetime(y, 1, 1)
        for offset in (-8, -5, 0, 5):
            for nudge in (timedelta(microseconds=-1), timedelta(0), timedelta(seconds=1)):
                moments.append(first + timedelta(hours=offset) + nudge)
    return moments


def _varied(app, add_request, customers, people, seed=13) -> None:
    """Requests in every status over four years (archived ones around new years and month ends), with and
    without a satisfaction; rated rounds by each handler and by none."""
    rng = random.Random(seed)
    year = utcnow().year
    edges = _new_years(year) + [datetime(year - 1, 6, 30, 23, 59, 59), datetime(year - 1, 7, 1)]
    start = datetime(year - 3, 1, 1)
    span = int((utcnow() - timedelta(days=2) - start).total_seconds())
    for n in range(90):
        status = rng.choice(("new", "assigned", "handled", "archived", "archived", "archived"))
        created = edges[n] - timedelta(days=rng.choice((0, 0, 3))) if n < len(edges) \
            else start + timedelta(seconds=rng.randrange(span))
        fields = {}
        if status == "archived":
            archived = edges[n] if n < len(edges) else created + timedelta(hours=rng.randrange(1, 400))
            fields = dict(archived_at=archived, satisfaction=rng.choice((None, 1, 3, 4, 4, 5)),
                          response_state=rng.choice(("met", "breached")),
                          resolution_state=rng.choice(("met", "met", "breached")))
        add_request(rng.choice(customers), status=status, type=rng.choice(("consultation", "suggestion", "complaint")),
                    priority=rng.choice(("low", "normal", "high", "urgent")), at=created,
                    created_by_id=rng.choice(people), assignee_id=rng.choice(people) if status != "new" else None,
                    **fields)
    with app.app_context():
        for request_id in db.session.scalars(select(ServiceRequest.id).where(ServiceRequest.status != "new")):
            for number in range(1, rng.randrange(1, 4)):
                rated = rng.random() < 0.8
                at = (edges[rng.randrange(len(edges))] if rng.random() < 0.3
                      else start + timedelta(seconds=rng.randrange(span)))
                db.session.add(Round(request_id=request_id, number=number, handling="上门处理",
                                     handler_id=rng.choice(people), handled_at=at - timedelta(hours=1),
                                     satisfaction=rng.choice((1, 2, 3, 4, 5)) if rated else None,
                                     feedback_at=at if rated else None))
        db.session.commit()


def _flow(director, manager, load) -> None:
    """One request through the pages: created, assigned, handled, rated 2, handled again, rated 4; another
    created and deleted while new."""
    created = []
    for summary in ("打印机无法连接", "多余的请求"):
        response = manager.post("/service/new", data={
            "customer_id": "北京华信科技有限公司", "type": "complaint", "priority": "high",
            "summary": summary, "text": "客户来电。"})
        assert response.status_code == 302
        created.append(int(response.headers["Location"].rstrip("/").split("/")[-1]))
    kept, spare = created
    assert director.post(f"/service/{spare}/delete", data={"version": load(spare).version}).status_code == 302
    assert director.post(f"/service/{kept}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-version": load(kept).version}).status_code == 302
    for satisfaction in ("2", "4"):
        assert manager.post(f"/service/{kept}/handle", data={
            "handle-handling": "上门更换了网卡", "handle-version": load(kept).version}).status_code == 302
        assert manager.post(f"/service/{kept}/feedback", data={
            "feedback-result": "好", "feedback-satisfaction": satisfaction,
            "feedback-version": load(kept).version}).status_code == 302
    assert load(kept).status == "archived" and load(spare) is None


@pytest.fixture
def team(login_as, add_customer):
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    customers = [add_customer(manager_id=li.user_id), add_customer(manager_id=zhang.user_id), add_customer()]
    return li, zhang, customers


def test_team_pages_from_the_summaries_equal_the_direct_aggregate(app, login_as, add_request, team, load,
                                                                   monkeypatch):
    li, zhang, customers = team
    director = login_as("sales_director")
    _varied(app, add_request, customers, [li.user_id, zhang.user_id, None])
    _flow(director, li, load)
    assert _stored(app) == _recounted(app) and len(_stored(app)) > 50

    executive = login_as("executive")
    from_summary = {role: _pages(client) for role, client in (("director", director), ("executive", executive))}
    assert "Li Ming" in from_summary["director"]["/reports/service.satisfaction_by_handler"]
    _direct(monkeypatch)
    for role, client in (("director", director), ("executive", executive)):
        direct = _pages(client)
        for url, page in from_summary[role].items():
            assert page == direct[url], (role, url)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Asia/Kathmandu", "UTC"])
def test_the_years_satisfaction_in_any_time_zone(app, login_as, add_request, team, monkeypatch, zone):
    li, zhang, customers = team
    rng = random.Random(zone)
    for at in _new_years(utcnow().year):
        add_request(customers[0], status="archived", at=at - timedelta(days=1), archived_at=at,
                    satisfaction=rng.choice((1, 3, 4, 5, None)))
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    director = login_as("sales_director")
    page = _pages(director)["/"]
    _direct(monkeypatch)
    assert _pages(director)["/"] == page and "Average satisfaction" in page


def _reading(plans, table: str) -> list:
    """The plans of statements that name ``table`` itself (not a table whose name starts with it)."""
    return [plan for plan in plans if re.search(rf"\b{table}\b", plan.sql)]


def test_the_team_pages_read_no_request_or_round(app, login_as, add_request, team, query_plans):
    li, zhang, customers = team
    _varied(app, add_request, customers, [li.user_id, None], seed=4)
    director = login_as("sales_director")
    year = utcnow().year
    for key in KEYS:
        for url in (f"/reports/service.{key}", f"/reports/service.{key}?year={year}"):
            for table in ("service_request", "service_round"):
                assert _reading(query_plans(director, url, table), table) == [], (url, table)
    # the dashboard's average satisfaction reads at most the requests archived in a part of a month
    plans = query_plans(director, "/", "service_request")
    assert not any("avg(service_request.satisfaction)" in plan.sql for plan in plans), [p.sql for p in plans]


def test_a_rebuild_restores_the_tables(app, login_as, add_request, team):
    li, zhang, customers = team
    _varied(app, add_request, customers, [li.user_id, None], seed=9)
    expected = _stored(app)
    with app.app_context():
        for summary in SUMMARIES:
            db.session.execute(summary.table.delete())
        db.session.commit()
        for summary in SUMMARIES:
            summary.rebuild(db.session.connection())
        db.session.commit()
    assert _stored(app) == expected == _recounted(app)


def test_the_dashboards_open_requests_are_counted_and_listed_from_index_entries(app, login_as, add_request, team,
                                                                                query_plans):
    """The open requests, those past a target and an account manager's own are counted from the status index
    without reading a request, and the widgets find their oldest few along it (per status, in order): at a
    million customers the widget of breached requests read 440,000 archived requests before the open ones."""
    li, zhang, customers = team
    _varied(app, add_request, customers, [li.user_id, zhang.user_id, None], seed=21)
    for client in (login_as("sales_director"), li):
        plans = _reading(query_plans(client, "/", "service_request"), "service_request")
        counts = [plan for plan in plans if plan.sql.lstrip().startswith("SELECT count")]
        assert len(counts) >= 2
        for plan in counts:  # (PostgreSQL plans a test's few rows by bitmap; at scale it reads the index only)
            assert "COVERING INDEX" in plan or "cost=" in plan and not query_plans.full_scans(plan, "service_request")
        oldest = [plan for plan in plans if "UNION ALL" in plan.sql or "ORDER BY service_request.created_at" in plan.sql]
        assert oldest
        for plan in oldest:
            assert not query_plans.sorts(plan) or "ix_service_request_status_created" in plan, plan
            assert "ix_service_request_created_at_id" not in plan, plan
