"""Customer value analysis (RFM): recency, frequency and monetary value over a window of months.

Each customer with orders in the window gets three scores from 1 to 5, by
quintile in SQL (``ntile(5)``, on SQLite and PostgreSQL alike) among all the
customers: R by the last month with orders (recent is 5), F by the number of
orders, M by the amount. The segment follows from R and the average of F and M
(the usual grid). A user then sees the customers of their data scope. Figures
come from the order summary table, so recency counts in months.

Scoring a million customers takes seconds, so the scores of each window offered
(3, 6, 12, 24 and 36 months) are kept in ``customers_rfm_score``, computed nightly (job
``customers.rfm-scores``, command ``crm customers-rfm``), with everyone's totals per
segment beside them (``customers_rfm_segment_total``); a window not scored yet
is scored on request.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import click
from flask import request, url_for
from flask.cli import with_appcontext

from sqlalchemy import (
    Date as SQLDate, ForeignKey, Index, Integer, Numeric, SmallInteger, String, case, cast, delete, func, insert,
    literal, select,
)
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import SelectField

from core.api import FilterForm, analyze, db, lazy_gettext as _l, ngettext, scoped, sees_all, local_today

from plugins.customers.churn import manager_copies_lock, move_manager_copies
from plugins.customers.models import STATUS_DELETED, Customer
from plugins.customers.order_summary import OrderMonth

DEFAULT_WINDOW = 12
WINDOWS = (3, 6, 12, 24, 36)  # months; each one's scores are kept

# key -> (label, the (R, FM) cells of the grid); in the order the report lists them.
SEGMENTS = {
    "champions": (_l("Champions"), {(5, 4), (5, 5)}),
    "loyal": (_l("Loyal"), {(3, 4), (3, 5), (4, 4), (4, 5)}),
    "potential_loyalist": (_l("Potential loyalist"), {(4, 2), (4, 3), (5, 2), (5, 3)}),
    "new": (_l("New customers"), {(5, 1)}),
    "promising": (_l("Promising"), {(4, 1)}),
    "need_attention": (_l("Need attention"), {(3, 3)}),
    "about_to_sleep": (_l("About to sleep"), {(3, 1), (3, 2)}),
    "at_risk": (_l("At risk customers"), {(1, 3), (1, 4), (2, 3), (2, 4)}),
    "cant_lose": (_l("Can't lose them"), {(1, 5), (2, 5)}),
    "hibernating": (_l("Hibernating"), {(1, 2), (2, 1), (2, 2)}),
    "lost": (_l("Lost"), {(1, 1)}),
}
AT_RISK = ("at_risk", "cant_lose")  # valuable customers slipping away: shown beside churn warnings


def segment_labels() -> dict:
    return {key: str(label) for key, (label, _cells) in SEGMENTS.items()}


def segment_of(r: int, fm: int) -> str:
    """The segment of scores R and FM (Python twin of the SQL CASE, for tests and readers)."""
    return next(key for key, (_label, cells) in SEGMENTS.items() if (r, fm) in cells)


def window_choices() -> list[tuple[int, str]]:
    return [(months, ngettext("%(num)d month", "%(num)d months", months)) for months in WINDOWS]


class WindowFilter(FilterForm):
    window = SelectField(_l("Window"), coerce=int, default=DEFAULT_WINDOW)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.window.choices = window_choices()


def _first_month(today: date, window: int) -> date:
    month = today.year * 12 + today.month - 1 - (window - 1)
    return date(month // 12, month % 12 + 1, 1)


class RfmScore(db.Model):
    """A customer's scores over a window of ``months``, as of ``scored_on`` (the nightly job)."""

    __tablename__ = "customers_rfm_score"

    months: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # the window
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"),
                                             primary_key=True)
    r: Mapped[int] = mapped_column(SmallInteger)
    f: Mapped[int] = mapped_column(SmallInteger)
    m: Mapped[int] = mapped_column(SmallInteger)
    segment: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[int] = mapped_column(Integer)
    monetary: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    scored_on: Mapped[date] = mapped_column(SQLDate)
    # The customer's account manager, copied when scored and kept in step by a handover (``follow_manager``),
    # as churn records' copy is: an account manager's scores (data scope "own") are then a range of
    # ix_customers_rfm_score_manager, not their 20,000 customers joined with the segment's scores (the
    # dashboard's count of their customers at risk: 40-55 ms on PostgreSQL at a million customers). No
    # foreign key, as the churn record's.
    manager_id: Mapped[int | None] = mapped_column(Integer)

    # The customer list filtered to a segment, and the counts per segment, read these indexes (everyone's,
    # an account manager's); a handover's update of the copy the one on the customer.
    __table_args__ = (Index("ix_customers_rfm_score_segment", "months", "segment", "customer_id"),
                      Index("ix_customers_rfm_score_manager", "months", "manager_id", "segment", "customer_id",
                            "monetary"),
                      Index("ix_customers_rfm_score_customer", "customer_id"))

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": the scores of the customers a user manages (the copy kept in step)."""
        return cls.manager_id == user_id


