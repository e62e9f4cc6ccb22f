"""Marketing's reports (core.api.Report) and public service: their numbers, within the user's data scope."""
from datetime import date, datetime
from decimal import Decimal

from flask_login import login_user
from werkzeug.datastructures import MultiDict

from core.api import User, db, utcnow
from plugins.marketing import services
from plugins.marketing.reports import REPORTS, OwnerFilter, YearFilter


def _as(app, user_id, query_string=""):
    ctx = app.test_request_context(query_string=query_string)
    ctx.push()
    login_user(db.session.get(User, user_id))
    return ctx


def _rows(report_key, form=None):
    report = next(r for r in REPORTS if r.key == report_key)
    return [dict(row._mapping) for row in db.session.execute(report.query(form))]


def test_reports_are_registered_with_the_contract(app):
    registered = app.extensions["crm"].reports
    assert {"marketing.funnel", "marketing.win_rate", "marketing.lost_reasons", "marketing.forecast"} <= set(registered)
    assert all(registered[key].plugin == "marketing" for key in registered if key.startswith("marketing."))


def test_report_numbers_and_scope(app, login_as, add_opportunity, stage_ids):
    director = login_as("sales_director")
    manager = login_as("account_manager", display_name="Li Ming")
    other = login_as("account_manager", display_name="Zhang Wei")
    year = utcnow().year
    closed = datetime(year, 3, 1)
    add_opportunity("developing", stage_ids[0], manager.user_id, amount="1000.00", probability=10,
                    close_date=date(2027, 1, 5))
    add_opportunity("developing", stage_ids[0], other.user_id, amount="3000.00", probability=10,
                    close_date=date(2027, 1, 20))
    add_opportunity("developing", stage_ids[2], manager.user_id, amount="2000.00", probability=50,
                    close_date=date(2027, 2, 1))
    add_opportunity(amount="500.00", probability=10, close_date=None, created_by_id=director.user_id)
    add_opportunity("won", stage_ids[3], manager.user_id, amount="8000.00", probability=100, closed_at=closed)
    add_opportunity("won", stage_ids[3], manager.user_id, amount="2000.00", probability=100, closed_at=closed)
    add_opportunity("lost", stage_ids[1], manager.user_id, amount="700.00", probability=0, closed_at=closed,
                    lost_reason="price")
    add_opportunity("lost", stage_ids[1], other.user_id, amount="300.00", probability=0, closed_at=closed,
                    lost_reason="price")
    add_opportunity("lost", stage_ids[2], other.user_id, amount="100.00", probability=0,
                    closed_at=datetime(year - 1, 6, 1), lost_reason="budget")

    ctx = _as(app, director.user_id)
    try:
        funnel = _rows("marketing.funnel")
        assert [(r["stage"], r["count"], r["amount"], r["weighted"]) for r in funnel] == [
            ("0", 1, Decimal("500.00"), Decimal("50.00")),
            (str(stage_ids[0]), 2, Decimal("4000.00"), Decimal("400.00")),
            (str(stage_ids[2]), 1, Decimal("2000.00"), Decimal("1000.00"))]
        rates = {r["assignee"]: (r["won"], r["lost"], r["rate"], r["won_amount"]) for r in _rows("marketing.win_rate")}
        assert rates == {"Li Ming": (2, 1, Decimal("66.7"), Decimal("10000.00")),
                         "Zhang Wei": (0, 2, Decimal("0.0"), Decimal("0.00"))}
        assert [(r["reason"], r["count"], r["amount"]) for r in _rows("marketing.lost_reasons")] == [
            ("price", 2, Decimal("1000.00")), ("budget", 1, Decimal("100.00"))]
        this_year = YearFilter(MultiDict({"year": str(year)}))
        assert this_year.validate()
        assert [(r["reason"], r["count"]) for r in _rows("marketing.lost_reasons", this_year)] == [("price", 2)]
        forecast = [(r["month"], r["count"], r["amount"], r["weighted"]) for r in _rows("marketing.forecast")]
        assert forecast == [("", 1, Decimal("500.00"), Decimal("50.00")),
                            ("2027-01", 2, Decimal("4000.00"), Decimal("400.00")),
                            ("2027-02", 1, Decimal("2000.00"), Decimal("1000.00"))]
        only_manager = OwnerFilter(MultiDict({"assignee": str(manager.user_id)}))
        assert [r["count"] for r in _rows("marketing.forecast", only_manager)] == [1, 1]
        assert services.open_pipeline_value() == (Decimal("6500.00"), Decimal("1450.00"))
        assert services.win_rate() == (2, 5, Decimal("40.0"))
        assert services.win_rate(since=date(year, 1, 1)) == (2, 4, Decimal("50.0"))
    finally:
        ctx.pop()

    ctx = _as(app, manager.user_id)  # data scope "own": only what they created or were assigned
    try:
        assert [r["count"] for r in _rows("marketing.funnel")] == [1, 1]
        assert {r["assignee"] for r in _rows("marketing.win_rate")} == {"Li Ming"}
        assert [(r["reason"], r["count"]) for r in _rows("marketing.lost_reasons")] == [("price", 1)]
        assert services.open_pipeline_value() == (Decimal("3000.00"), Decimal("1100.00"))
        assert services.win_rate() == (2, 3, Decimal("66.7"))
    finally:
        ctx.pop()
