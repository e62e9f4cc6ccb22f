"""The importer's database work in bulk: batched IN lookups, batched INSERTs, one all-or-nothing transaction."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from flask import has_request_context

from core.api import _, current_user, db, sees_all
from plugins.customers.importer.progress import ImportProgress
from plugins.customers.importer.table import ImportRefused

CHUNK = 2000  # rows read, checked and inserted at a time: memory stays bounded whatever the file's size
BATCH = 2000  # rows per bulk INSERT statement
IN_BATCH = 1000  # values per IN (...) lookup


def advance(progress: ImportProgress, table) -> None:
    """A chunk of ``table`` was read and checked."""
    progress.reading(table.position, table.size, table.row_count)


def restricted_to() -> int | None:
    """The importing user's id when they see only their own customers; None for everyone else
    (and for the command line, which an operator runs)."""
    if has_request_context() and current_user.is_authenticated and not sees_all():
        return current_user.id
    return None


def lookup(column, wanted, *where) -> dict:
    """``{value: id}`` of the rows whose ``column`` is in ``wanted``, in batched IN queries."""
    model = column.class_
    wanted = list(wanted)
    found = {}
    for start in range(0, len(wanted), IN_BATCH):
        batch = wanted[start:start + IN_BATCH]
        found.update(db.session.execute(select(column, model.id).where(column.in_(batch), *where)).all())
    return found


def bulk_insert(model, rows: list[dict], key=None) -> list[int]:
    """INSERT ``rows`` in batches (one executemany each); with ``key`` (a unique column) the ids of
    the rows, in order, read back by their keys.

    Reading the ids back is two indexed queries per thousand rows, where INSERT ... RETURNING in
    the order of the rows runs one statement per row on SQLite.
    """
    table = model.__table__
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])
    if key is None:
        return []
    ids = lookup(key, [row[key.key] for row in rows])
    return [ids[row[key.key]] for row in rows]


@contextmanager
def all_or_nothing(report):
    """Commit what the block writes if ``report`` has no error; else, or if anything fails, roll it all back.

    A database error refuses the whole file.
    """
    try:
        yield
        if report.error_count:
            db.session.rollback()
        else:
            db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        if not isinstance(exc, SQLAlchemyError):
            raise
        raise ImportRefused(_("The database refused the import, nothing was imported: %(error)s",
                              error=str(getattr(exc, "orig", exc)).splitlines()[0][:300])) from exc
