"""Service's key figures on the dashboard: open requests, breached SLAs and the average satisfaction this
year, counted over the requests the user may see (their own for an account manager, the team's otherwise)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, url_for
from flask_babel import format_decimal

from core.api import _, can, kpi_tile, local_today, sees_all, to_utc

from plugins.service import services


def _scope() -> str:
    return _("Whole team") if sees_all() else _("Your service requests")


def open_tile():
    return kpi_tile(_("Open service requests"), str(services.open_requests()), url=url_for("service.request_list"),
                    scope=_scope(), icon="headset", order=40, comparison=_("new or assigned, not yet handled"))


def breached_tile():
    breached = services.breached_requests()
    return kpi_tile(_("Breached SLAs"), str(breached), url=url_for("service.request_list", overdue="y"),
                    scope=_scope(), icon="alarm", order=41, trend="down" if breached else None,
                    comparison=_("open requests past a service-level target"))


def _satisfaction_url() -> str:
    """The satisfaction report when the reports plugin is enabled and the user may open it, else the archive."""
    report = current_app.extensions["crm"].reports.get("service.satisfaction_by_type")
    if report and "reports.report" in current_app.view_functions and can("reports.report.view") \
            and can(report.permission):
        return url_for("reports.report", key="service.satisfaction_by_type")
    return url_for("service.request_list", status="archived")


def satisfaction_tile():
    year = local_today().year
    average = services.average_satisfaction(since=to_utc(datetime(year, 1, 1)))
    value = format_decimal(average, format="0.0") + " / 5" if average is not None else "—"
    return kpi_tile(_("Average satisfaction %(year)s", year=year), value,
                    url=_satisfaction_url(), scope=_scope(), icon="emoji-smile",
                    order=42, comparison=_("of the requests archived this year"))


def contribute(slot, context):
    if slot != "dashboard.kpis" or not can("service.request.view"):
        return None
    return [open_tile(), breached_tile(), satisfaction_tile()]
