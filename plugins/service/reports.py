"""Service's reports, rendered by the reports plugin when it is enabled (``register_reports``).

Each is one aggregate statement over the visible requests (data scope through
``scoped``): requests by type (客户服务分析), satisfaction by type and by
handler, and SLA attainment by month. For users who see every request they are
summed from the monthly tables of ``month_summaries`` (the same figures, a few
hundred rows instead of half a million).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Numeric, String, case, cast, func, literal, select
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from core.api import (
    Chart, Column, FilterForm, Report, User, db, lazy_gettext as _l, mean, scoped, sees_all, year_range,
)

from plugins.basedata import services as basedata
from plugins.service.models import ARCHIVED, MET, PRIORITIES, Round, ServiceRequest
from plugins.service.month_summaries import ArchivedMonth, RequestMonth, RoundMonth

R = ServiceRequest
SECTION = _l("Service")
PERMISSION = "service.report.view"


def _year(label):
    return IntegerField(label, validators=[Optional(), NumberRange(min=1900, max=9999)])


class YearFilter(FilterForm):
    year = _year(_l("Year created"))


class RatedYearFilter(FilterForm):
    year = _year(_l("Year rated"))


class PriorityYearFilter(FilterForm):
    year = _year(_l("Year archived"))
    priority = SelectField(_l("Priority"), default="", choices=[("", _l("Any"))] + list(PRIORITIES.items()))


def _year(form):
    return getattr(getattr(form, "year", None), "data", None)


def _in_year(stmt, form, column=R.created_at):
    year = _year(form)
    if year:
        stmt = stmt.where(column >= datetime(year, 1, 1), column < datetime(year + 1, 1, 1))
    return stmt


def _months_in_year(stmt, form, month):
    """A summary's months in the form's year (UTC, as the timestamps they group), all without one."""
    year = _year(form)
    if year:
        first, following = year_range(year)
        stmt = stmt.where(month >= first, month < following)
    return stmt


def _average(column):
    return cast(func.avg(column), Numeric(4, 2))


def _mean(total, count):
    """What ``_average`` gives over the rows, from their sum and count."""
    return cast(mean(total, count, db.session.get_bind().dialect.name), Numeric(4, 2))


def _share(part, count):
    return cast(part * 100.0 / count, Numeric(5, 1))


def by_type(form):
    """客户服务分析: requests per service type."""
    if sees_all():
        count = func.sum(RequestMonth.requests)
        stmt = (select(RequestMonth.type.label("type"), count.label("count")).group_by(RequestMonth.type)
                .order_by(count.desc(), RequestMonth.type))
        return _months_in_year(stmt, form, RequestMonth.month)
    stmt = select(R.type.label("type"), func.count(R.id).label("count")).group_by(R.type) \
        .order_by(func.count(R.id).desc(), R.type)
    return _in_year(scoped(stmt, ServiceRequest), form)


def satisfaction_by_type(form):
    """Archived requests per type: how many, their average final satisfaction, the share satisfied (≥ 3)."""
    if sees_all():
        M = RequestMonth
        count = func.sum(M.archived)
        stmt = (select(M.type.label("type"), count.label("count"),
                       _mean(func.sum(M.satisfaction), func.sum(M.rated)).label("average"),
                       _share(func.sum(M.satisfied), count).label("satisfied"))
                .group_by(M.type).having(count > 0).order_by(M.type))
        return _months_in_year(stmt, form, M.month)
    count = func.count(R.id)
    stmt = (select(R.type.label("type"), count.label("count"), _average(R.satisfaction).label("average"),
                   cast(func.sum(case((R.satisfaction >= 3, 1), else_=0)) * 100.0 / count, Numeric(5, 1))
                   .label("satisfied"))
            .where(R.status == ARCHIVED).group_by(R.type).order_by(R.type))
    return _in_year(scoped(stmt, ServiceRequest), form)


def satisfaction_by_handler(form):
    """Rated rounds per handler: each round's satisfaction counts for whoever handled it."""
    if sees_all():
        M = RoundMonth
        count, average = func.sum(M.rounds), _mean(func.sum(M.satisfaction), func.sum(M.rounds))
        stmt = (select(func.coalesce(User.display_name, literal("—")).label("handler"), count.label("rounds"),
                       average.label("average"), _share(func.sum(M.satisfied), count).label("satisfied"))
                .select_from(M).outerjoin(User, User.id == M.handler_id)
                .group_by(User.id, User.display_name).order_by(average.desc(), User.display_name))
        return _months_in_year(stmt, form, M.month)
    count = func.count(Round.id)
    stmt = (select(func.coalesce(User.display_name, literal("—")).label("handler"), count.label("rounds"),
                   _average(Round.satisfaction).label("average"),
                   cast(func.sum(case((Round.satisfaction >= 3, 1), else_=0)) * 100.0 / count, Numeric(5, 1))
                   .label("satisfied"))
            .select_from(Round).join(R, R.id == Round.request_id).outerjoin(User, User.id == Round.handler_id)
            .where(Round.satisfaction.is_not(None))
            .group_by(User.id, User.display_name).order_by(_average(Round.satisfaction).desc(), User.display_name))
    return _in_year(scoped(stmt, ServiceRequest), form, Round.feedback_at)


