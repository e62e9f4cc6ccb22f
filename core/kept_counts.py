"""A list's count, kept for a few seconds: past the cap until the time is up; within it, also until
one of the tables it reads is written.

A list past ``CRM_COUNT_CAP`` says "10,000+", yet every page of it counted up to the cap again:
10,001 index entries, the same ~1 ms of database work on each first page, Next, Previous or
reload. At a million customers that count was most of a list page's SQL and all of what a
page cost more than at 10,000 (in process, SQLite, an account manager's first page: 1.1 of
1.2 ms of SQL; at 10,000 customers their 200 are counted in 0.05 ms). Within the cap, counting
the 10,000 customers of a list at 10,000 was a sixth of its page's CPU (SQLite) and more on
PostgreSQL, on every page and reload of a list whose rows had not changed.

So a bounded count is kept in the process for ``CRM_COUNT_CAP_SECONDS`` (30 s) under its statement
and parameters — the user's data scope and filters among them, so one user's answer is never
another's list:

- "more than the cap" whatever is written meanwhile: a list brought below the cap by deleting
  thousands of rows in those seconds still says "10,000+" until they pass; its pages are read
  the way a long list's are (keyset, core/paging.py), which is right at any length;
- an exact total only while the tables the count reads keep the versions it was counted under
  (core/table_versions.py): a change saved by anyone, in any process, is counted on the next page.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app

from core import table_versions

KEPT_AT_MOST = 1024  # lists per process; past that the oldest half is dropped


def bounded_count(query, cap: int, count: Callable[[], tuple[int, int]]) -> tuple[int, int]:
    """``count()`` (a bounded count of ``query``, then anything read with it), or its answer kept from
    an earlier call with the same statement and parameters: past ``cap``, or within it while the
    tables the statement reads are unchanged."""
    seconds = current_app.config.get("CRM_COUNT_CAP_SECONDS", 30)
    key = _key(query, cap) if seconds > 0 else None
    if key is None:
        return count()
    # Read before counting: a change committed after this read gets a new version, so a count that
    # may have missed it is never kept under that version.
    versions = table_versions.versions_read(query, key[1])
    kept = current_app.extensions.setdefault("crm_kept_counts", {})
    now = time.monotonic()
    found = kept.get(key)
    if found is not None and found[0] > now and (found[1][0] > cap or versions is not None and found[2] == versions):
        return found[1]
    answer = count()
    if answer[0] > cap or versions is not None:
        table_versions.keep(kept, key, (now + seconds, answer, versions), KEPT_AT_MOST)
    else:
        kept.pop(key, None)
    return answer


def _key(query, cap: int):
    """The statement's SQLAlchemy cache key and its parameters' values; None if it has none."""
    cache_key = query._generate_cache_key()
    if cache_key is None:
        return None
    try:
        values = tuple(_frozen(parameter.effective_value) for parameter in cache_key.bindparams)
        key = (cap, cache_key.key, values)
        hash(key)
    except TypeError:  # a value that cannot be a key: count as always
        return None
    return key


def _frozen(value):
    return tuple(value) if isinstance(value, (list, set)) else value
