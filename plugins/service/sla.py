"""Service-level targets: due times when a request is created, the pause while it waits for the
customer, the badges, and the scan that marks requests at risk and breached.

Each request carries, per target (response, resolution), a due time, an
at-risk time (80 % of the target used) and a state that only moves forward:
on time → at risk → breached, or met. The times are computed once, on the
business calendar, when the clock starts (or restarts after a pause), so the
scan compares stored times with the clock in plain SQL. A change of the calendar
or the targets applies to clocks started afterwards.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select, update

from core.api import db, emit, local_timezone, utcnow

from plugins.service.models import (
    AT_RISK, BREACHED, HANDLED, HOLIDAY, MET, ON_TIME, OPEN, PRIORITIES, CalendarDay, ServiceRequest, SlaTarget,
    WorkWeek,
)
from plugins.service.workhours import BusinessCalendar

RISK_SHARE = Decimal("0.8")
RESPONSE, RESOLUTION = "response", "resolution"
# Used where no target was saved: (response, resolution) working hours per priority.
DEFAULT_TARGETS = {"urgent": (1, 8), "high": (4, 16), "normal": (8, 40), "low": (16, 80)}


def now() -> datetime:
    """The SLA clock (naive UTC); tests replace it to freeze time."""
    return utcnow()


def load_calendar() -> BusinessCalendar:
    """The business calendar as the administrator keeps it (working week, holidays, make-up days)."""
    week = db.session.scalar(select(WorkWeek).order_by(WorkWeek.id).limit(1))
    days = db.session.execute(select(CalendarDay.date, CalendarDay.kind)).all()
    settings = {}
    if week is not None:
        settings = dict(weekdays=frozenset(int(d) for d in week.days), start=week.start, end=week.end)
    return BusinessCalendar(tz=local_timezone(), holidays=frozenset(d for d, kind in days if kind == HOLIDAY),
                            workdays=frozenset(d for d, kind in days if kind != HOLIDAY), **settings)


def targets() -> dict[str, tuple[Decimal, Decimal]]:
    """Working hours (response, resolution) per priority."""
    found = {t.priority: (t.response_hours, t.resolution_hours) for t in db.session.scalars(select(SlaTarget))}
    return {p: found.get(p, tuple(Decimal(h) for h in DEFAULT_TARGETS[p])) for p in PRIORITIES}


def _seconds(hours: Decimal) -> int:
    return int(Decimal(hours) * 3600)


def start_clocks(request: ServiceRequest, at: datetime, calendar: BusinessCalendar | None = None) -> None:
    """A new request: both clocks start at ``at``."""
    calendar = calendar or load_calendar()
    response, resolution = targets()[request.priority]
    request.response_due_at = calendar.add(at, _seconds(response))
    request.response_risk_at = calendar.add(at, _seconds(response * RISK_SHARE))
    request.resolution_due_at = calendar.add(at, _seconds(resolution))
    request.resolution_risk_at = calendar.add(at, _seconds(resolution * RISK_SHARE))
    request.response_state = request.resolution_state = ON_TIME


def _breach(request: ServiceRequest, target: str) -> None:
    emit("service.sla_breached", _payload(request.id, target, request.assignee_id, request.summary))


def pause(request: ServiceRequest, at: datetime, calendar: BusinessCalendar | None = None,
          announce: bool = True) -> None:
    """Handled: the response target is met (or breached); the resolution clock waits for the customer.
    ``announce=False`` records a breach without the event (demo data)."""
    calendar = calendar or load_calendar()
    if request.first_handled_at is None:
        request.first_handled_at = at
        if request.response_state != BREACHED:
            late = request.response_due_at is not None and at > request.response_due_at
            request.response_state = BREACHED if late else MET
            if late and announce:
                _breach(request, RESPONSE)
    if request.resolution_state != BREACHED and request.resolution_due_at is not None \
            and at > request.resolution_due_at:
        request.resolution_state = BREACHED
        if announce:
            _breach(request, RESOLUTION)
    due, risk = request.resolution_due_at, request.resolution_risk_at
    request.resolution_left = calendar.between(at, due) if due else 0
    request.resolution_risk_left = calendar.between(at, risk) if risk else 0


def resume(request: ServiceRequest, at: datetime, calendar: BusinessCalendar | None = None) -> None:
    """Sent back for another round: the resolution clock runs on with the working time it had left."""
    calendar = calendar or load_calendar()
    request.resolution_due_at = calendar.add(at, request.resolution_left or 0)
    request.resolution_risk_at = calendar.add(at, request.resolution_risk_left or 0)
    request.resolution_left = request.resolution_risk_left = None


def close(request: ServiceRequest) -> None:
    """Archived: a resolution target not breached is met; a breach stays recorded."""
    if request.resolution_state != BREACHED:
        request.resolution_state = MET


def state(request: ServiceRequest, target: str, at: datetime | None = None) -> str:
    """The badge of one target now: on_time, at_risk, breached, met, or paused (resolution while handled)."""
    at = at or now()
    recorded = getattr(request, f"{target}_state")
    if recorded in (BREACHED, MET):
        return recorded
    if target == RESOLUTION and request.status == HANDLED:
        return "paused"
    if request.status not in OPEN or (target == RESPONSE and request.first_handled_at is not None):
        return recorded
    due, risk = getattr(request, f"{target}_due_at"), getattr(request, f"{target}_risk_at")
    if due is not None and at >= due:
        return BREACHED
    if risk is not None and at >= risk:
        return AT_RISK
    return ON_TIME


_SEVERITY = (BREACHED, AT_RISK, ON_TIME, "paused", MET)


def overall(request: ServiceRequest, at: datetime | None = None) -> str:
    """The worse of the two clocks' badges (for lists)."""
    at = at or now()
    states = {state(request, RESPONSE, at), state(request, RESOLUTION, at)}
    return next(s for s in _SEVERITY if s in states)


