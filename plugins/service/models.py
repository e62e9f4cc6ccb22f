"""Service requests, their rounds of handling and feedback, SLA targets and the business calendar
(tables ``service_*``)."""
from __future__ import annotations

from datetime import date as Date, datetime, time as Time
from decimal import Decimal

from flask import url_for
from sqlalchemy import (
    Boolean, Date as SQLDate, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, Time as SQLTime,
    UniqueConstraint, or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import BusinessRecord, TextIndex, User, db, either, lazy_gettext as _l
from plugins.basedata import services as basedata
from plugins.customers import services as customers

NEW = "new"
ASSIGNED = "assigned"
HANDLED = "handled"
ARCHIVED = "archived"
STATUSES = {NEW: _l("New"), ASSIGNED: _l("Assigned"), HANDLED: _l("Handled"), ARCHIVED: _l("Archived")}
OPEN = (NEW, ASSIGNED)  # the SLA clocks run; HANDLED waits for the customer (resolution paused)

LOW, NORMAL, HIGH, URGENT = "low", "normal", "high", "urgent"
PRIORITIES = {LOW: _l("Low"), NORMAL: _l("Medium"), HIGH: _l("High"), URGENT: _l("Urgent")}

# The state of one SLA clock; it only ever moves forward (events fire once per request and target).
ON_TIME, AT_RISK, BREACHED, MET = "on_time", "at_risk", "breached", "met"
SLA_STATES = {ON_TIME: _l("On time"), AT_RISK: _l("At risk"), BREACHED: _l("Breached"), MET: _l("Met")}

SATISFIED = 3  # feedback of at least this many stars archives the request; less sends it back

TEXT_MAX = 5000

# "Summary contains" (request lists, the top bar's search) from an index at any length; see core/text_search.py.
REQUEST_TEXT = TextIndex("service_request", ("summary",), grams="summary")


def _customer_manager(context) -> int | None:
    """The default of ``customer_manager_id``: the manager of the request's customer as the INSERT runs."""
    customer_id = context.get_current_parameters()["customer_id"]
    return context.connection.scalar(customers.manager_of_query(customer_id))


class ServiceRequest(db.Model, BusinessRecord):
    """A customer's service request (客户服务): created, assigned, handled, rated, archived."""

    __tablename__ = "service_request"
    __audit_label__ = _l("Service request")
    __audit_exclude__ = BusinessRecord.__audit_exclude__ | {
        "response_risk_at", "resolution_risk_at", "resolution_left", "resolution_risk_left", "customer_manager_id"}
    __audit_fields__ = {
        "type": _l("Service type"), "priority": _l("Priority"), "summary": _l("Summary"), "customer_id": _l("Customer"),
        "text": _l("Request"), "status": _l("Status"), "assignee_id": _l("Assigned to"), "assigned_at": _l("Assigned at"),
        "round": _l("Round"), "handling": _l("Handling"), "handler_id": _l("Handled by"), "handled_at": _l("Handled at"),
        "result": _l("Service result"), "satisfaction": _l("Satisfaction"), "archived_at": _l("Archived at"),
        "first_handled_at": _l("First handled"), "response_due_at": _l("Response due"),
        "response_state": _l("Response target"), "resolution_due_at": _l("Resolution due"),
        "resolution_state": _l("Resolution target"), "created_by_id": _l("Created by"), "created_at": _l("Created"),
    }
    __audit_codes__ = {
        "type": lambda: basedata.labels(basedata.SERVICE_TYPE), "priority": lambda: PRIORITIES,
        "status": lambda: STATUSES, "response_state": lambda: SLA_STATES, "resolution_state": lambda: SLA_STATES,
    }

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("service.request_detail", request_id=id_) for id_ in record_ids}

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))  # dictionary service_type
    priority: Mapped[str] = mapped_column(String(10), default=NORMAL)
    summary: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id"))
    # A copy of the customer's account manager, for the data scope "own": three equality tests on indexed
    # columns rather than "customer in the manager's 20,000" (see owned_by). Copied when the request is
    # made and kept in step by the customers plugin's "customers.manager_changed" (see ownership.py).
    customer_manager_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"),
                                                            default=_customer_manager)
    text: Mapped[str] = mapped_column(Text)  # 服务请求
    status: Mapped[str] = mapped_column(String(12), default=NEW)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The current round: its handling and feedback (every round is kept in service_round).
    round: Mapped[int] = mapped_column(Integer, default=1)
    handling: Mapped[str] = mapped_column(Text, default="")  # 服务处理
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[str] = mapped_column(String(1000), default="")  # 处理结果
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1-5, the last feedback
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    # SLA: due and at-risk (80 %) times in UTC, counted in working hours on the business calendar.
    first_handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_risk_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_state: Mapped[str] = mapped_column(String(10), default=ON_TIME)
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution_risk_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution_state: Mapped[str] = mapped_column(String(10), default=ON_TIME)
    # While handled the resolution clock is paused: the working seconds left to the due and risk times.
    resolution_left: Mapped[int | None] = mapped_column(Integer)
    resolution_risk_left: Mapped[int | None] = mapped_column(Integer)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    creator: Mapped[User | None] = relationship(foreign_keys="ServiceRequest.created_by_id", viewonly=True)
    rounds: Mapped[list["Round"]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                 order_by="Round.number")

    __table_args__ = (
        # Each list page is one status, newest first; the archive query sorts every way it filters. The
        # index also holds what the dashboard counts of open requests (breached targets) and the data scope
        # "own" read, so that counting the tens of thousands open at scale reads index entries only.
        Index("ix_service_request_status_created", "status", "created_at", "id", "response_state",
              "resolution_state", "created_by_id", "assignee_id", "customer_manager_id"),
        # An account manager's average satisfaction this year: the archived requests' index entries.
        Index("ix_service_request_status_archived", "status", "archived_at", "satisfaction", "created_by_id",
              "assignee_id", "customer_manager_id"),
        Index("ix_service_request_customer_created", "customer_id", "created_at"),
        # Data scope "own", counted arm after arm (see owned_by): each arm's owner and status (the work
        # lists' filter), then the earlier arms' owners, so that a count reads index entries only; the
        # archive time and satisfaction, which an account manager's average this year reads (either_rows),
        # and the SLA states, which their count of breached open requests reads (services.breached_requests).
        Index("ix_service_request_customer_manager_status", "customer_manager_id", "status", "created_by_id", "id",
              "archived_at", "satisfaction", "response_state", "resolution_state"),
        Index("ix_service_request_created_by_status", "created_by_id", "status", "customer_manager_id", "id",
              "archived_at", "satisfaction", "response_state", "resolution_state"),
        Index("ix_service_request_assignee_scope", "assignee_id", "status", "customer_manager_id", "created_by_id",
              "id", "archived_at", "satisfaction", "response_state", "resolution_state"),
        Index("ix_service_request_priority", "priority"),
        # Every sort of the archive query has an index ending in the id: the list's order is (column, id),
        # so the first, a keyset and the last page are each a short index range (see core/paging.py).
        *(Index(f"ix_service_request_{column}_id", column, "id")
          for column in ("created_at", "type", "summary", "status", "assignee_id", "resolution_due_at")),
        # Overdue lists and the SLA scan: open requests by due and risk times.
        Index("ix_service_request_status_response_due", "status", "response_due_at"),
        Index("ix_service_request_status_resolution_due", "status", "resolution_due_at"),
        Index("ix_service_request_response_risk", "response_state", "response_risk_at"),
        Index("ix_service_request_resolution_risk", "resolution_state", "resolution_risk_at"),
        Index("ix_service_request_archived_at", "archived_at"),
        *REQUEST_TEXT.indexes(),
        REQUEST_TEXT.table_info(),
    )

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": requests whose customer a user manages, they created or are assigned to.
        ``either``: counted as three disjoint index ranges (core/paging.py), the largest first."""
        return either(cls.customer_manager_id == user_id, cls.created_by_id == user_id, cls.assignee_id == user_id)

    @classmethod
    def awaiting_feedback_of(cls, user_id: int):
        """Whose feedback a handled request waits for: its creator's or its customer's account manager's."""
        return or_(cls.created_by_id == user_id, cls.customer_manager_id == user_id)

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def priority_label(self) -> str:
        return str(PRIORITIES.get(self.priority, self.priority))

    def __str__(self) -> str:
        return f"#{self.id} {self.summary}"


