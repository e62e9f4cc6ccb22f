"""Demo data: this year's holiday calendar and about 300 service requests over the past year, in every
status and priority, with rounds of low satisfaction and some breached SLAs."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import Integer, String, column, func, select, table

from core.api import User, utcnow

from plugins.service import sla
from plugins.service.models import (
    ARCHIVED, ASSIGNED, AT_RISK, BREACHED, HANDLED, HOLIDAY, NEW, ON_TIME, WORKDAY, CalendarDay, Round,
    ServiceRequest,
)

REQUESTS = 300
# 2026 public holidays and make-up working days (国务院办公厅关于 2026 年部分节假日安排的通知).
HOLIDAYS_2026 = [
    ("元旦", [date(2026, 1, d) for d in (1, 2, 3)], [date(2026, 1, 4)]),
    ("春节", [date(2026, 2, d) for d in range(15, 24)], [date(2026, 2, 14), date(2026, 2, 28)]),
    ("清明节", [date(2026, 4, d) for d in (4, 5, 6)], []),
    ("劳动节", [date(2026, 5, d) for d in range(1, 6)], [date(2026, 5, 9)]),
    ("端午节", [date(2026, 6, d) for d in (19, 20, 21)], []),
    ("中秋节", [date(2026, 9, d) for d in (25, 26, 27)], []),
    ("国庆节", [date(2026, 10, d) for d in range(1, 8)], [date(2026, 9, 20), date(2026, 10, 10)]),
]
SUMMARIES = {
    "consultation": ["咨询产品保修政策", "询问发票开具流程", "咨询批量采购折扣", "了解新版本功能", "咨询上门安装时间"],
    "suggestion": ["建议增加夜间服务热线", "建议简化退货流程", "建议提供中文操作手册", "希望增加培训课程"],
    "complaint": ["打印机频繁卡纸", "送货延误三天", "服务器间歇性宕机", "售后电话长时间无人接听", "安装人员迟到",
                  "发票金额有误"],
}
HANDLINGS = ["电话回访，指导客户完成设置", "远程协助排查并修复了故障", "安排工程师上门更换配件", "补发了缺失的资料",
             "与物流公司协调，加急配送", "更正发票并重新寄出"]
GOOD = ["问题已解决，客户满意", "处理及时，客户认可", "客户表示感谢"]
BAD = ["问题仍未解决", "客户认为响应太慢", "故障再次出现"]
_customer = table("customers_customer", column("id", Integer), column("manager_id", Integer))


def load(session) -> None:
    """Idempotent: adds the calendar days that are missing, and requests only when there are none."""
    have = set(session.scalars(select(CalendarDay.date)))
    for name, days_off, workdays in HOLIDAYS_2026:
        session.add_all(CalendarDay(date=d, kind=HOLIDAY, name=name) for d in days_off if d not in have)
        session.add_all(CalendarDay(date=d, kind=WORKDAY, name=f"{name}调休") for d in workdays if d not in have)
    session.flush()
    if session.scalar(select(func.count(ServiceRequest.id))):
        return
    users = {u.username: u for u in session.scalars(select(User))}
    managers = [users[name] for name in ("manager1", "manager2", "manager3") if name in users]
    director = users.get("director")
    known = list(session.execute(select(_customer.c.id, _customer.c.manager_id).order_by(_customer.c.id).limit(120)))
    if not managers or director is None or not known:
        return
    rng = random.Random(8)
    calendar = sla.load_calendar()
    targets = sla.targets()
    now = utcnow()
    statuses = [NEW] * 25 + [ASSIGNED] * 45 + [HANDLED] * 35 + [ARCHIVED] * 195
    for n, status in enumerate(statuses[:REQUESTS]):
        customer_id, manager_id = rng.choice(known)
        manager = next((m for m in managers if m.id == manager_id), rng.choice(managers))
        kind = rng.choice(list(SUMMARIES))
        if status == ARCHIVED:  # in working hours over the past year
            created = calendar.add(now - timedelta(days=rng.randint(3, 360)), rng.randint(0, 8 * 3600))
        else:  # the open work of the last days (new ones of the last hours), in working hours
            back = timedelta(hours=rng.randint(1, 8)) if status == NEW else timedelta(days=rng.randint(1, 5))
            created = calendar.add(now - back, rng.randint(0, 3 * 3600))
            created = min(created, now - timedelta(minutes=rng.randint(30, 300)))
        summary = rng.choice(SUMMARIES[kind])
        request = ServiceRequest(
            type=kind, priority=rng.choices(["low", "normal", "high", "urgent"], [2, 5, 3, 1])[0],
            summary=summary, customer_id=customer_id, text="客户来电反映：" + summary,
            status=NEW, created_by_id=(manager if n % 3 else director).id, created_at=created, updated_at=created)
        sla.start_clocks(request, created, calendar)
        session.add(request)
        session.flush()
        if status != NEW:
            _work(session, rng, request, status, manager, calendar, now, targets)
        for target in (sla.RESPONSE, sla.RESOLUTION):  # what the scan would have recorded by now
            if getattr(request, f"{target}_state") == ON_TIME and sla.state(request, target, now) in (AT_RISK, BREACHED):
                setattr(request, f"{target}_state", sla.state(request, target, now))
    session.flush()


def _work(session, rng, request, status, manager, calendar, now, targets):
    """Assign, then handle and rate round after round until the request is where ``status`` says."""
    at = request.created_at + timedelta(minutes=rng.randint(5, 60))
    request.status, request.assignee_id, request.assigned_at = ASSIGNED, manager.id, min(at, now)
    if status == ASSIGNED:
        return
    rounds = 1 if status == HANDLED else rng.choices([1, 2, 3], [80, 15, 5])[0]
    response_hours = float(targets[request.priority][0])
    for number in range(1, rounds + 1):
        # Mostly within half the response target; late now and then (a breached target).
        share = rng.uniform(1.2, 4) if rng.random() < .12 else rng.uniform(.1, .6)
        at = calendar.add(at, int(response_hours * share * 3600))
        if at >= now:
            at = now - timedelta(minutes=5)
        handling = rng.choice(HANDLINGS)
        session.add(Round(request_id=request.id, number=number, handling=handling, handler_id=manager.id,
                          handled_at=at))
        request.status, request.handler_id, request.handled_at, request.round = HANDLED, manager.id, at, number
        request.handling = handling
        sla.pause(request, at, calendar, announce=False)
        if status == HANDLED:
            return
        at = min(at + timedelta(hours=rng.randint(2, 48)), now - timedelta(minutes=1))
        last = number == rounds
        satisfaction = rng.choice([3, 4, 4, 5, 5]) if last else rng.choice([1, 2])
        session.flush()
        round_ = session.scalar(select(Round).where(Round.request_id == request.id, Round.number == number))
        round_.result = rng.choice(GOOD if last else BAD)
        round_.satisfaction, round_.feedback_at = satisfaction, at
        round_.by_customer = rng.random() < .3
        round_.feedback_by_id = None if round_.by_customer else request.created_by_id
        request.result, request.satisfaction = round_.result, satisfaction
        if last:
            request.status, request.archived_at = ARCHIVED, at
            sla.close(request)
        else:
            request.status, request.round = ASSIGNED, number + 1
            sla.resume(request, at, calendar)
