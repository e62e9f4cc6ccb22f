"""Model mixins every business table uses: timestamps, creator, version, audit."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from core.db import db


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL store it unchanged; the UI converts it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def code_string(length: int) -> String:
    """A key or code column (a record's number, a dictionary value, a status, a normalised key), compared
    byte by byte on PostgreSQL (``COLLATE "C"``); a plain ``String(length)`` on SQLite, which compares so anyway.

    In a database whose collation is ``C.UTF-8`` — which PostgreSQL does not treat as ``C`` — every
    comparison in a B-tree holding such a column went through the C library's ``strcoll``: 14 of the
    customers' indexes and the audit log's (table, record) index, each descended once per imported row
    (100,000 customers into a million: 6.9 -> 6.4 s of backend CPU). ``C.UTF-8`` orders by code point, as
    ``C`` orders UTF-8 bytes, so sorts are unchanged. Not for text searched case-insensitively (a name):
    under ``C``, ``lower()`` and ``ILIKE`` fold ASCII letters only. Compare such a column with parameters
    and with columns of the same collation: PostgreSQL refuses to compare two columns of different ones.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def migrate_to_code_strings(table: str, lengths: dict[str, int], *, undo: bool = False) -> None:
    """In a migration: make the ``String`` columns ``lengths`` (``{name: length}``) of ``table`` what
    ``code_string`` declares (``undo``: back to the database's collation). PostgreSQL only: ALTER TYPE
    rebuilds their indexes and drops their statistics, gathered again if the table had any (a new
    database's planner keeps assuming an unanalysed table's size)."""
    from alembic import op
    from sqlalchemy import text

    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    analysed = bind.execute(text("SELECT reltuples > 0 FROM pg_class WHERE oid = CAST(:name AS regclass)"),
                            {"name": table}).scalar()
    collation = "" if undo else ' COLLATE "C"'
    op.execute(f"ALTER TABLE {table} " + ", ".join(
        f"ALTER COLUMN {name} TYPE varchar({length}){collation}" for name, length in lengths.items()))
    if analysed:
        op.execute(f"ANALYZE {table}")


def recreate_indexes(table: str, columns_of: dict[str, list[str]]) -> None:
    """In a migration: drop each index ``name`` of ``table`` and create it again on ``columns_of[name]``
    (more columns for a query to read from its entries, say); on SQLite each is analysed, which plans an
    index without statistics as if it were very selective."""
    from alembic import op

    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in columns_of.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for name in columns_of:
            op.execute(f"ANALYZE {name}")


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CreatorMixin:
    """``created_by_id`` is set by the server from the logged-in user, never typed."""

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"), nullable=True)


class VersionMixin:
    """Optimistic locking: a save based on an old version is refused (see ``is_stale``)."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class AuditMixin:
    """Marks a model whose creates, updates and deletes go to the audit log."""

    __audit_exclude__ = frozenset({"updated_at", "version"})
    __audit_redact__ = frozenset()


class BusinessRecord(TimestampMixin, CreatorMixin, VersionMixin, AuditMixin):
    """All four mixins: what every business table of a plugin should use."""


def is_stale(record: VersionMixin, submitted_version) -> bool:
    """True when the form was filled from an older version than the one stored."""
    try:
        return int(submitted_version) != record.version
    except (TypeError, ValueError):
        return True


def commit_unless_stale() -> bool:
    """Commit; False (after a rollback, so nothing of ours is saved) when a concurrent save of the
    same record won the race and the version check at flush refused ours."""
    from sqlalchemy.orm.exc import StaleDataError

    from core.db import db

    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def current_actor_id() -> int | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


@event.listens_for(Session, "before_flush")
def _set_creator(session, flush_context, instances):
    actor = current_actor_id()
    if actor is None:
        return
    for obj in session.new:
        if isinstance(obj, CreatorMixin) and obj.created_by_id is None:
            obj.created_by_id = actor