class Round(db.Model):
    """One round of a request: its handling (处理) and the feedback on it (反馈), who and when."""

    __tablename__ = "service_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    handling: Mapped[str] = mapped_column(Text)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(String(1000))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    by_customer: Mapped[bool] = mapped_column(Boolean, default=False)  # rated through the customer's link

    request: Mapped[ServiceRequest] = relationship(back_populates="rounds")
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    feedback_by: Mapped[User | None] = relationship(foreign_keys=[feedback_by_id])

    __table_args__ = (
        UniqueConstraint("request_id", "number"),  # a replayed handling cannot add a second row
        Index("ix_service_round_handler_feedback", "handler_id", "feedback_at"),
    )


class SlaTarget(db.Model, BusinessRecord):
    """The service-level target of one priority, in working hours."""

    __tablename__ = "service_sla_target"
    __audit_label__ = _l("Service-level target")
    __audit_fields__ = {"priority": _l("Priority"), "response_hours": _l("Response within (working hours)"),
                        "resolution_hours": _l("Resolution within (working hours)")}
    __audit_codes__ = {"priority": lambda: PRIORITIES}

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(String(10), unique=True)
    response_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))  # creation -> first handled
    resolution_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))  # creation -> archived, paused while handled


    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("service.sla_settings") for id_ in record_ids}


class WorkWeek(db.Model, BusinessRecord):
    """The business calendar's week: working days and hours (one row)."""

    __tablename__ = "service_work_week"
    __audit_label__ = _l("Working week")
    __audit_fields__ = {"days": _l("Working days"), "start": _l("Working hours from"), "end": _l("Working hours to")}

    id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[str] = mapped_column(String(7), default="12345")  # ISO weekdays, 1 = Monday
    start: Mapped[Time] = mapped_column(SQLTime, default=Time(9))
    end: Mapped[Time] = mapped_column(SQLTime, default=Time(18))


    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("service.sla_settings") for id_ in record_ids}


HOLIDAY, WORKDAY = "holiday", "workday"
DAY_KINDS = {HOLIDAY: _l("Holiday"), WORKDAY: _l("Make-up working day")}


class CalendarDay(db.Model, BusinessRecord):
    """An exception to the week: a holiday (节假日) or a make-up working day (调休)."""

    __tablename__ = "service_calendar_day"
    __audit_label__ = _l("Calendar day")
    __audit_fields__ = {"date": _l("Date"), "kind": _l("Kind"), "name": _l("Name")}
    __audit_codes__ = {"kind": lambda: DAY_KINDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[Date] = mapped_column(SQLDate, unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")


    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("service.sla_settings") for id_ in record_ids}

    @property
    def kind_label(self) -> str:
        return str(DAY_KINDS.get(self.kind, self.kind))


basedata.register_usage(basedata.SERVICE_TYPE, ServiceRequest.type, _l("Service requests"))
