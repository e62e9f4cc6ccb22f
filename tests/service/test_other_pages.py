"""What service adds to other pages and plugins: the customer 360 tab, timeline and action, dashboard widgets,
reports within the data scope, the public service, demo data."""
from datetime import datetime

from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from core.api import User, db, utcnow
from plugins.service import services
from plugins.service.models import CalendarDay, Round, ServiceRequest
from plugins.service.reports import REPORTS, PriorityYearFilter


def test_customer_tab_timeline_and_action_show_only_visible_requests(app, login_as, add_customer, add_request):
    manager = login_as("account_manager")
    other = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id)
    add_request(customer_id, status="archived", summary="已解决的请求", satisfaction=4)
    add_request(customer_id, status="archived", summary="第二个请求", satisfaction=2)
    page = manager.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert 'id="tab-service" data-title="Service requests" data-count="2"' in page
    assert "Average satisfaction: <strong>3.0</strong> / 5" in page
    timeline = page[page.index('id="tab-timeline"'):page.index('id="tab-contacts"')]
    assert "已解决的请求" in timeline and "Service request" in timeline
    assert f"/service/new?customer={customer_id}" in page
    form = manager.get(f"/service/new?customer={customer_id}").get_data(as_text=True)
    assert 'value="北京华信科技有限公司 (KH' in form
    assert other.get(f"/service/new?customer={customer_id}").status_code == 404
    assert "tab-service" not in login_as(permissions=["customers.customer.view"]).get(
        f"/customers/{customer_id}").get_data(as_text=True)


def test_feedback_rounds_appear_in_the_timeline(app, login_as, add_customer, add_request):
    manager = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id)
    request_id = add_request(customer_id, status="archived", summary="网络故障")
    with app.app_context():
        db.session.add(Round(request_id=request_id, number=1, handling="重启路由器", handler_id=manager.user_id,
                             handled_at=utcnow(), result="很好", satisfaction=5, feedback_at=utcnow(),
                             by_customer=True))
        db.session.commit()
    page = manager.get(f"/customers/{customer_id}").get_data(as_text=True)
    timeline = page[page.index('id="tab-timeline"'):page.index('id="tab-contacts"')]
    assert "★★★★★ 网络故障" in timeline and "the customer (rating link)" in timeline


def test_dashboard_widgets_per_role(app, login_as, add_customer, add_request):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id)
    add_request(customer_id, summary="等待分配")
    add_request(customer_id, status="assigned", assignee_id=manager.user_id, summary="等我处理")
    add_request(customer_id, status="handled", assignee_id=manager.user_id, summary="等我反馈",
                created_by_id=manager.user_id)
    add_request(customer_id, status="assigned", assignee_id=manager.user_id, summary="已超时",
                response_state="breached")
    page = manager.get("/").get_data(as_text=True)
    assert "My service requests to handle" in page and "等我处理" in page
    assert "Requests awaiting my feedback" in page and "等我反馈" in page
    assert "New requests waiting for assignment" not in page
    page = director.get("/").get_data(as_text=True)
    assert "New requests waiting for assignment" in page and "等待分配" in page
    assert "Open requests with a breached SLA" in page and "已超时" in page
    assert "My service requests to handle" not in page


def _rows(app, user_id, key, form=None):
    with app.test_request_context():
        login_user(db.session.get(User, user_id))
        report = next(r for r in REPORTS if r.key == key)
        return [dict(row._mapping) for row in db.session.execute(report.query(form))]


def test_reports_count_within_the_data_scope(app, login_as, add_customer, add_request):
    registered = app.extensions["crm"].reports
    assert {"service.by_type", "service.satisfaction_by_type", "service.satisfaction_by_handler",
            "service.sla_attainment"} <= set(registered)
    director = login_as("sales_director")
    manager = login_as("account_manager", display_name="Li Ming")
    other = login_as("account_manager", display_name="Zhang Wei")
    mine, theirs = add_customer(manager_id=manager.user_id), add_customer(manager_id=other.user_id)
    archived = datetime(utcnow().year, 3, 10)
    ids = [add_request(mine, type="complaint", status="archived", satisfaction=2, archived_at=archived,
                       response_state="met", resolution_state="met"),
           add_request(mine, type="complaint", status="archived", satisfaction=4, archived_at=archived,
                       response_state="breached", resolution_state="met"),
           add_request(theirs, type="consultation", status="archived", satisfaction=5, archived_at=archived,
                       response_state="met", resolution_state="met", created_by_id=other.user_id),
           add_request(mine, type="suggestion")]
    with app.app_context():
        for request_id, handler, satisfaction in ((ids[0], manager, 2), (ids[1], manager, 4), (ids[2], other, 5)):
            db.session.add(Round(request_id=request_id, number=1, handling="x", handler_id=handler.user_id,
                                 handled_at=archived, satisfaction=satisfaction, feedback_at=archived))
        db.session.commit()
    assert {r["type"]: r["count"] for r in _rows(app, director.user_id, "service.by_type")} == {
        "complaint": 2, "consultation": 1, "suggestion": 1}
    assert {r["type"]: r["count"] for r in _rows(app, manager.user_id, "service.by_type")} == {
        "complaint": 2, "suggestion": 1}
    by_type = {r["type"]: r for r in _rows(app, director.user_id, "service.satisfaction_by_type")}
    assert (by_type["complaint"]["count"], float(by_type["complaint"]["average"]),
            float(by_type["complaint"]["satisfied"])) == (2, 3.0, 50.0)
    by_handler = {r["handler"]: r for r in _rows(app, director.user_id, "service.satisfaction_by_handler")}
    assert by_handler["Li Ming"]["rounds"] == 2 and float(by_handler["Zhang Wei"]["average"]) == 5.0
    assert "Zhang Wei" not in {r["handler"] for r in _rows(app, manager.user_id, "service.satisfaction_by_handler")}
    attainment = _rows(app, director.user_id, "service.sla_attainment")
    assert [(r["month"], r["count"], float(r["response"]), float(r["resolution"])) for r in attainment] == [
        (f"{utcnow().year}-03", 3, 66.7, 100.0)]
    with app.test_request_context():
        form = PriorityYearFilter(MultiDict({"priority": "urgent"}))
        assert form.validate()
    assert _rows(app, director.user_id, "service.sla_attainment", form) == []
    with app.test_request_context():
        login_user(db.session.get(User, manager.user_id))
        assert services.open_requests() == 1 and float(services.average_satisfaction()) == 3.0
        assert services.breached_requests() == 0


def test_demo_data_holds_requests_in_every_status_and_this_years_calendar(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = dict(db.session.execute(select(ServiceRequest.status, func.count()).group_by(ServiceRequest.status)).all())
        assert set(statuses) == {"new", "assigned", "handled", "archived"} and sum(statuses.values()) == 300
        priorities = set(db.session.scalars(select(ServiceRequest.priority).distinct()))
        assert priorities == {"low", "normal", "high", "urgent"}
        assert db.session.scalar(select(func.count()).select_from(Round).where(Round.satisfaction < 3)) > 10
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)
                                 .where(ServiceRequest.resolution_state == "breached")) > 0
        kinds = dict(db.session.execute(select(CalendarDay.kind, func.count()).group_by(CalendarDay.kind)).all())
        assert kinds["holiday"] >= 30 and kinds["workday"] >= 5
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRequest)) == 300
