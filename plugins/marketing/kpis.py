"""Marketing's key figures on the dashboard: the open pipeline's weighted value and the win rate this year,
counted over the opportunities the user may see (their own for an account manager, the team's otherwise)."""
from __future__ import annotations

from datetime import date

from flask import current_app, url_for
from flask_babel import format_decimal

from core.api import _, can, kpi_tile, sees_all, local_today

from plugins.marketing import services


def _scope() -> str:
    return _("Whole team") if sees_all() else _("Your opportunities")


def pipeline_tile():
    """Whole yuan: a key figure is read at a glance (and fits a phone's tile)."""
    total, weighted = services.open_pipeline_value()
    return kpi_tile(_("Open pipeline, weighted"), format_decimal(weighted, format="#,##0"),
                    url=url_for("marketing.pipeline"), scope=_scope(), icon="funnel", order=20,
                    comparison=_("of %(total)s expected", total=format_decimal(total, format="#,##0")))


def _win_rate_url() -> str:
    report = current_app.extensions["crm"].reports.get("marketing.win_rate")
    if report and "reports.report" in current_app.view_functions and can("reports.report.view") \
            and can(report.permission):
        return url_for("reports.report", key="marketing.win_rate", year=local_today().year)
    return url_for("marketing.opportunity_list")


def win_rate_tile():
    year = local_today().year
    won, closed, rate = services.win_rate(since=date(year, 1, 1))
    value = format_decimal(rate, format="#,##0.0") + " %" if rate is not None else "—"
    return kpi_tile(_("Win rate %(year)s", year=year), value, url=_win_rate_url(), scope=_scope(), icon="trophy",
                    comparison=_("%(won)s won of %(closed)s closed", won=won, closed=closed), order=30)


def contribute(slot, context):
    if slot != "dashboard.kpis" or not can("marketing.opportunity.view"):
        return None
    return [pipeline_tile(), win_rate_tile()]
