"""The audit log: who changed which business record, when, from what to what."""
from __future__ import annotations

import json
import operator
from datetime import datetime
from functools import reduce

from sqlalchemy import (
    Date, DateTime, Index, Integer, Numeric, String, Text, case, cast, func, inspect, insert, literal, literal_column,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy import event

from core.db import db
from core.models import AuditMixin, code_string, current_actor_id, utcnow

REDACTED = "***"


class AuditEntry(db.Model):
    __tablename__ = "core_audit_log"
    __table_args__ = (
        # Serves filters by table alone too: no index on table_name by itself, one fewer to keep per entry.
        Index("ix_core_audit_log_table_record", "table_name", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(10))
    # Compared byte by byte on PostgreSQL (code_string): every entry is put in the (table_name, record_id) index.
    table_name: Mapped[str] = mapped_column(code_string(64))
    record_id: Mapped[str] = mapped_column(code_string(64))
    changes: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def changed_fields(self) -> dict:
        return json.loads(self.changes or "{}")


def _columns(obj):
    mapper = inspect(obj).mapper
    skip = obj.__audit_exclude__
    return [attr for attr in mapper.column_attrs if attr.key not in skip]


def _value(obj, key, value):
    if key in obj.__audit_redact__ and value is not None:
        return REDACTED
    return value


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in _columns(obj):
        history = state.attrs[attr.key].history
        if action == "create":
            value = getattr(obj, attr.key)
            if value is not None:
                changes[attr.key] = [None, _value(obj, attr.key, value)]
        elif action == "delete":
            value = history.unchanged[0] if history.unchanged else (history.deleted[0] if history.deleted else None)
            if value is not None:
                changes[attr.key] = [_value(obj, attr.key, value), None]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[attr.key] = [_value(obj, attr.key, old), _value(obj, attr.key, new)]
    return changes


def _names(items) -> list[str]:
    return sorted(str(item) for item in items)


def _collection_changes(obj, action: str) -> dict:
    """Collections listed in ``__audit_collections__`` (a user's roles, ...), as sorted lists of names."""
    state = inspect(obj)
    changes = {}
    for key in getattr(obj, "__audit_collections__", ()):
        history = state.attrs[key].history
        before = _names(list(history.unchanged) + list(history.deleted))
        after = _names(list(history.unchanged) + list(history.added))
        if action == "create" and after:
            changes[key] = [None, after]
        elif action == "delete" and before:
            changes[key] = [before, None]
        elif action == "update" and before != after:
            changes[key] = [before, after]
    return changes


def _record_id(obj) -> str:
    # After a flush, a new object has its primary key but not yet its identity key.
    state = inspect(obj)
    return ",".join(str(v) for v in state.mapper.primary_key_from_instance(obj))


def _actor(session) -> int | None:
    return session.info.get("actor_id") or current_actor_id()


@event.listens_for(Session, "after_flush")
def _write_audit(session, flush_context):
    rows = []
    actor = _actor(session)
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not isinstance(obj, AuditMixin):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = {**_changes(obj, action), **_collection_changes(obj, action)}
            if action == "update" and not changes:
                continue
            rows.append({
                "at": utcnow(), "user_id": actor, "action": action,
                "table_name": obj.__tablename__, "record_id": _record_id(obj),
                "changes": json.dumps(changes, default=str, ensure_ascii=False),
            })
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def record_bulk(action: str, model, rows: list[dict]) -> None:
    """Audit rows written with bulk statements (``insert(Model)``, ...), which the ORM never sees flushed.

    ``action`` is "create" or "delete"; ``rows`` hold each row's column values
    (with its primary key) as written or as they were. Other keys go in as they
    are, e.g. a summary of child rows. For "update" (a set-based UPDATE), each
    row holds its primary key and ``column: (old, new)`` for the changed columns.
    The model's ``__audit_exclude__`` and ``__audit_redact__`` apply as for ORM
    changes, and the user is the current one (None for commands and jobs). One executemany INSERT in the caller's
    transaction: the entries are committed or rolled back with the rows.
    """
    if action not in ("create", "delete", "update"):
        raise ValueError(f"record_bulk audits creates, updates and deletes, not {action!r}")
    session = db.session
    actor, now = _actor(session), utcnow()
    key_columns = [column.key for column in model.__table__.primary_key]
    entries = []
    for row in rows:
        changes = {}
        for key, value in row.items():
            if key in model.__audit_exclude__ or value is None or action == "update" and key in key_columns:
                continue
            if action == "update":
                changes[key] = [REDACTED if key in model.__audit_redact__ and v is not None else v for v in value]
                continue
            value = REDACTED if key in model.__audit_redact__ else value
            changes[key] = [None, value] if action == "create" else [value, None]
        entries.append({
            "at": now, "user_id": actor, "action": action, "table_name": model.__tablename__,
            "record_id": ",".join(str(row[key]) for key in key_columns),
            "changes": json.dumps(changes, default=str, ensure_ascii=False),
        })
    if entries:
        session.execute(insert(AuditEntry.__table__), entries)


def record_bulk_created(model, columns: list[str], where, same: dict | None = None) -> None:
    """Audit the creation of the rows of ``model`` that ``where`` selects, inside the database.

    The entries are those ``record_bulk("create", ...)`` writes for ``columns`` (numbers, text,
    decimals and dates), but one INSERT ... SELECT builds them in the database: a scan creating
    200,000 records would otherwise bring every row into Python (4 s and 250 MB at a million
    customers). Runs in the caller's transaction.

    ``same``: columns the caller wrote with one value in every one of these rows (``{key: value}``, e.g.
    the columns an imported file lacks): their part of each entry is quoted once, by the database (one
    SELECT), and written as a constant, instead of from each row's column.
    """
    table, postgresql = model.__table__, db.session.get_bind().dialect.name == "postgresql"
    changes = _json_text(model, [key for key in columns if key not in model.__audit_exclude__], postgresql, same or {})
    source = select(literal(utcnow(), DateTime), literal(_actor(db.session), Integer), literal("create", String),
                    literal(table.name, String), cast(table.c.id, String), changes).where(where)
    audit = AuditEntry.__table__
    db.session.execute(insert(audit).from_select(
        [audit.c.at, audit.c.user_id, audit.c.action, audit.c.table_name, audit.c.record_id, audit.c.changes],
        source))


def _json_text(model, keys: list[str], postgresql: bool, same: dict):
    """The entry's JSON written as text, ``{"key":[null,value],...}``: each value quoted by the database
    (PostgreSQL ``to_json``, SQLite ``json_quote``; numbers stay numbers), a null column's pair left out.

    The JSON builders cost more: json_build_object of json_build_arrays, then json_strip_nulls, took
    1.28 s of PostgreSQL's CPU for the audit INSERT of a churn scan's 208,284 warnings (0.89 s now,
    0.74 s with empty entries); SQLite's json_patch of a json_object, 0.75 s for 100,000 imported
    customers (0.60 s now).
    """
    table, pairs, constants = model.__table__, [], []
    for key in keys:
        column = table.c[key]
        if key in same:  # one value for every row, quoted below
            if same[key] is None:
                continue
            column = literal(same[key], column.type)
            constants.append(len(pairs))
        if key in model.__audit_redact__:
            value = literal_column(f"'{json.dumps(REDACTED)}'", Text)
        elif not postgresql:
            value = func.json_quote(_as_python_writes(column), type_=Text)
        elif isinstance(column.type, Integer):
            value = cast(column, Text)
        else:
            value = cast(func.to_json(_as_python_writes(column)), Text)
        pair = literal_column(f"',{json.dumps(key)}:[null,'", Text) + value + literal_column("']'", Text)
        pairs.append(case((column.is_(None), literal_column("''", Text)), else_=pair))
    if constants:
        # Quoted by the database, as the other pairs are, in one SELECT; each run of them then one literal.
        # PostgreSQL computed to_json of a constant again for every row (it is STABLE, so not folded).
        quoted = db.session.execute(select(*(pairs[index] for index in constants))).one()
        for index, text in zip(constants, quoted):
            pairs[index] = text
        merged = []
        for pair in pairs:
            if isinstance(pair, str) and merged and isinstance(merged[-1], str):
                merged[-1] += pair
            else:
                merged.append(pair)
        pairs = [literal(pair, Text) if isinstance(pair, str) else pair for pair in merged]
    joined = reduce(operator.add, pairs, literal_column("''", Text))  # each pair begins with a comma
    return literal_column("'{'", Text) + func.substr(joined, 2, type_=Text) + literal_column("'}'", Text)


def _as_python_writes(column):
    """``column`` as record_bulk's ``json.dumps(default=str)`` writes its value: decimals and dates as text."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if isinstance(column.type, Numeric) and column.type.scale:  # 12.50, not 12.5
        return cast(column, Text) if postgresql else func.printf(f"%.{column.type.scale}f", column)
    if isinstance(column.type, (Date, DateTime)) and postgresql:  # SQLite keeps them as text already
        return cast(column, Text)
    return column
