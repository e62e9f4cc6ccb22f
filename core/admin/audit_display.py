"""The audit log as people read it: tables and fields by their labels, codes by their names, links to records.

Models describe themselves (all optional; see docs/plugins.md "Audit and optimistic locking"):

    class Customer(db.Model, BusinessRecord):
        __audit_label__ = _l("Customer")                       # what one record of the table is called
        __audit_fields__ = {"name": _l("Name"), ...}           # field labels
        __audit_codes__ = {"region": lambda: basedata.labels(basedata.REGION)}  # code -> label, read once a page

        @classmethod
        def audit_links(cls, record_ids: list[int]) -> dict[int, str]:  # the records' pages, one query at most
            return {id_: url_for("customers.customer_detail", customer_id=id_) for id_ in record_ids}

Fields pointing at a user show the user's name; times are shown in the user's time zone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from werkzeug.routing import BuildError

from core.db import db
from core.formatting import format_date, format_datetime
from core.i18n import _, lazy_gettext as _l
from core.models import AuditMixin

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Change:
    field: str
    old: str | None
    new: str | None


@dataclass
class ShownEntry:
    entry: object
    author: str
    table: str
    link: str | None
    changes: list[Change]


def audited_models() -> dict[str, type]:
    """Table name -> model of every loaded, audited model."""
    return {m.class_.__tablename__: m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, AuditMixin)}


def table_label(name: str, model=None) -> str:
    model = model or audited_models().get(name)
    label = getattr(model, "__audit_label__", None)
    return str(label) if label else name


# The columns every BusinessRecord has, for models that do not name them.
COMMON_FIELDS = {"created_at": _l("Created"), "created_by_id": _l("Created by")}


def _field_label(model, key: str) -> str:
    label = (getattr(model, "__audit_fields__", None) or {}).get(key) or COMMON_FIELDS.get(key)
    if label:
        return str(label)
    return _(key.removesuffix("_id").replace("_", " ").capitalize())  # a catalog may know "Name", "Phone"...


def _user_fields(model) -> set[str]:
    table = getattr(model, "__table__", None)
    if table is None:
        return set()
    return {column.key for column in table.columns
            if any(fk.column.table.name == "core_user" for fk in column.foreign_keys)}


class Presenter:
    """Turns a page of audit entries into readable ones, with a bounded number of queries."""

    def __init__(self):
        self.models = audited_models()
        self._codes: dict[tuple[str, str], dict] = {}

    def _code_labels(self, model, key: str) -> dict | None:
        source = (getattr(model, "__audit_codes__", None) or {}).get(key)
        if source is None:
            return None
        cache_key = (model.__tablename__, key)
        if cache_key not in self._codes:
            self._codes[cache_key] = {str(code): str(label) for code, label in dict(source()).items()}
        return self._codes[cache_key]

    def _value(self, model, key: str, value, users: dict) -> str | None:
        if value is None or value == "" or value == []:
            return None
        if key in _user_fields(model) and str(value).isdigit():
            return users.get(int(value), f"#{value}")
        codes = self._code_labels(model, key)
        if codes is not None:
            return codes.get(str(value), str(value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        if isinstance(value, str) and _DATETIME.match(value):
            return format_datetime(datetime.fromisoformat(value.replace(" ", "T")))
        if isinstance(value, str) and _DATE.match(value):
            return format_date(date.fromisoformat(value))
        return str(value)

    def _links(self, rows) -> dict[tuple[str, str], str]:
        """(table, record id) -> the record's page, asked of each model once for the page's ids."""
        wanted: dict[str, set[int]] = {}
        for entry, _name in rows:
            if entry.action != "delete" and entry.record_id.isdigit():
                wanted.setdefault(entry.table_name, set()).add(int(entry.record_id))
        links = {}
        for table, ids in wanted.items():
            builder = getattr(self.models.get(table), "audit_links", None)
            if builder is None:
                continue
            try:
                found = builder(sorted(ids))
            except (BuildError, ValueError):
                continue
            links.update({(table, str(id_)): url for id_, url in found.items()})
        return links

    def present(self, rows) -> list[ShownEntry]:
        """``rows``: (AuditEntry, author name) pairs of one page."""
        from core.rbac.models import User

        user_ids = set()
        for entry, _name in rows:
            model = self.models.get(entry.table_name)
            for key, pair in entry.changed_fields.items():
                if key in _user_fields(model):
                    user_ids.update(int(v) for v in pair if isinstance(v, int) or (isinstance(v, str) and v.isdigit()))
        users = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) \
            if user_ids else {}
        links = self._links(rows)
        shown = []
        for entry, name in rows:
            model = self.models.get(entry.table_name)
            changes = [Change(_field_label(model, key), self._value(model, key, old, users),
                              self._value(model, key, new, users))
                       for key, (old, new) in entry.changed_fields.items() if key != "id"]  # the record says it
            author = name or (f"#{entry.user_id}" if entry.user_id else _("System"))
            shown.append(ShownEntry(entry, author, table_label(entry.table_name, model),
                                    links.get((entry.table_name, entry.record_id)), changes))
        return shown
