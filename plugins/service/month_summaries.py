"""Service requests and rated rounds per month: what the whole team's service reports and the
satisfaction on the dashboard read.

At a million customers there are about 500,000 requests and 590,000 rounds; the
reports summed 300,000-500,000 of them per request (0.1-0.35 s). Three small
tables hold the same sums per month (UTC, as the timestamps), kept by every
write of a request or a round in its own transaction (``core.api.Summary``):

- ``service_request_month``: per month created and service type, the requests
  and, of those archived, the satisfaction summed, how many were rated and how
  many rated 3 or more (service analysis, satisfaction by type);
- ``service_archived_month``: per month archived and priority, the archived
  requests, how many met the response and the resolution target, the
  satisfaction summed and how many were rated (SLA attainment, the dashboard's
  average satisfaction);
- ``service_round_month``: per month rated and handler, the rated rounds, their
  satisfaction summed and how many were rated 3 or more (satisfaction by handler).

They serve users who see every request. An account manager's scope ("created
by or assigned to me, or my customers'") follows the customers' managers, which
these keys do not hold, so it is read from the requests' indexes. The SLA scan
(``sla.scan``) updates open requests in bulk; none of it is counted here (only
archived requests' targets are).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date as SQLDate, Integer, String, case, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from core.api import MonthOf, Summary, db

from plugins.service.models import ARCHIVED, MET, SATISFIED, Round, ServiceRequest

R = ServiceRequest
NOBODY = 0  # the handler key of rounds handled by no (longer known) user
ONE, NONE = literal_column("1"), literal_column("0")


def _when(condition, value=ONE):
    return case((condition, value), else_=NONE)


class RequestMonth(db.Model):
    """Requests created in one month, of one service type."""

    __tablename__ = "service_request_month"

    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)  # the first day of the month created
    type: Mapped[str] = mapped_column(String(40), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    archived: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)  # the archived ones' final satisfaction, summed
    rated: Mapped[int] = mapped_column(Integer)  # archived with a satisfaction
    satisfied: Mapped[int] = mapped_column(Integer)  # archived with a satisfaction of SATISFIED or more


class ArchivedMonth(db.Model):
    """Requests archived in one month, of one priority."""

    __tablename__ = "service_archived_month"

    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)  # the first day of the month archived
    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    response_met: Mapped[int] = mapped_column(Integer)
    resolution_met: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)  # the final satisfaction, summed
    rated: Mapped[int] = mapped_column(Integer)


class RoundMonth(db.Model):
    """Rounds rated in one month, handled by one person."""

    __tablename__ = "service_round_month"

    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)  # the first day of the month rated
    handler_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # NOBODY when none
    rounds: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)  # summed
    satisfied: Mapped[int] = mapped_column(Integer)  # rated SATISFIED or more


archived = R.status == ARCHIVED

REQUEST_MONTHS = Summary(
    RequestMonth, R, keys={"month": MonthOf(R.created_at), "type": R.type},
    measures={"requests": ONE, "archived": _when(archived),
              "satisfaction": _when(archived & R.satisfaction.is_not(None), R.satisfaction),
              "rated": _when(archived & R.satisfaction.is_not(None)),
              "satisfied": _when(archived & (R.satisfaction >= SATISFIED))},
    count="requests")

# An archived request always has its archiving time: flow.feedback sets both.
ARCHIVED_MONTHS = Summary(
    ArchivedMonth, R, keys={"month": MonthOf(R.archived_at), "priority": R.priority},
    measures={"requests": ONE, "response_met": _when(R.response_state == MET),
              "resolution_met": _when(R.resolution_state == MET),
              "satisfaction": func.coalesce(R.satisfaction, NONE), "rated": _when(R.satisfaction.is_not(None))},
    count="requests", where=(archived, R.archived_at.is_not(None)))

# A rated round always has its time: flow.feedback sets both.
ROUND_MONTHS = Summary(
    RoundMonth, Round, keys={"month": MonthOf(Round.feedback_at),
                             "handler_id": func.coalesce(Round.handler_id, literal_column(str(NOBODY)))},
    measures={"rounds": ONE, "satisfaction": Round.satisfaction, "satisfied": _when(Round.satisfaction >= SATISFIED)},
    count="rounds", where=(Round.satisfaction.is_not(None), Round.feedback_at.is_not(None)))