class RfmSegmentTotal(db.Model):
    """Every scored customer's count and revenue per segment of a window, written with the scores: the
    report of whoever sees every customer reads these few rows instead of grouping every score (680,000 of
    the default window at a million customers: 370-620 ms a request). As of the scoring, as the scores."""

    __tablename__ = "customers_rfm_segment_total"

    months: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    segment: Mapped[str] = mapped_column(String(20), primary_key=True)
    customers: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Numeric(18, 2))


def _computed(window: int, today: date | None = None):
    """Every customer's scores over ``window`` months, computed now:
    customer_id, last (month), frequency, monetary, r, f, m, fm, segment."""
    start = _first_month(today or local_today(), window)
    per_customer = (select(OrderMonth.customer_id.label("customer_id"), func.max(OrderMonth.month).label("last"),
                           func.sum(OrderMonth.orders).label("frequency"), func.sum(OrderMonth.amount).label("monetary"))
                    .where(OrderMonth.month >= start,
                           ~OrderMonth.customer_id.in_(select(Customer.id).where(Customer.status == STATUS_DELETED)))
                    .group_by(OrderMonth.customer_id))
    pc = per_customer.subquery("per_customer")
    ranked = select(
        pc, func.ntile(5).over(order_by=(pc.c.last, pc.c.customer_id)).label("r"),
        func.ntile(5).over(order_by=(pc.c.frequency, pc.c.customer_id)).label("f"),
        func.ntile(5).over(order_by=(pc.c.monetary, pc.c.customer_id)).label("m")).subquery("ranked")
    fm = (ranked.c.f + ranked.c.m + 1) // 2
    segment = case(*[((ranked.c.r == r) & (fm == f), literal(key)) for key, (_label, cells) in SEGMENTS.items()
                     for r, f in sorted(cells)], else_=literal("lost"))
    return select(ranked, fm.label("fm"), segment.label("segment"))


def store_scores(today: date | None = None) -> int:
    """Score every customer over each window into ``customers_rfm_score``; returns how many customers
    the default window scored. The caller commits."""
    today = today or local_today()
    # No handover between reading the managers and committing (see there); taken before the DELETE, which
    # would otherwise hold the rows a waiting handover's update of the copies needs: a deadlock.
    manager_copies_lock(shared=False)
    db.session.execute(delete(RfmScore))
    for window in WINDOWS:
        computed = _computed(window, today).subquery()
        db.session.execute(insert(RfmScore).from_select(
            ["months", "customer_id", "r", "f", "m", "segment", "frequency", "monetary", "scored_on", "manager_id"],
            select(literal(window, SmallInteger), computed.c.customer_id, computed.c.r, computed.c.f, computed.c.m,
                   computed.c.segment, computed.c.frequency, computed.c.monetary, literal(today, SQLDate),
                   Customer.manager_id).join(Customer, Customer.id == computed.c.customer_id)))
    db.session.execute(delete(RfmSegmentTotal))
    db.session.execute(insert(RfmSegmentTotal).from_select(
        ["months", "segment", "customers", "revenue"],
        select(RfmScore.months, RfmScore.segment, func.count(), func.sum(RfmScore.monetary))
        .group_by(RfmScore.months, RfmScore.segment)))
    return db.session.scalar(select(func.count()).select_from(RfmScore).where(RfmScore.months == DEFAULT_WINDOW))


def score_job() -> str:
    """The nightly ``customers.rfm-scores`` job."""
    scored = store_scores()
    db.session.commit()
    analyze(RfmScore)
    return f"{scored} customers scored."


