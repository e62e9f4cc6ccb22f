"""Marketing's reports, rendered by the reports plugin when it is enabled (``register_reports``).

Each is one aggregate statement over the visible opportunities (data scope
through ``scoped``): the funnel, win rate per account manager, lost reasons
and the forecast by expected close month. For users who see every opportunity
the win rate and the lost reasons are summed from ``marketing_closed_month``
(the same figures, a few thousand rows instead of a quarter of a million), the
funnel and the forecast from ``marketing_open_total``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Numeric, String, case, cast, func, literal, select
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from core.api import (
    Chart, Column, FilterForm, Report, User, db, id_or_none, lazy_gettext as _l, scoped, sees_all, users_holding,
    year_range,
)

from plugins.basedata import services as basedata
from plugins.marketing.closed_months import ClosedMonth
from plugins.marketing.models import DEVELOPING, LOST, LOST_REASON, OPEN, WON, Opportunity, Stage
from plugins.marketing.open_totals import OpenTotal, close_month

SECTION = _l("Marketing")
PERMISSION = "marketing.report.view"


class OwnerFilter(FilterForm):
    assignee = SelectField(_l("Assigned to"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = db.session.execute(users_holding("marketing.opportunity.develop")
                                   .with_only_columns(User.id, User.display_name).order_by(User.display_name))
        self.assignee.choices = [("", _l("Any"))] + [(str(id_), name) for id_, name in users]


class YearFilter(FilterForm):
    year = IntegerField(_l("Year closed"), validators=[Optional(), NumberRange(min=1900, max=9999)])


def _amount():
    return cast(func.coalesce(func.sum(Opportunity.amount), 0), Numeric(14, 2))


def _year(form):
    return getattr(getattr(form, "year", None), "data", None)


def _visible(stmt, form):
    stmt = scoped(stmt, Opportunity)
    assignee = id_or_none(getattr(getattr(form, "assignee", None), "data", None))
    if assignee is not None:
        stmt = stmt.where(Opportunity.assignee_id == assignee)
    year = _year(form)
    if year:
        stmt = stmt.where(Opportunity.closed_at >= datetime(year, 1, 1), Opportunity.closed_at < datetime(year + 1, 1, 1))
    return stmt


def _closed_in_year(stmt, form):
    """The summary's months closed in the form's year (UTC, as ``closed_at``), all without one."""
    year = _year(form)
    if year:
        first, following = year_range(year)
        stmt = stmt.where(ClosedMonth.month >= first, ClosedMonth.month < following)
    return stmt


def _open_figures(count, amount, weighted):
    """The count, amount and weighted amount columns of the funnel and the forecast."""
    return (count.label("count"), cast(func.coalesce(amount, 0), Numeric(14, 2)).label("amount"),
            cast(func.coalesce(weighted, 0) / 100, Numeric(14, 2)).label("weighted"))


def _open_totals(form):
    """The open totals (everyone's) of the form's assignee, if one is chosen."""
    assignee = id_or_none(getattr(getattr(form, "assignee", None), "data", None))
    return (OpenTotal.assignee_id == assignee,) if assignee is not None else ()


def funnel(form):
    """Open opportunities per pipeline stage (unassigned first): count, amount, weighted amount."""
    stage = cast(func.coalesce(Stage.id, 0), String).label("stage")
    order = (func.coalesce(Stage.sort_order, -1_000_001), Stage.id)
    if sees_all():  # from the open totals
        T = OpenTotal
        return (select(stage, *_open_figures(func.sum(T.opportunities), func.sum(T.amount), func.sum(T.weighted)))
                .select_from(T).outerjoin(Stage, Stage.id == T.stage_id).where(*_open_totals(form))
                .group_by(Stage.id, Stage.sort_order).order_by(*order))
    stmt = (select(stage, *_open_figures(func.count(Opportunity.id), func.sum(Opportunity.amount),
                                         func.sum(Opportunity.amount * Opportunity.probability)))
            .select_from(Opportunity).outerjoin(Stage, (Stage.id == Opportunity.stage_id) & (Opportunity.status == DEVELOPING))
            .where(Opportunity.status.in_(OPEN))
            .group_by(Stage.id, Stage.sort_order).order_by(*order))
    return _visible(stmt, form)


def _stage_labels() -> dict:
    from flask_babel import gettext

    labels = {"0": gettext("Unassigned")}
    labels.update({str(stage.id): stage.label for stage in db.session.scalars(select(Stage))})
    return labels


def win_rate(form):
    """Per assignee: won and lost opportunities and the share won."""
    if sees_all():
        return _team_win_rate(form)
    won = func.sum(case((Opportunity.status == WON, 1), else_=0))
    closed = func.count(Opportunity.id)
    stmt = (select(func.coalesce(User.display_name, literal("—")).label("assignee"), won.label("won"),
                   (closed - won).label("lost"),
                   cast(won * 100.0 / closed, Numeric(5, 1)).label("rate"),
                   cast(func.coalesce(func.sum(case((Opportunity.status == WON, Opportunity.amount), else_=0)), 0),
                        Numeric(14, 2)).label("won_amount"))
            .select_from(Opportunity).outerjoin(User, User.id == Opportunity.assignee_id)
            .where(Opportunity.status.in_((WON, LOST)))
            .group_by(User.id, User.display_name).order_by(won.desc(), User.display_name))
    return _visible(stmt, form)


def _team_win_rate(form):
    """``win_rate`` for a user who sees every opportunity, from the closed months."""
    C = ClosedMonth
    won = func.sum(case((C.status == WON, C.opportunities), else_=0))
    closed = func.sum(C.opportunities)
    stmt = (select(func.coalesce(User.display_name, literal("—")).label("assignee"), won.label("won"),
                   (closed - won).label("lost"),
                   cast(won * 100.0 / closed, Numeric(5, 1)).label("rate"),
                   cast(func.coalesce(func.sum(case((C.status == WON, C.amount), else_=0)), 0),
                        Numeric(14, 2)).label("won_amount"))
            .select_from(C).outerjoin(User, User.id == C.assignee_id)
            .group_by(User.id, User.display_name).order_by(won.desc(), User.display_name))
    return _closed_in_year(stmt, form)


def lost_reasons(form):
    """Lost opportunities per reason: count and the amount lost."""
    if sees_all():
        return _team_lost_reasons(form)
    stmt = (select(Opportunity.lost_reason.label("reason"), func.count(Opportunity.id).label("count"),
                   _amount().label("amount"))
            .where(Opportunity.status == LOST).group_by(Opportunity.lost_reason)
            .order_by(func.count(Opportunity.id).desc(), Opportunity.lost_reason))
    return _visible(stmt, form)


def _team_lost_reasons(form):
    """``lost_reasons`` for a user who sees every opportunity, from the closed months."""
    C = ClosedMonth
    count = func.sum(C.opportunities)
    stmt = (select(C.lost_reason.label("reason"), count.label("count"),
                   cast(func.coalesce(func.sum(C.amount), 0), Numeric(14, 2)).label("amount"))
            .where(C.status == LOST).group_by(C.lost_reason).order_by(count.desc(), C.lost_reason))
    return _closed_in_year(stmt, form)


def forecast(form):
    """Open opportunities by expected close month: count, amount, weighted amount."""
    if sees_all():  # from the open totals
        T = OpenTotal
        month = T.close_month.label("month")
        return (select(month, *_open_figures(func.sum(T.opportunities), func.sum(T.amount), func.sum(T.weighted)))
                .where(*_open_totals(form)).group_by(T.close_month).order_by(T.close_month))
    month = close_month().label("month")
    stmt = (select(month, *_open_figures(func.count(Opportunity.id), func.sum(Opportunity.amount),
                                         func.sum(Opportunity.amount * Opportunity.probability)))
            .where(Opportunity.status.in_(OPEN)).group_by(month).order_by(month))
    return _visible(stmt, form)


REPORTS = [
    Report(key="marketing.funnel", title=_l("Sales funnel"), section=SECTION, permission=PERMISSION,
           description=_l("Open opportunities per pipeline stage, with their amount and probability-weighted amount."),
           columns=(Column("stage", _l("Stage"), "text", labels=_stage_labels),
                    Column("count", _l("Opportunities"), "integer"), Column("amount", _l("Expected amount"), "money"),
                    Column("weighted", _l("Weighted amount"), "money")),
           query=funnel, filters=OwnerFilter, chart=Chart("hbar", label="stage", values=("amount", "weighted")),
           order=10),
    Report(key="marketing.win_rate", title=_l("Win rate per account manager"), section=SECTION,
           permission=PERMISSION,
           description=_l("Won and lost opportunities per assignee and the share won."),
           columns=(Column("assignee", _l("Assigned to")), Column("won", _l("Won"), "integer"),
                    Column("lost", _l("Failed"), "integer"), Column("rate", _l("Win rate"), "percent"),
                    Column("won_amount", _l("Amount won"), "money")),
           query=win_rate, filters=YearFilter, chart=Chart("bar", label="assignee", values=("rate",)), order=20),
    Report(key="marketing.lost_reasons", title=_l("Lost reasons"), section=SECTION, permission=PERMISSION,
           description=_l("Why opportunities were lost: how many and the amount."),
           columns=(Column("reason", _l("Reason"), "text", labels=lambda: basedata.labels(LOST_REASON)),
                    Column("count", _l("Opportunities"), "integer"), Column("amount", _l("Expected amount"), "money")),
           query=lost_reasons, filters=YearFilter, chart=Chart("pie", label="reason", values=("count",)), order=30),
    Report(key="marketing.forecast", title=_l("Forecast by close month"), section=SECTION, permission=PERMISSION,
           description=_l("Open opportunities by expected close month, weighted by their success probability."),
           columns=(Column("month", _l("Expected close month")), Column("count", _l("Opportunities"), "integer"),
                    Column("amount", _l("Expected amount"), "money"), Column("weighted", _l("Weighted amount"), "money")),
           query=forecast, filters=OwnerFilter, chart=Chart("line", label="month", values=("weighted",)), order=40),
]
