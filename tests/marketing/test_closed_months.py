"""The whole team's win rate and lost reasons come from the closed months (marketing_closed_month), its funnel,
forecast and open pipeline from the open totals (marketing_open_total), which always equal the won and lost,
and the open opportunities: after the flow's writes through HTTP and rows written by scripts, the pages a
director and an executive see are the pages the direct aggregate over the opportunities gives, and they read no
opportunity to draw them."""
import random
from datetime import datetime, timedelta

from core.api import db, utcnow
from core.testing import page_contents, recounted_rows, second_writer_waiting, summary_rows
from plugins.marketing import reports, services
from plugins.marketing.closed_months import CLOSED_MONTHS, ClosedMonth
from plugins.marketing.models import Opportunity
from plugins.marketing.open_totals import OPEN_TOTALS, OpenTotal

REASONS = ("price", "competitor", "budget", "other")


def _pages(client) -> dict:
    """The dashboard and the closed opportunities' reports (every year, and each year) and their exports."""
    urls = ["/"] + [f"/reports/marketing.{key}{year}" for key in ("win_rate", "lost_reasons")
                    for year in ("", *(f"?year={y}" for y in range(utcnow().year - 3, utcnow().year + 1)))]
    urls += ["/reports/marketing.win_rate/export.csv", "/reports/marketing.lost_reasons/export.csv"]
    client.get("/")  # shows (and so forgets) the messages of earlier actions
    return page_contents(client, urls)


def _open_pages(client, people) -> dict:
    """The dashboard and the open opportunities' reports (everyone's and each assignee's) and their exports."""
    urls = ["/"] + [f"/reports/marketing.{key}{query}" for key in ("funnel", "forecast")
                    for query in ("", *(f"?assignee={person}" for person in people if person))]
    urls += ["/reports/marketing.funnel/export.csv", "/reports/marketing.forecast/export.csv"]
    client.get("/")
    return page_contents(client, urls)


def _direct(monkeypatch):
    """From here on the reports and the tile aggregate the opportunities themselves, as before the summary."""
    monkeypatch.setattr(reports, "sees_all", lambda: False)
    monkeypatch.setattr(services, "sees_all", lambda: False)


def _stored(app) -> dict:
    return summary_rows(app, CLOSED_MONTHS)


def _recounted(app) -> dict:
    return recounted_rows(app, CLOSED_MONTHS)


def _varied(add_opportunity, stage_ids, people, seed=11) -> None:
    """Opportunities of every status over four years, on month and year boundaries, with and without an
    assignee or an amount."""
    rng = random.Random(seed)
    year = utcnow().year
    edges = [datetime(y, 1, 1) for y in range(year - 2, year + 1)] + \
            [datetime(y, 1, 1) - timedelta(microseconds=1) for y in range(year - 2, year + 1)] + \
            [datetime(year - 1, 6, 30, 23, 59, 59), datetime(year - 1, 7, 1)]
    for n in range(70):
        status = rng.choice(("unassigned", "developing", "won", "lost", "lost"))
        closed = (edges[n] if n < len(edges) else datetime(year - 3, 1, 1) + timedelta(
            seconds=rng.randrange(int((utcnow() - datetime(year - 3, 1, 1)).total_seconds())))) \
            if status in ("won", "lost") else None
        add_opportunity(status, stage_ids[rng.randrange(4)] if status != "unassigned" else None,
                        rng.choice(people) if status != "unassigned" else None,
                        amount=rng.choice(("", "0.01", "1999.99", "1600000.00", "12.34")), closed_at=closed,
                        probability={"won": 100, "lost": 0}.get(status, rng.choice((10, 30, 50))),
                        lost_reason=rng.choice(REASONS) if status == "lost" else "",
                        created_by_id=rng.choice(people))


def _flow(app, director, manager, stage_ids, opportunity_form, lose: bool) -> int:
    """One opportunity through the pages: created, assigned, moved a stage, then won or lost."""
    response = director.post("/marketing/new", data=opportunity_form(amount="4321.09"))
    assert response.status_code == 302
    opportunity_id = int(response.headers["Location"].rstrip("/").split("/")[-1])

    def version():
        with app.app_context():
            return db.session.get(Opportunity, opportunity_id).version

    assert director.post(f"/marketing/{opportunity_id}/assign", data={
        "assign-assignee_id": manager.user_id, "assign-stage_id": stage_ids[0],
        "assign-version": version()}).status_code == 302
    assert manager.post(f"/marketing/{opportunity_id}/move",
                        data={"to": f"stage-{stage_ids[2]}", "version": version()}).status_code == 302
    if lose:
        response = manager.post(f"/marketing/{opportunity_id}/lost", data={
            "lost-reason": "competitor", "lost-note": "", "lost-version": version()})
    else:
        response = manager.post(f"/marketing/{opportunity_id}/won", data={"customer": "new", "version": version()})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Opportunity, opportunity_id).status == ("lost" if lose else "won")
    return opportunity_id


