"""Open opportunities per assignee, stage and expected close month: what the whole team's funnel,
forecast, pipeline totals and dashboard tile read.

At a million customers about 48,000 of the 300,000 opportunities are open; summing them on every
request took 70-120 ms. ``marketing_open_total`` holds, per assignee, stage (0: unassigned, or
developing without one) and expected close month ("YYYY-MM", "" without a date), how many, their
expected amount and their amount times probability, kept by every write of an opportunity in its
own transaction (``core.api.Summary``). Like the closed months, it serves users who see every
opportunity.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, Numeric, String, case, cast, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Summary, db

from plugins.marketing.closed_months import NOBODY
from plugins.marketing.models import DEVELOPING, OPEN, Opportunity

NO_STAGE = 0  # the funnel's "Unassigned" row: not yet developing, or developing without a stage


class OpenTotal(db.Model):
    """Open opportunities of one assignee in one stage, expected to close in one month."""

    __tablename__ = "marketing_open_total"

    assignee_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # NOBODY when none
    stage_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # NO_STAGE
    close_month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "" when no date is expected
    opportunities: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # the expected amounts (none counts 0)
    weighted: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # amount × probability (percent), not yet / 100


def close_month(column=Opportunity.close_date):
    """The expected close month of ``column`` as "YYYY-MM" ("" without one), the forecast's key."""
    return func.coalesce(func.substr(cast(column, String), 1, 7), literal_column("''"))


OPEN_TOTALS = Summary(
    OpenTotal, Opportunity,
    keys={"assignee_id": func.coalesce(Opportunity.assignee_id, literal_column(str(NOBODY))),
          "stage_id": case((Opportunity.status == DEVELOPING,
                            func.coalesce(Opportunity.stage_id, literal_column(str(NO_STAGE)))),
                           else_=literal_column(str(NO_STAGE))),
          "close_month": close_month()},
    measures={"opportunities": literal_column("1"), "amount": func.coalesce(Opportunity.amount, literal_column("0")),
              "weighted": func.coalesce(Opportunity.amount * Opportunity.probability, literal_column("0"))},
    count="opportunities",
    where=(Opportunity.status.in_(OPEN),))
