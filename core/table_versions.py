"""A version of each table's rows, new after every committed transaction that wrote the table.

A list's exact total is kept between requests (core/kept_counts.py) while the tables its count
reads keep the versions it was counted under: any process's committed INSERT, UPDATE or DELETE
of one of them makes the next page count again, so a saved change shows in the total at once.

Every statement a connection runs that writes (the ORM's flushes, bulk statements, raw SQL) names
its tables; those of a transaction are, once it has committed, given a new version under
``rows:<table>`` in core_cache_version (core.cache, read once per request), in a transaction of
their own. Not in the writing transaction: its version row would stay locked until it commits,
so every transaction writing customers would wait for the others — for an import's whole length.
After the commit, a count taken between the commit and the new version is kept under the old
version but already holds the change; a process killed in between leaves the old version, and
the count is kept at most ``CRM_COUNT_CAP_SECONDS``.
"""
from __future__ import annotations

import logging
import re
import threading
import time

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.expression import TableClause

from core import cache

log = logging.getLogger(__name__)

PREFIX = "rows:"
_MAY_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|WITH|REPLACE)\b", re.IGNORECASE)
_TARGETS = re.compile(r'\b(?:INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z_]\w*)', re.IGNORECASE)
_NOT_TABLES = {"core_cache_version", "set", "of", "nowait", "skip"}  # "DO UPDATE SET", "FOR UPDATE OF"
_committed = threading.local()  # tables of the thread's transactions committed, not yet given versions
_tables_read: dict = {}  # a statement's cache key -> the tables it reads
TABLES_KEPT_AT_MOST = 10_000


@event.listens_for(Engine, "after_cursor_execute")
def _note_written(conn, cursor, statement, parameters, context, executemany) -> None:
    if _MAY_WRITE.match(statement):
        names = {name.lower() for name in _TARGETS.findall(statement)} - _NOT_TABLES
        if names:
            conn.info.setdefault("crm_written", set()).update(names)


@event.listens_for(Engine, "commit")
def _committing(conn) -> None:
    written = conn.info.pop("crm_written", None)
    if written:
        if not hasattr(_committed, "tables"):
            _committed.tables = set()
        _committed.tables |= written


@event.listens_for(Engine, "rollback")
def _rolled_back(conn) -> None:
    conn.info.pop("crm_written", None)


@event.listens_for(Session, "after_transaction_end")
def _new_versions(session, transaction) -> None:
    # After the session has given its connection back (not in after_commit, where it still holds
    # it): twenty requests saving at once would otherwise need forty connections of the pool.
    tables = getattr(_committed, "tables", None)
    if not tables or transaction.parent is not None:
        return
    _committed.tables = set()
    engine = session.get_bind().engine
    try:
        with engine.begin() as conn:
            cache.bump({PREFIX + name for name in tables}, conn)
    except SQLAlchemyError:
        # The work is saved; its lists' kept totals are then at most CRM_COUNT_CAP_SECONDS old.
        log.exception("new versions of %s not written", sorted(tables))


def versions_read(statement, statement_key) -> tuple | None:
    """The versions of the tables ``statement`` reads (None outside a request): equal later, none of
    them has been written since."""
    if not has_request_context():
        return None
    names = _tables_read.get(statement_key)
    if names is None:
        if len(_tables_read) >= TABLES_KEPT_AT_MOST:
            _tables_read.clear()
        found = {element.name for element in visitors.iterate(statement) if isinstance(element, TableClause)}
        names = _tables_read[statement_key] = tuple(sorted(found))
    versions = cache.versions()
    return tuple(versions.get(PREFIX + name, "") for name in names)


KEPT_AT_MOST = 1024  # values per process (kept_while_unchanged); past that the oldest half is dropped


def kept_while_unchanged(key, tables: tuple[str, ...], load, seconds: float = 30):
    """``load()``'s value, kept in this process under ``key`` while ``tables`` keep their versions, and at
    most ``seconds`` (a process killed between a commit and its new versions leaves the old ones): a small
    read that every page repeats — the top bar's bell — costs no statement while nothing is written.
    Outside a request it simply loads. The value is shared by the process's threads: read-only."""
    if not has_request_context() or seconds <= 0:
        return load()
    # Read before loading: a change committed after this read gets a new version, so a value that may
    # have missed it is never kept under the version it is checked against.
    versions = cache.versions()
    current = tuple(versions.get(PREFIX + name, "") for name in tables)
    kept = current_app.extensions.setdefault("crm_kept_values", {})
    now = time.monotonic()
    found = kept.get(key)
    if found is not None and found[0] > now and found[1] == current:
        return found[2]
    value = load()
    keep(kept, key, (now + seconds, current, value), KEPT_AT_MOST)
    return value


def keep(store: dict, key, entry: tuple, at_most: int) -> None:
    """``store[key] = entry`` (an entry starts with the time it expires); a store of ``at_most`` entries
    first drops its oldest half, so that a process keeps a bounded number of values."""
    if len(store) >= at_most:
        # (a copy of the items first: another thread of a threaded server may change the dict meanwhile)
        for old, _ in sorted(list(store.items()), key=lambda item: item[1][0])[:at_most // 2]:
            store.pop(old, None)
    store[key] = entry
