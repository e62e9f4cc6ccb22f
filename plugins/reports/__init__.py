"""Statistics and reports (统计报表): renders the reports every enabled plugin contributes.

The reports themselves live in the plugins that own the data (``register_reports``);
this plugin lists them, draws their charts, shows their tables and exports them
to CSV and Excel. It imports no other plugin.
"""
from core.api import Job, MenuItem, Permission, hookimpl, lazy_gettext as _l

name = "reports"
title = _l("Reports")
version = "0.1.0"
requires = ()

SECTION = _l("Statistics and reports")
VIEW = "reports.report.view"
EXPORT = "reports.report.export"
EXPORT_JOB = "reports.export"

PERMISSIONS = [
    Permission(VIEW, _l("Open the reports overview")),
    Permission(EXPORT, _l("Export reports (CSV, Excel)")),
]


@hookimpl
def register_blueprints():
    from plugins.reports.views import blueprint

    return [blueprint]


@hookimpl
def register_permissions():
    return PERMISSIONS


@hookimpl
def register_roles():
    everything = [VIEW, EXPORT]
    return {"admin": everything, "sales_director": everything, "executive": everything,
            "account_manager": everything}


@hookimpl
def register_menu_items():
    return [MenuItem(_l("All reports"), "reports.index", VIEW, SECTION, 700, "bar-chart-line")]


def _export_job():
    from plugins.reports.exports import export_job

    return export_job()


@hookimpl
def register_jobs():
    return [Job(EXPORT_JOB, _export_job)]