def sla_attainment(form):
    """Archived requests per month archived: the share that met the response and the resolution target."""
    priority = getattr(getattr(form, "priority", None), "data", None)
    if sees_all():
        M = ArchivedMonth
        month, count = func.substr(cast(M.month, String), 1, 7).label("month"), func.sum(M.requests)
        stmt = (select(month, count.label("count"), _share(func.sum(M.response_met), count).label("response"),
                       _share(func.sum(M.resolution_met), count).label("resolution"))
                .group_by(month).order_by(month))
        if priority:
            stmt = stmt.where(M.priority == priority)
        return _months_in_year(stmt, form, M.month)
    month = func.substr(cast(R.archived_at, String), 1, 7).label("month")
    count = func.count(R.id)

    def share(column):
        return cast(func.sum(case((column == MET, 1), else_=0)) * 100.0 / count, Numeric(5, 1))

    stmt = (select(month, count.label("count"), share(R.response_state).label("response"),
                    share(R.resolution_state).label("resolution"))
            .where(R.status == ARCHIVED).group_by(month).order_by(month))
    if priority:
        stmt = stmt.where(R.priority == priority)
    return _in_year(scoped(stmt, ServiceRequest), form, R.archived_at)


def _types():
    return basedata.labels(basedata.SERVICE_TYPE)


REPORTS = [
    Report(key="service.by_type", title=_l("Service analysis"), section=SECTION, permission=PERMISSION,
           description=_l("Number of service requests per service type."),
           columns=(Column("type", _l("Service type"), "text", labels=_types),
                    Column("count", _l("Service requests"), "integer")),
           query=by_type, filters=YearFilter, chart=Chart("bar", label="type", values=("count",)), order=10),
    Report(key="service.satisfaction_by_type", title=_l("Satisfaction by service type"), section=SECTION,
           permission=PERMISSION,
           description=_l("Archived requests per service type: the average final satisfaction (1–5) and the share "
                          "rated 3 or more."),
           columns=(Column("type", _l("Service type"), "text", labels=_types),
                    Column("count", _l("Archived requests"), "integer"),
                    Column("average", _l("Average satisfaction (1–5)"), "money"),
                    Column("satisfied", _l("Satisfied (3 or more)"), "percent")),
           query=satisfaction_by_type, filters=YearFilter,
           chart=Chart("bar", label="type", values=("satisfied",)), order=20),
    Report(key="service.satisfaction_by_handler", title=_l("Satisfaction by handler"), section=SECTION,
           permission=PERMISSION,
           description=_l("Every rated round counts for the person who handled it: the average satisfaction (1–5) "
                          "and the share rated 3 or more."),
           columns=(Column("handler", _l("Handled by")), Column("rounds", _l("Rated rounds"), "integer"),
                    Column("average", _l("Average satisfaction (1–5)"), "money"),
                    Column("satisfied", _l("Satisfied (3 or more)"), "percent")),
           query=satisfaction_by_handler, filters=RatedYearFilter,
           chart=Chart("hbar", label="handler", values=("satisfied",)), order=30),
    Report(key="service.sla_attainment", title=_l("SLA attainment"), section=SECTION, permission=PERMISSION,
           description=_l("Archived requests per month: the share that met the response target and the "
                          "resolution target."),
           columns=(Column("month", _l("Month archived")), Column("count", _l("Archived requests"), "integer"),
                    Column("response", _l("Response target met"), "percent"),
                    Column("resolution", _l("Resolution target met"), "percent")),
           query=sla_attainment, filters=PriorityYearFilter,
           chart=Chart("line", label="month", values=("response", "resolution")), order=40),
]