def scored_on(window: int = DEFAULT_WINDOW) -> date | None:
    """When the kept scores of ``window`` were computed, or None when there are none."""
    return db.session.scalar(select(RfmScore.scored_on).where(RfmScore.months == window).limit(1))


def scores(window: int = DEFAULT_WINDOW):
    """A subquery of the scores of the customers the user may see: the kept ones of ``window``
    (when the job has scored it), otherwise computed now. Columns as ``_computed``'s (at least
    customer_id, frequency, monetary, r, f, m, segment)."""
    if scored_on(window) is not None:
        stmt = select(RfmScore.customer_id, RfmScore.frequency, RfmScore.monetary, RfmScore.r, RfmScore.f,
                      RfmScore.m, RfmScore.segment).where(RfmScore.months == window)
        if sees_all():
            return stmt.subquery("rfm")
        # Their scores by the copy of the manager; those of customers deleted since scored left out.
        deleted = select(Customer.id).where(Customer.status == STATUS_DELETED)
        return scoped(stmt, RfmScore).where(RfmScore.customer_id.not_in(deleted)).subquery("rfm")
    stmt = _computed(window)
    if not sees_all():  # their customers first, then each one's scores by primary key (see kpis)
        computed = stmt.subquery("scored")
        visible = scoped(select(Customer.id).where(Customer.status != STATUS_DELETED), Customer)
        stmt = select(computed).where(computed.c.customer_id.in_(visible))
    return stmt.subquery("rfm")


def follow_manager(customer_ids: list[int], manager_id: int | None) -> None:
    """The customers' scores now belong to their new account manager (``churn.move_manager_copies``, through
    ix_customers_rfm_score_customer). Derived figures: no audit entry."""
    move_manager_copies(RfmScore.__table__, customer_ids, manager_id)


def customers_in_segment(segment: str, window: int = DEFAULT_WINDOW):
    """A ``select`` of the ids of the visible customers in ``segment`` (for the customer list's filter)."""
    rfm = scores(window)
    return select(rfm.c.customer_id).where(rfm.c.segment == segment)


def _per_segment(window: int):
    """A subquery of the visible customers' count and revenue per segment (segment, customers, revenue):
    everyone's from the totals written with the scores, otherwise grouped from the scores."""
    if sees_all() and scored_on(window) is not None:
        return (select(RfmSegmentTotal.segment, RfmSegmentTotal.customers, RfmSegmentTotal.revenue)
                .where(RfmSegmentTotal.months == window).subquery("per_segment"))
    rfm = scores(window)
    return (select(rfm.c.segment, func.count().label("customers"), func.sum(rfm.c.monetary).label("revenue"))
            .group_by(rfm.c.segment).subquery("per_segment"))


def value_analysis(form):
    """Customers and revenue per segment, with their shares."""
    per_segment = _per_segment(form.window.data or DEFAULT_WINDOW)
    count, revenue = per_segment.c.customers, per_segment.c.revenue
    order = case(*[(per_segment.c.segment == key, index) for index, key in enumerate(SEGMENTS)],
                 else_=len(SEGMENTS))
    return (select(per_segment.c.segment.label("segment"), count.label("customers"),
                   cast(count * 100.0 / func.sum(count).over(), Numeric(5, 1)).label("customer_share"),
                   cast(revenue, Numeric(14, 2)).label("revenue"),
                   cast(func.coalesce(revenue * 100.0 / func.nullif(func.sum(revenue).over(), 0), 0), Numeric(5, 1))
                   .label("revenue_share"))
            .order_by(order))


def segment_link(row) -> str | None:
    """The customer list filtered to the row's segment, over the report's window."""
    window = request.args.get("window", DEFAULT_WINDOW)
    return url_for("customers.customer_list", segment=row["segment"], window=window)


def at_risk_count() -> int:
    """How many of the user's customers are in the at-risk segments (default window)."""
    rfm = scores()
    return db.session.scalar(select(func.count()).select_from(rfm).where(rfm.c.segment.in_(AT_RISK))) or 0


@click.command("customers-rfm")
@with_appcontext
def score_command():
    """Score every customer's recency, frequency and monetary value over the default window now."""
    click.echo(score_job())
