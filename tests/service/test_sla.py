"""The SLA clocks on a business calendar with a weekend, a holiday and a make-up working day, at frozen times.

The calendar is read in CRM_TIMEZONE (Asia/Shanghai, UTC+8): 09:00-18:00 local is 01:00-10:00 UTC.
Week of the tests: Fri 2026-02-27, weekend, Mon 2026-03-02 a holiday, Tue 3 to Fri 6 working days,
Sat 2026-03-07 a make-up working day.
"""
from datetime import datetime

from core.api import hookimpl

from plugins.service import sla


def _utc(*args):
    return datetime(*args)


def _calendar(admin, version=1):
    assert admin.post("/service/sla/days", data={"day-date": "2026-03-02", "day-kind": "holiday",
                                                 "day-name": "测试假日"}).status_code == 302
    assert admin.post("/service/sla/days", data={"day-date": "2026-03-07", "day-kind": "workday",
                                                 "day-name": "调休上班"}).status_code == 302
    response = admin.post("/service/sla/targets/normal", data={
        "target-normal-response_hours": "4", "target-normal-resolution_hours": "12", "target-normal-version": version})
    assert response.status_code == 302, response.get_data(as_text=True)


def _listen(app):
    events = []

    class Listener:
        @hookimpl
        def on_event(self, name, payload):
            if name.startswith("service.sla_"):
                events.append((name, payload["id"], payload["target"]))

    app.extensions["crm"].pm.register(Listener())
    return events