def overdue_clause(at: datetime):
    """Open requests past a due time, or any request whose SLA was breached (for the "overdue" filter)."""
    R = ServiceRequest
    return or_(
        and_(R.status.in_(OPEN), R.resolution_due_at <= at),
        and_(R.status.in_(OPEN), R.first_handled_at.is_(None), R.response_due_at <= at),
        R.response_state == BREACHED, R.resolution_state == BREACHED)


def _payload(request_id: int, target: str, assignee_id, summary: str) -> dict:
    return {"id": request_id, "target": target, "assignee_id": assignee_id, "summary": summary}


def scan(at: datetime | None = None) -> dict[str, int]:
    """Mark open requests at risk and breached, in four set-based statements; emit each change once.

    States only move forward, so a second run at the same time finds nothing to change.
    """
    at = at or now()
    R = ServiceRequest
    counts = {}
    for target in (RESPONSE, RESOLUTION):
        state_col = getattr(R, f"{target}_state")
        extra = [R.first_handled_at.is_(None)] if target == RESPONSE else []
        for new_state, time_col, from_states, event in (
                (BREACHED, getattr(R, f"{target}_due_at"), (ON_TIME, AT_RISK), "service.sla_breached"),
                (AT_RISK, getattr(R, f"{target}_risk_at"), (ON_TIME,), "service.sla_at_risk")):
            changed = db.session.execute(
                update(R).where(R.status.in_(OPEN), state_col.in_(from_states), time_col <= at, *extra)
                .values({state_col: new_state}).returning(R.id, R.assignee_id, R.summary)
                .execution_options(synchronize_session=False)).all()
            for request_id, assignee_id, summary in changed:
                emit(event, _payload(request_id, target, assignee_id, summary))
            counts[f"{target}_{new_state}"] = len(changed)
    db.session.commit()
    return counts


def scan_job() -> str:
    counts = scan()
    return ("SLA scan: {response_breached} response and {resolution_breached} resolution targets breached, "
            "{response_at_risk} and {resolution_at_risk} at risk.").format(**counts)

