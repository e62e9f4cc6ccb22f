"""Exports of a report: CSV, and Excel (.xlsx) written in constant memory with typed cells.

A report of at most ``CRM_DIRECT_EXPORT_ROWS`` rows is exported in the request;
a longer one by a job on the queue, which writes the file and ends with its download.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import tempfile
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, request, stream_with_context, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from core.api import (
    JobFailed, Outcome, TooManyJobs, _, current_job_id, db, ngettext, output_file, report_progress,
    start_job,
)

from plugins.reports.cells import Cells

FORMATS = ("csv", "xlsx")
DIRECT_EXPORT_ROWS = 5000
EXCEL_ROWS = 1_048_576  # rows per sheet in Excel, the header row included
BATCH = 2000
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")


def file_name(report, fmt: str) -> str:
    return f"{report.key.replace('.', '-')}.{fmt}"


def _rows(stmt):
    with db.session.execute(stmt.execution_options(yield_per=BATCH)) as result:
        yield from result


def _count(stmt, bound: int | None = None) -> int:
    inner = stmt.order_by(None) if bound is None else stmt.limit(bound + 1)
    return db.session.scalar(select(func.count()).select_from(inner.subquery()))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    """Numbers and dates as plain text; text that a spreadsheet would run as a formula gets a quote."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_chunks(report, rows):
    """The CSV file in pieces: a BOM (Excel then reads UTF-8), the header, the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(codecs.BOM_UTF8.decode("utf-8"))
    writer.writerow(_header(report))
    for values in rows:
        writer.writerow([_csv_cell(value) for value in values])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _typed_rows(report, stmt, progress=None):
    cells = Cells(report)
    for number, row in enumerate(_rows(stmt), 1):
        if progress and number % BATCH == 0:
            progress(number)
        yield cells.typed(row)


def _header(report) -> list[str]:
    return [str(column.label) for column in report.columns]


def sheet_title(report) -> str:
    return _SHEET_FORBIDDEN.sub(" ", str(report.title)).strip()[:24] or "Report"


def write_xlsx(out, report, rows) -> int:
    """Write ``rows`` (typed values) to the workbook file ``out``; returns how many rows were written.

    ``constant_memory`` flushes each row as it is written. Past Excel's row
    limit the rows go on in a new sheet with the same header.
    """
    import xlsxwriter  # on first use: the app starts without it

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "bottom": 1})
    formats = {"money": workbook.add_format({"num_format": "#,##0.00"}),
               "percent": workbook.add_format({"num_format": "0.0%"}),
               "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
               "integer": workbook.add_format({"num_format": "#,##0"})}
    types = [column.type for column in report.columns]
    header = _header(report)
    title = sheet_title(report)
    sheet, row_number, sheets, written = None, EXCEL_ROWS, 0, 0
    for values in rows:
        if row_number >= EXCEL_ROWS:
            sheets += 1
            sheet = workbook.add_worksheet(title if sheets == 1 else f"{title} ({sheets})")
            sheet.write_row(0, 0, header, bold)
            sheet.freeze_panes(1, 0)
            for index, kind in enumerate(types):
                sheet.set_column(index, index, 14 if kind != "text" else 28)
            row_number = 1
        for col, (kind, value) in enumerate(zip(types, values)):
            if value is None:
                sheet.write_blank(row_number, col, None)
            elif kind == "date":
                sheet.write_datetime(row_number, col, value, formats["date"])
            elif kind == "percent":
                sheet.write_number(row_number, col, float(value) / 100, formats["percent"])
            elif kind in ("money", "integer"):
                sheet.write_number(row_number, col, float(value) if kind == "money" else value, formats[kind])
            else:
                sheet.write_string(row_number, col, str(value))
        row_number += 1
        written += 1
    if sheet is None:  # no rows: the header alone
        sheet = workbook.add_worksheet(title)
        sheet.write_row(0, 0, header, bold)
    workbook.close()
    return written


def _xlsx_response(report, stmt) -> Response:
    """Write the workbook to a temporary file (constant memory), then stream it out."""
    spool = tempfile.TemporaryFile()
    write_xlsx(spool, report, _typed_rows(report, stmt))
    spool.seek(0)

    def generate():
        with spool:
            while chunk := spool.read(64 * 1024):
                yield chunk

    name = file_name(report, "xlsx")
    return Response(generate(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def export(report, stmt, fmt: str):
    """The response to an export request: the file, or a redirect to the job that writes it."""
    bound = current_app.config.get("CRM_DIRECT_EXPORT_ROWS", DIRECT_EXPORT_ROWS)
    if _count(stmt, bound) > bound:
        return _start_job(report)
    if fmt == "xlsx":
        return _xlsx_response(report, stmt)
    name = file_name(report, "csv")
    return Response(stream_with_context(_csv_chunks(report, _typed_rows(report, stmt))), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _start_job(report):
    from plugins.reports import EXPORT_JOB

    path = request.full_path
    key = "report:" + hashlib.sha256(path.encode()).hexdigest()
    try:
        job = start_job(EXPORT_JOB, _("Export %(file)s", file=file_name(report, request.view_args["fmt"])),
                        key=key, path=path)
    except TooManyJobs as exc:
        flash(str(exc), "warning")
        return redirect(url_for("reports.report", key=report.key))
    return redirect(url_for("jobs.status", job_id=job.id))


class _Counted:
    """Iterates ``rows`` and counts them."""

    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def export_job() -> Outcome:
    """The ``reports.export`` job: in the export request's context, write the whole report to a file."""
    from plugins.reports.views import prepared_export

    if current_job_id() is None or request.endpoint != "reports.export_file":
        raise JobFailed(_("This report cannot be exported."))
    try:
        report, stmt, fmt = prepared_export(**request.view_args)
    except HTTPException:
        stmt = None
    if stmt is None:
        raise JobFailed(_("You may no longer export this report."))
    total = _count(stmt) or 1
    progress = lambda done: report_progress(done, total)  # noqa: E731
    rows = _typed_rows(report, stmt, progress)
    if fmt == "xlsx":
        with output_file(file_name(report, "xlsx"), mode="wb") as out:
            written = write_xlsx(out, report, rows)
    else:
        counted = _Counted(rows)
        with output_file(file_name(report, "csv")) as out:
            for chunk in _csv_chunks(report, counted):
                out.write(chunk)
        written = counted.count
    return Outcome(ngettext("%(num)d row exported.", "%(num)d rows exported.", written))
