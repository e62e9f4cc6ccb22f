"""The reports a user may open: looked up in what the enabled plugins registered."""
from __future__ import annotations

from flask import abort, current_app

from core.api import Report, can


def all_reports() -> dict[str, Report]:
    return current_app.extensions["crm"].reports


def visible_reports() -> list[Report]:
    """The reports the current user may open, in plugin load order, then by ``order``."""
    plugins = current_app.extensions["crm"].enabled_names
    reports = [report for report in all_reports().values() if can(report.permission)]
    return sorted(reports, key=lambda r: (plugins.index(r.plugin) if r.plugin in plugins else len(plugins), r.order))


def by_section(reports: list[Report]) -> list[tuple[str, list[Report]]]:
    """``reports`` grouped by section, sections in the order of their first report."""
    sections: dict[str, list[Report]] = {}
    for report in reports:
        sections.setdefault(str(report.section), []).append(report)
    return list(sections.items())


def report_or_abort(key: str) -> Report:
    """The report ``key``: 404 when no enabled plugin registers it, 403 when the user may not open it."""
    report = all_reports().get(key)
    if report is None:
        abort(404)
    if not can(report.permission):
        abort(403)
    return report


def may_export(report: Report) -> bool:
    from plugins.reports import EXPORT

    return can(report.export_permission or EXPORT)

