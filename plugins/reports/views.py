"""Pages of the reports plugin: the overview, one page per report (filters, chart, table) and its exports."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from core.api import _, db, query_args, require_permission, svg_chart

from plugins.reports import VIEW
from plugins.reports.catalog import by_section, may_export, report_or_abort, visible_reports
from plugins.reports.cells import Cells
from plugins.reports.exports import FORMATS, export

blueprint = Blueprint("reports", __name__, template_folder="templates", static_folder="static")

PAGE_ROWS = 100
CHART_ROWS = 20  # a chart of more bars or slices than this is unreadable; the table has them all


@blueprint.route("/")
@require_permission(VIEW)
def index():
    return render_template("reports/index.html", sections=by_section(visible_reports()))


def _filters(report):
    """The report's filter form filled from the query string, and whether it is valid."""
    if report.filters is None:
        return None, True
    form = report.filters(request.args)
    return form, form.validate()


def _page_number() -> int:
    text = request.args.get("page", "1")
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= 100_000 else 1


def _chart(report, cells, rows):
    if report.chart is None or not rows:
        return None
    keys = [column.key for column in report.columns]
    label_index = keys.index(report.chart.label)
    typed = [cells.typed(row) for row in rows[:CHART_ROWS]]
    categories = [cells.shown(values)[label_index] or "—" for values in typed]
    series = []
    for key in report.chart.values:
        index = keys.index(key)
        series.append((report.columns[index].label, [values[index] for values in typed]))
    return svg_chart(report.chart.kind, categories, series)


def _links(report, row) -> list:
    """Each cell's link, when its column has one and it stays inside the CRM."""
    links = []
    for column in report.columns:
        url = column.link(row._mapping) if column.link else None
        links.append(url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else None)
    return links


@blueprint.route("/<key>")
@require_permission(VIEW)
def report(key):
    report = report_or_abort(key)
    form, valid = _filters(report)
    page = _page_number()
    rows, more, chart, cells = [], False, None, Cells(report)
    if valid:
        stmt = report.query(form)
        fetched = db.session.execute(stmt.limit(PAGE_ROWS + 1).offset((page - 1) * PAGE_ROWS)).all()
        rows, more = fetched[:PAGE_ROWS], len(fetched) > PAGE_ROWS
        top = rows if page == 1 else db.session.execute(stmt.limit(CHART_ROWS)).all()
        chart = _chart(report, cells, top)
    table = [list(zip(cells.shown(cells.typed(row)), _links(report, row))) for row in rows]
    return render_template("reports/report.html", report=report, form=form, valid=valid, table=table, page=page,
                           more=more, chart=chart, may_export=may_export(report), chart_rows=CHART_ROWS,
                           export_args=query_args("page"))


def prepared_export(key, fmt):
    """``(report, statement, fmt)`` of an export request; the statement is None when the user may not export."""
    report = report_or_abort(key)
    if fmt not in FORMATS:
        abort(404)
    if not may_export(report):
        return report, None, fmt
    form, valid = _filters(report)
    if not valid:
        abort(400)
    return report, report.query(form), fmt


@blueprint.route("/<key>/export.<fmt>")
@require_permission(VIEW)
def export_file(key, fmt):
    report = report_or_abort(key)
    if not may_export(report):
        abort(403)
    form, valid = _filters(report)
    if not valid:  # the page shows the errors beside the filters
        return redirect(url_for(".report", key=key, **query_args("page", "fmt")))
    if fmt not in FORMATS:
        abort(404)
    return export(report, report.query(form), fmt)
