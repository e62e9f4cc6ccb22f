"""The importer's database work in bulk: batched IN lookups, batched INSERTs, one all-or-nothing transaction."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from core.api import _, db
from plugins.customers.importer.table import ImportRefused

BATCH = 2000  # rows per bulk INSERT statement
IN_BATCH = 500  # values per IN (...) lookup

Progress = Callable[[int], None]


def advance(progress: Progress | None, steps: int) -> None:
    if progress:
        progress(steps)


def lookup(column, wanted, *where) -> dict:
    """``{value: id}`` of the rows whose ``column`` is in ``wanted``, in batched IN queries."""
    model = column.class_
    wanted = list(wanted)
    found = {}
    for start in range(0, len(wanted), IN_BATCH):
        batch = wanted[start:start + IN_BATCH]
        found.update(db.session.execute(select(column, model.id).where(column.in_(batch), *where)).all())
    return found


def bulk_insert(model, rows: list[dict], progress: Progress | None, returning=None) -> list:
    """INSERT ``rows`` in batches; with ``returning`` the given column of each row, in order."""
    returned = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if returning is not None:
            stmt = insert(model).returning(returning, sort_by_parameter_order=True)
            returned.extend(db.session.scalars(stmt, chunk))
        else:
            db.session.execute(insert(model), chunk)
        advance(progress, len(chunk))
    return returned


@contextmanager
def all_or_nothing():
    """Commit what the block writes, or roll all of it back and refuse the file if the database says no."""
    try:
        yield
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise ImportRefused(_("The database refused the import, nothing was imported: %(error)s",
                              error=str(getattr(exc, "orig", exc)).splitlines()[0][:300])) from exc