def test_team_pages_from_the_summary_equal_the_direct_aggregate(app, login_as, add_opportunity, stage_ids,
                                                                 opportunity_form, monkeypatch):
    director = login_as("sales_director")
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    _varied(add_opportunity, stage_ids, [li.user_id, zhang.user_id, None])
    _flow(app, director, li, stage_ids, opportunity_form, lose=False)
    _flow(app, director, zhang, stage_ids, opportunity_form, lose=True)
    # deleted while unassigned (never counted), and a refused change that rolls back
    unassigned = add_opportunity(created_by_id=director.user_id)
    with app.app_context():
        version = db.session.get(Opportunity, unassigned).version
    assert director.post(f"/marketing/{unassigned}/delete", data={"version": version}).status_code == 302
    assert _stored(app) == _recounted(app) and len(_stored(app)) > 20

    executive = login_as("executive")
    from_summary = {role: _pages(client) for role, client in (("director", director), ("executive", executive))}
    assert "Li Ming" in from_summary["director"]["/reports/marketing.win_rate"]
    _direct(monkeypatch)
    for role, client in (("director", director), ("executive", executive)):
        direct = _pages(client)
        for url, page in from_summary[role].items():
            assert page == direct[url], (role, url)


def test_an_account_managers_pages_still_count_only_their_own(app, login_as, add_opportunity, stage_ids,
                                                              monkeypatch):
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    _varied(add_opportunity, stage_ids, [li.user_id, zhang.user_id, None], seed=5)
    mine = _pages(li)
    team = _pages(login_as("sales_director"))
    assert mine["/reports/marketing.win_rate"] != team["/reports/marketing.win_rate"]
    _direct(monkeypatch)
    assert _pages(li) == mine


def test_the_team_pages_read_no_opportunity(app, login_as, add_opportunity, stage_ids, query_plans):
    li = login_as("account_manager", display_name="Li Ming")
    _varied(add_opportunity, stage_ids, [li.user_id, None], seed=3)
    director = login_as("sales_director")
    year = utcnow().year
    for url in ("/reports/marketing.win_rate", f"/reports/marketing.win_rate?year={year}",
                "/reports/marketing.lost_reasons", f"/reports/marketing.lost_reasons?year={year}"):
        assert query_plans(director, url, "marketing_opportunity") == [], url
    # the dashboard's win rate too (its pipeline tile reads the open opportunities' index)
    plans = query_plans(director, "/", "marketing_opportunity")
    assert not any("marketing_opportunity.closed_at >=" in plan.sql for plan in plans), [p.sql for p in plans]


def test_a_rebuild_restores_the_table(app, login_as, add_opportunity, stage_ids):
    li = login_as("account_manager")
    _varied(add_opportunity, stage_ids, [li.user_id, None], seed=8)
    expected = _stored(app)
    with app.app_context():
        db.session.execute(ClosedMonth.__table__.delete())
        db.session.commit()
        CLOSED_MONTHS.rebuild(db.session.connection())
        db.session.commit()
    assert _stored(app) == expected == _recounted(app)


def test_scripts_changing_and_deleting_closed_opportunities_keep_it_equal(app, login_as, add_opportunity,
                                                                          stage_ids):
    """Rows changed twice before a commit, moved to another month, assignee and reason, deleted; a rollback."""
    li = login_as("account_manager")
    first = add_opportunity("won", stage_ids[3], li.user_id, amount="10.00", closed_at=datetime(2025, 3, 31, 23))
    second = add_opportunity("lost", stage_ids[1], li.user_id, amount="", closed_at=datetime(2025, 3, 2),
                             lost_reason="price")
    with app.app_context():
        won = db.session.get(Opportunity, first)
        won.amount = won.amount + 5
        db.session.flush()
        won.closed_at, won.assignee_id = datetime(2025, 4, 1), None
        db.session.flush()
        lost = db.session.get(Opportunity, second)
        lost.lost_reason, lost.amount = "budget", 7
        db.session.commit()
    assert _stored(app) == _recounted(app) == {
        (datetime(2025, 4, 1).date(), "won", "", 0): (1, 15),
        (datetime(2025, 3, 1).date(), "lost", "budget", li.user_id): (1, 7)}
    with app.app_context():
        db.session.delete(db.session.get(Opportunity, second))
        db.session.flush()
        db.session.rollback()  # nothing of it stays
    assert len(_stored(app)) == 2
    with app.app_context():
        db.session.delete(db.session.get(Opportunity, second))
        db.session.commit()
    assert _stored(app) == _recounted(app) == {(datetime(2025, 4, 1).date(), "won", "", 0): (1, 15)}


