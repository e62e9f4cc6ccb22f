"""Customer names in the order Chinese readers expect: by pinyin on zh_CN pages.

Each customer stores ``name_sort``, a key that orders names by pinyin: the
name's GB18030 bytes. GB2312's 3,755 common characters (level 1) are encoded in
pinyin order, so one indexed column sorts names by pinyin on SQLite and
PostgreSQL alike, with no collation either database may lack. Rare characters
(level 2) follow by radical; Latin letters come first, case ignored.
"""
from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from plugins.customers.models import Customer

KEY_LENGTH = 400  # the column's size: 200 characters are at most 4 bytes each, 2 hex digits a byte (cut)


def sort_key(name: str | None) -> str:
    return (name or "").casefold().encode("gb18030", "replace").hex()[:KEY_LENGTH]


def name_column():
    """The column a list sorted by name orders by: pinyin on zh_CN pages, the name itself otherwise."""
    return Customer.name_sort if str(get_locale() or "") == "zh_CN" else Customer.name


@event.listens_for(Session, "before_flush")
def _keep_sort_keys(session, flush_context, instances):
    """Whoever saves a customer (form, service, demo), its sort key follows its name."""
    for obj in session.new | session.dirty:
        if isinstance(obj, Customer) and obj.name_sort != sort_key(obj.name):
            obj.name_sort = sort_key(obj.name)