def _create(client, summary="网络故障"):
    response = client.post("/service/new", data={"customer_id": "北京华信科技有限公司", "type": "complaint",
                                                 "priority": "normal", "summary": summary, "text": "无法上网"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def _scan(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "service-sla-scan"])
    assert result.exit_code == 0, result.output
    return result.output


def test_due_times_skip_the_weekend_and_the_holiday_pause_while_handled_and_breach_stays(
        app, login_as, add_customer, load, frozen):
    admin, director, manager = login_as("admin"), login_as("sales_director"), login_as("account_manager")
    add_customer(manager_id=manager.user_id)
    _calendar(admin)
    events = _listen(app)

    frozen(_utc(2026, 2, 27, 8, 0))                      # Fri 16:00 local
    request_id = _create(manager)
    r = load(request_id)
    # Response 4 h: Fri 16-18 (2 h), weekend and holiday skipped, Tue 09:00-11:00.
    assert r.response_due_at == _utc(2026, 3, 3, 3, 0)
    assert r.response_risk_at == _utc(2026, 3, 3, 2, 12)  # 80 %: 3 h 12 min
    # Resolution 12 h: Fri 2 h, Tue 9 h, Wed 09:00-10:00.
    assert r.resolution_due_at == _utc(2026, 3, 4, 2, 0)
    assert r.resolution_risk_at == _utc(2026, 3, 3, 8, 36)  # 9 h 36 min: Tue 16:36 local

    # Over the weekend and the holiday nothing happens.
    frozen(_utc(2026, 3, 2, 9, 0))                       # Mon (holiday) 17:00 local
    _scan(app)
    assert events == [] and load(request_id).response_state == "on_time"
    assert "On time" in director.get(f"/service/{request_id}").get_data(as_text=True)

    director.post(f"/service/{request_id}/assign", data={"assign-assignee_id": manager.user_id,
                                                         "assign-version": load(request_id).version})
    frozen(_utc(2026, 3, 3, 2, 30))                      # Tue 10:30 local: response at risk
    _scan(app)
    _scan(app)                                           # twice: nothing more
    assert events == [("service.sla_at_risk", request_id, "response")]
    assert "At risk" in manager.get(f"/service/{request_id}").get_data(as_text=True)

    frozen(_utc(2026, 3, 3, 2, 45))                      # Tue 10:45: handled in time
    manager.post(f"/service/{request_id}/handle", data={"handle-handling": "远程处理",
                                                        "handle-version": load(request_id).version})
    handled = load(request_id)
    assert (handled.response_state, handled.first_handled_at) == ("met", _utc(2026, 3, 3, 2, 45))
    assert handled.resolution_left == 9 * 3600 - 45 * 60  # Tue 10:45-18:00 and Wed 09:00-10:00
    assert "Paused" in manager.get(f"/service/{request_id}").get_data(as_text=True)

    # Two days wait for the customer: paused, the scan leaves it alone.
    frozen(_utc(2026, 3, 5, 1, 0))                       # Thu 09:00 local
    _scan(app)
    assert len(events) == 1
    manager.post(f"/service/{request_id}/feedback", data={
        "feedback-result": "还是不行", "feedback-satisfaction": "1", "feedback-version": load(request_id).version})
    reopened = load(request_id)
    # The clock runs on from Thu 09:00 with 8 h 15 min left: Thu 17:15 local.
    assert reopened.resolution_due_at == _utc(2026, 3, 5, 9, 15)
    assert reopened.resolution_risk_at == _utc(2026, 3, 5, 6, 51)  # risk had 5 h 51 min left

    frozen(_utc(2026, 3, 5, 9, 30))                      # Thu 17:30 local: breached
    assert "1 resolution targets breached" in _scan(app)
    _scan(app)
    assert events[1:] == [("service.sla_breached", request_id, "resolution")]
    page = director.get("/service/?overdue=y").get_data(as_text=True)
    assert "网络故障" in page

    manager.post(f"/service/{request_id}/handle", data={"handle-handling": "更换设备",
                                                        "handle-version": load(request_id).version})
    manager.post(f"/service/{request_id}/feedback", data={
        "feedback-result": "好了", "feedback-satisfaction": "5", "feedback-version": load(request_id).version})
    archived = load(request_id)
    assert (archived.status, archived.resolution_state, archived.response_state) == ("archived", "breached", "met")
    assert "Breached" in director.get(f"/service/{request_id}").get_data(as_text=True)
    assert len(events) == 2


def test_a_make_up_saturday_counts_and_a_late_first_handling_breaches_once(
        app, login_as, add_customer, load, frozen):
    admin, director, manager = login_as("admin"), login_as("sales_director"), login_as("account_manager")
    add_customer(manager_id=manager.user_id)
    _calendar(admin)
    events = _listen(app)
    frozen(_utc(2026, 3, 6, 9, 0))                       # Fri 17:00 local
    request_id = _create(manager)
    assert load(request_id).response_due_at == _utc(2026, 3, 7, 4, 0)  # make-up Sat 12:00 local
    quiet = _create(manager, "另一个请求")

    frozen(_utc(2026, 3, 9, 2, 0))                       # Mon 10:00 local: both breached
    _scan(app)
    assert sorted(events) == sorted([("service.sla_breached", request_id, "response"),
                                     ("service.sla_breached", quiet, "response"),
                                     ("service.sla_at_risk", request_id, "resolution"),  # 9.6 h used by Sat 17:36
                                     ("service.sla_at_risk", quiet, "resolution")])
    director.post(f"/service/{request_id}/assign", data={"assign-assignee_id": manager.user_id,
                                                         "assign-version": load(request_id).version})
    manager.post(f"/service/{request_id}/handle", data={"handle-handling": "处理",
                                                        "handle-version": load(request_id).version})
    assert load(request_id).response_state == "breached"
    assert len(events) == 4                              # the breach is not announced twice


def test_calendar_and_target_input_is_checked(app, login_as):
    admin = login_as("admin")
    page = admin.get("/service/sla").get_data(as_text=True)
    assert "Targets per priority" in page and "Working week" in page
    for data, message in (
            ({"target-normal-response_hours": "0", "target-normal-resolution_hours": "8"}, "Enter between 0.25"),
            ({"target-normal-response_hours": "-1", "target-normal-resolution_hours": "8"}, "Enter between 0.25"),
            ({"target-normal-response_hours": "nan", "target-normal-resolution_hours": "8"}, "Enter a number"),
            ({"target-normal-response_hours": "sNaN", "target-normal-resolution_hours": "8"}, "Enter a number"),
            ({"target-normal-response_hours": "4", "target-normal-resolution_hours": "-sNaN"}, "Enter a number"),
            ({"target-normal-response_hours": "1e400", "target-normal-resolution_hours": "8"}, "Enter between 0.25"),
            ({"target-normal-response_hours": "8", "target-normal-resolution_hours": "4"}, "cannot be shorter"),
            ({"target-normal-response_hours": "", "target-normal-resolution_hours": "4"}, "Enter a number of")):
        response = admin.post("/service/sla/targets/normal", data={**data, "target-normal-version": 1})
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    for data, message in (({"week-days": ["1"], "week-start": "18:00", "week-end": "09:00"}, "must end after"),
                          ({"week-days": ["1"], "week-start": "09:00", "week-end": "09:00"}, "must end after"),
                          ({"week-start": "09:00", "week-end": "18:00"}, "at least one working day"),
                          ({"week-days": ["9"], "week-start": "09:00", "week-end": "18:00"}, "not a valid choice")):
        response = admin.post("/service/sla/week", data={**data, "week-version": 1})
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    assert admin.post("/service/sla/days", data={"day-date": "2026-10-01", "day-kind": "holiday",
                                                 "day-name": "国庆节"}).status_code == 302
    response = admin.post("/service/sla/days", data={"day-date": "2026-10-01", "day-kind": "workday",
                                                     "day-name": "调休"})
    assert response.status_code == 400 and "already in the calendar" in response.get_data(as_text=True)
    response = admin.post("/service/sla/days", data={"day-date": "2026-10-02", "day-kind": "holiday",
                                                     "day-name": "<b>x</b>"})
    assert response.status_code == 400 and "HTML tags" in response.get_data(as_text=True)
    for day in ("", "2026-02-30", "x"):
        assert admin.post("/service/sla/days", data={"day-date": day, "day-kind": "holiday"}).status_code == 400
    assert admin.post("/service/sla/week", data={"week-days": ["1", "2", "3", "4", "5", "6"], "week-start": "08:30",
                                                 "week-end": "17:30", "week-version": 1}).status_code == 302
    # A stale form (version 1 again) is refused.
    response = admin.post("/service/sla/week", data={"week-days": ["1"], "week-start": "08:00", "week-end": "12:00",
                                                     "week-version": 1})
    assert response.status_code == 400 and "changed by someone else" in response.get_data(as_text=True)
    with app.app_context():
        calendar = sla.load_calendar()
        assert calendar.weekdays == frozenset(range(1, 7)) and calendar.start.hour == 8
    assert login_as("sales_director").get("/service/sla").status_code == 403


def test_the_scan_is_a_registered_job_every_15_minutes(app):
    job = app.extensions["crm"].jobs["service-sla-scan"]
    assert job.schedule == "*/15 * * * *" and job.plugin == "service"