def test_two_transactions_closing_into_one_month_add_up(app, login_as, add_opportunity, stage_ids):
    """PostgreSQL: the second waits for the first's row of the month, then adds to it (no lost update, no
    duplicate-key error)."""
    import pytest
    from sqlalchemy.orm import Session

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one write transaction at a time")
    li = login_as("account_manager")
    ids = [add_opportunity("developing", stage_ids[0], li.user_id, amount="100.00") for _ in range(2)]
    closed = datetime(2025, 5, 5)

    def close(session, opportunity_id):
        opportunity = session.get(Opportunity, opportunity_id)
        opportunity.status, opportunity.closed_at = "won", closed
        session.flush()

    with app.app_context():
        first, second = Session(db.engine), Session(db.engine)
        close(first, ids[0])                              # holds the new month's key, not committed yet
        with second_writer_waiting(db.engine, second, lambda session: close(session, ids[1])) as failures:
            first.commit()
        first.close()
        second.close()
    assert failures == []
    assert _stored(app) == _recounted(app) == {(closed.date().replace(day=1), "won", "", li.user_id): (2, 200)}


def test_team_open_figures_from_the_totals_equal_the_direct_aggregate(app, login_as, add_opportunity, stage_ids,
                                                                       opportunity_form, monkeypatch):
    """Created, assigned, moved between stages, won, lost, deleted through the pages; changed and deleted by
    a script (amount, probability, close date, assignee, stage), a rollback: the totals equal a recount, and the
    team's funnel, forecast and pipeline tile equal the aggregate over the opportunities."""
    director = login_as("sales_director")
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    _varied(add_opportunity, stage_ids, [li.user_id, zhang.user_id, None], seed=17)
    _flow(app, director, li, stage_ids, opportunity_form, lose=False)
    _flow(app, director, zhang, stage_ids, opportunity_form, lose=True)
    developing = add_opportunity("developing", stage_ids[1], li.user_id, amount="250.50", probability=30)
    unassigned = add_opportunity(created_by_id=director.user_id, amount="99.99")
    with app.app_context():
        opportunity = db.session.get(Opportunity, developing)
        opportunity.probability, opportunity.amount = 70, None
        db.session.flush()
        opportunity.close_date, opportunity.assignee_id, opportunity.stage_id = \
            datetime(2027, 3, 9).date(), zhang.user_id, stage_ids[2]
        db.session.commit()
        db.session.delete(db.session.get(Opportunity, unassigned))
        db.session.flush()
        db.session.rollback()  # nothing of it stays
        version = db.session.get(Opportunity, unassigned).version
    assert director.post(f"/marketing/{unassigned}/delete", data={"version": version}).status_code == 302
    stored = summary_rows(app, OPEN_TOTALS)
    assert stored == recounted_rows(app, OPEN_TOTALS) and len(stored) >= 8
    assert stored[(zhang.user_id, stage_ids[2], "2027-03")][:2] == (1, 0)

    people, clients = [li.user_id, zhang.user_id], (("director", director), ("executive", login_as("executive")))
    from_totals = {role: _open_pages(client, people) for role, client in clients}
    _direct(monkeypatch)
    for role, client in clients:
        assert _open_pages(client, people) == from_totals[role], role


def test_the_team_open_figures_read_no_opportunity(app, login_as, add_opportunity, stage_ids, query_plans):
    li = login_as("account_manager", display_name="Li Ming")
    _varied(add_opportunity, stage_ids, [li.user_id, None], seed=4)
    director = login_as("sales_director")
    for url in ("/reports/marketing.funnel", f"/reports/marketing.funnel?assignee={li.user_id}",
                "/reports/marketing.forecast", f"/reports/marketing.forecast?assignee={li.user_id}"):
        assert query_plans(director, url, "marketing_opportunity") == [], url
    plans = query_plans(director, "/", "marketing_opportunity")  # (the unassigned ones' widget reads a page)
    assert not any("marketing_opportunity.status IN" in plan.sql for plan in plans), [p.sql for p in plans]


def test_a_rebuild_restores_the_open_totals(app, login_as, add_opportunity, stage_ids):
    li = login_as("account_manager")
    _varied(add_opportunity, stage_ids, [li.user_id, None], seed=9)
    expected = summary_rows(app, OPEN_TOTALS)
    with app.app_context():
        db.session.execute(OpenTotal.__table__.delete())
        db.session.commit()
        OPEN_TOTALS.rebuild(db.session.connection())
        db.session.commit()
    assert summary_rows(app, OPEN_TOTALS) == expected == recounted_rows(app, OPEN_TOTALS)
