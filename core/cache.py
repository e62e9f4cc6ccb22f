"""Stable data (roles and their permissions, users' names, dictionaries) kept between requests.

Every page needs the current user's permissions, the account managers' names,
dictionary labels: data that changes a few times a month but was read from the
database several times per request. ``stable(key, load)`` keeps what ``load()``
returns in the process, together with the version of ``key`` it was loaded
under. A change to a watched model (``watch(Model, key)``) bumps the key's
version in ``core_cache_version`` (a new random token) in the same transaction as the change, so every
process — other web workers, job workers, other machines — sees the new
version on its next request and loads again. A request reads all versions in
one statement, the first time it asks for a cached value.

Writes that bypass the ORM's flush (bulk ``update()``/``insert()`` statements,
raw SQL) call ``changed(key)`` themselves in their transaction.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import db

_values: dict[str, tuple[int, Any]] = {}
_lock = threading.Lock()
_watched: dict[type, set[str]] = {}
# An upsert both databases understand: the first change of a key creates its row. A version is
# random rather than counted, so a key whose row was deleted (a database emptied and filled
# again) can never come back to a version that a process still holds other data under.
_BUMP = text("INSERT INTO core_cache_version (key, version) VALUES (:key, :version) "
             "ON CONFLICT (key) DO UPDATE SET version = :version")


class CacheVersion(db.Model):
    """The version of one cached key; bumped by every change to the data it caches."""

    __tablename__ = "core_cache_version"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))


def versions() -> dict[str, str]:
    """Every key's version, read once per request (one statement)."""
    if "crm_cache_versions" not in g:
        g.crm_cache_versions = dict(db.session.execute(select(CacheVersion.key, CacheVersion.version)).all())
    return g.crm_cache_versions


def stable(key: str, load: Callable[[], Any]) -> Any:
    """``load()``'s value, kept in this process until ``key``'s data changes.

    Outside a request (commands, jobs without a request) it simply loads. The
    value is shared by threads and requests: treat it as read-only.
    """
    if not has_request_context():
        return load()
    version = versions().get(key, "")
    kept = _values.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    value = load()
    with _lock:
        _values[key] = (version, value)
    return value


def clear() -> None:
    """Forget every kept value in this process (tests that empty the database)."""
    with _lock:
        _values.clear()


def watch(model: type, key: str) -> None:
    """Every flush that adds, changes or deletes a ``model`` row bumps ``key``."""
    _watched.setdefault(model, set()).add(key)


def changed(key: str, session: Session | None = None) -> None:
    """Bump ``key`` in the current transaction (for writes the ORM's flush does not see)."""
    bump({key}, (session or db.session).connection())


def bump(keys: set[str], connection) -> None:
    """New versions of ``keys``, written on ``connection`` (in its transaction)."""
    for key in sorted(keys):  # one order everywhere: two transactions never wait on each other's rows
        connection.execute(_BUMP, {"key": key, "version": uuid.uuid4().hex})
    if has_request_context():
        g.pop("crm_cache_versions", None)  # this request reads the new versions too


@event.listens_for(Session, "after_flush")
def _bump_watched(session, flush_context) -> None:
    if not _watched:
        return
    keys: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        for model in type(obj).__mro__:
            keys |= _watched.get(model, set())
    if keys:
        bump(keys, session.connection())
