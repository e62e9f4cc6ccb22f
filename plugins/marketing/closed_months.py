"""Closed opportunities per month: what the win rate and the lost reasons of the whole team read.

At a million customers about 250,000 opportunities are won or lost; counting
them on every dashboard and report request took 0.1-0.2 s. ``marketing_closed_month``
holds, per month closed (UTC, as ``closed_at``), status, lost reason and
assignee, how many and their expected amount, kept by every write of an
opportunity in its own transaction (``core.api.Summary``). It serves users who
see every opportunity; an account manager's own opportunities ("created by or
assigned to me") are read from the opportunities' indexes, since the creator is
not one of its keys.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date as SQLDate, Integer, Numeric, String, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from core.api import MonthOf, Summary, db

from plugins.marketing.models import CLOSED, Opportunity

NOBODY = 0  # the assignee key of opportunities closed without one


class ClosedMonth(db.Model):
    """Opportunities closed in one month with one status, lost reason and assignee: how many, their amount."""

    __tablename__ = "marketing_closed_month"

    month: Mapped[date] = mapped_column(SQLDate, primary_key=True)  # the first day of the month closed
    status: Mapped[str] = mapped_column(String(12), primary_key=True)  # won or lost
    lost_reason: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" when won
    assignee_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # NOBODY when none
    opportunities: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # the expected amounts (none counts 0)


# A closed opportunity always has its closing time: flow.transition sets it with the status.
CLOSED_MONTHS = Summary(
    ClosedMonth, Opportunity,
    keys={"month": MonthOf(Opportunity.closed_at), "status": Opportunity.status,
          "lost_reason": func.coalesce(Opportunity.lost_reason, literal_column("''")),
          "assignee_id": func.coalesce(Opportunity.assignee_id, literal_column(str(NOBODY)))},
    measures={"opportunities": literal_column("1"), "amount": func.coalesce(Opportunity.amount, literal_column("0"))},
    count="opportunities",
    where=(Opportunity.status.in_(CLOSED), Opportunity.closed_at.is_not(None)))
