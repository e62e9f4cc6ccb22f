"""List pages: filters, pagination (``core.paging``), streamed CSV export, export jobs."""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from urllib.parse import quote

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from core.db import db
from core.formatting import iso
from core.i18n import _, ngettext
from core.jobs.runner import JobFailed, Outcome, TooManyJobs, current_job_id, output_file, report_progress, start_job
from core.paging import MAX_ID, Page, paginate, sort_columns, sort_order  # noqa: F401  (re-exported)

# A list of at most this many rows is exported in the request itself: a few
# thousand rows stream in well under a second, far from any worker timeout, and
# the count that decides it stops at this bound. A longer list is exported by a
# worker into a file that is kept only when complete, then downloaded: a web
# worker's timeout can never cut it short.
DIRECT_EXPORT_ROWS = 5000  # the default of CRM_DIRECT_EXPORT_ROWS


class FilterForm(FlaskForm):
    """Base for list filter forms: submitted by GET, so no CSRF token in the URL."""

    class Meta:
        csrf = False


def query_args(*drop: str) -> dict:
    """The request's query arguments that may be handed to ``url_for`` again: without ``url_for``'s own
    keywords (``endpoint``, ``_method``, ``_anchor``...), the page's path arguments (``customer_id``) and ``drop``.

    ``url_for(request.endpoint, **request.view_args, **request.args)`` would otherwise fail on ``?endpoint=``
    or ``?customer_id=`` (a TypeError, an error page) and follow ``?_external=`` or ``?_scheme=``.
    """
    taken = {"endpoint", *(request.view_args or {}), *drop}
    return {key: value for key, value in request.args.items() if key not in taken and not key.startswith("_")}


def id_or_none(text) -> int | None:
    """``text`` (a query argument, a CSV cell) as a record id, or None when it cannot be one.

    ``str.isdigit`` alone lets through "²" (int() fails) and numbers the
    database refuses to compare with an INTEGER column: both were errors, not "no match".
    """
    if isinstance(text, str) and text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        return int(text)
    return None


def contains(column, text: str):
    """``column`` contains ``text``, case-insensitively, with ``%`` and ``_`` taken literally.

    Rendered as ILIKE on PostgreSQL, where a trigram (``gin_trgm_ops``) index can serve it.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cells(row) -> list[str]:
    """One CSV line's cells: spreadsheets run cells that start like a formula, so those get a prefix that
    keeps them text; dates and times are ISO whatever the language, without microseconds.

    Two comprehensions and no call per text cell: an export of a million rows converts 14 million cells.
    """
    cells = [value if value.__class__ is str else iso(value) for value in row]
    return ["'" + text if text.startswith(_FORMULA_START) else text for text in cells]


def csv_response(filename: str, header: list, rows) -> Response:
    """Stream ``rows`` (an iterable of sequences) as a UTF-8 CSV that Excel opens correctly."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield codecs.BOM_UTF8.decode("utf-8")
        writer.writerow([str(h) for h in header])
        for row in rows:
            writer.writerow(_safe_cells(row))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def stream(stmt, sorts: dict, default: str, tiebreak, batch: int = 1000) -> Iterator:
    """Every row of ``stmt`` in the list's sort order, fetched in batches (for exports).

    A generator: nothing runs until the first row is asked for, so handed to
    ``csv_response`` the query runs while the response streams, in the request
    context ``stream_with_context`` keeps open.
    """
    sort = sort_order(sorts, default)
    columns = (*sort_columns(sorts[sort.lstrip("-")]), tiebreak)
    order = [c.desc() if sort.startswith("-") else c.asc() for c in columns]
    with db.session.execute(stmt.order_by(*order).execution_options(yield_per=batch)) as result:
        yield from (result.scalars() if len(stmt.column_descriptions) == 1 else result)


def list_page(stmt, sorts: dict, default: str, tiebreak, *, template: str,
              export: tuple | None = None, walk: bool = False, count=None, cap: int | None = None, **context):
    """A list view's answer: with ``?export=csv`` and ``export=(filename, header, to_row)``
    every row of ``stmt`` as CSV (``to_row`` turns one result row into the cells);
    otherwise one page of ``stmt`` rendered with ``template``, as ``page``,
    beside ``context``. Sorting and the tiebreak are those of ``paginate``/``stream``.

    ``export=(filename, header, to_row, columns)`` exports plain rows of just
    those columns instead of ``stmt``'s model objects (``to_row`` then gets a
    row of them, best unpacked in their order: a field read by name costs ~1 µs):
    a million rows export several times faster, in constant memory.

    A short list's CSV streams in the response; a long one is written by a job on
    the queue (the view runs again there, as the same user with the same
    arguments) and the user is sent to the job's page, which ends with the download.
    ``walk``, ``count`` and ``cap`` are ``paginate``'s.
    """
    if export is not None and request.args.get("export") == "csv":
        filename, header, to_row, *columns = export
        exported = stmt.with_only_columns(*columns[0], maintain_column_froms=True) if columns else stmt
        rows = map(to_row, stream(exported, sorts, default, tiebreak))
        if current_job_id() is not None:
            return _export_to_file(filename, header, rows, stmt)
        if _at_most(stmt, current_app.config.get("CRM_DIRECT_EXPORT_ROWS", DIRECT_EXPORT_ROWS)):
            return csv_response(filename, header, rows)
        return _start_export(filename)
    return render_template(template, page=paginate(stmt, sorts, default, tiebreak, walk=walk, count=count, cap=cap),
                           **context)


def _at_most(stmt, bound: int) -> bool:
    """Does ``stmt`` have at most ``bound`` rows? Counts no further than ``bound + 1``."""
    limited = stmt.order_by(None).limit(bound + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) <= bound


def _start_export(filename: str):
    from core.builtin import EXPORT_JOB

    path = request.full_path
    key = "export:" + hashlib.sha256(path.encode()).hexdigest()
    try:
        job = start_job(EXPORT_JOB, _("Export %(file)s", file=filename), key=key, path=path)
    except TooManyJobs as exc:
        flash(str(exc), "warning")
        return redirect(request.path)
    return redirect(url_for("jobs.status", job_id=job.id))


def _export_to_file(filename: str, header: Sequence, rows, stmt) -> Outcome:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    done = 0
    with output_file(filename) as out:
        out.write(codecs.BOM_UTF8.decode("utf-8"))
        writer = csv.writer(out)
        writer.writerow([str(h) for h in header])
        for row in rows:
            writer.writerow(_safe_cells(row))
            done += 1
            if done % 1000 == 0:
                report_progress(done, total)
    return Outcome(ngettext("%(num)d row exported.", "%(num)d rows exported.", done))


def export_job() -> Outcome:
    """The ``list-export`` job: run the list view of the job's request, which writes the CSV file."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or request.args.get("export") != "csv":
        raise JobFailed(_("This list cannot be exported."))
    try:
        outcome = view(**request.view_args)
    except HTTPException as exc:
        raise JobFailed(_("You may no longer export this list.")) from exc
    if not isinstance(outcome, Outcome):
        raise JobFailed(_("This list cannot be exported."))
    return outcome
