"""Pagination whose cost does not grow with the list: first, deep and last pages of a million rows.

How a page is found:

- The rows are counted only up to ``CRM_COUNT_CAP`` (10,000): beyond it the list
  says "10,000+" instead of counting a million rows on every page.
- A list within the cap behaves as it always did: exact total, numbered pages,
  any page by number (an offset below the cap; pages past the middle are read
  backwards from the end).
- A longer list is paged by *keyset* behind the page numbers: the Next and
  Previous links carry the id of the row at the edge of the current page
  (``after=`` / ``before=``), and the next page is read from that row on through
  the index on ``(sort column, id)`` — the same cost on page 2 and page 40,000.
  The Last link reads the list backwards (``page=-1``); pages reached from it are
  counted from the end (``page=-2`` is the one before the last). Jumping to a page
  by number offsets at most ``CRM_COUNT_CAP`` rows, so a jump goes up to that
  page (500 at 20 rows a page) and says so; Next/Previous/Last reach every row.

How a data scope of several owners is counted (``either``): an account manager's
service requests are those they created, are assigned to, or whose customer they
manage — 10,000 of 500,000, each in an index of its own column. A plain OR makes
both databases collect every arm's rows into one bitmap or set to remove the
duplicates (PostgreSQL then reads each row's page: 7,500 pages, 23-100 ms).
Written ``either(first, second, third)``, the bounded count reads the arms one after
the other as disjoint index ranges — the second arm's rows that are not in the
first, and so on — and stops at the cap: with an index per arm holding the
columns of the earlier arms (and of the usual filters), index entries only.

The tiebreak (usually the primary key) makes the order total, so every row
appears exactly once however the pages are walked.

How a long list's page is read (``paginate(..., walk=True)``): the bounded count
already says the filters are not selective (more than the cap match), so walking
the sort order's index and checking each row finds a page after a few rows —
whereas SQLite, which plans without the LIMIT, may rather collect every row of a
filter's index and sort them all (an account manager's 20,000 customers sorted
by region for 20 of them: 25-50 ms at 1M). On SQLite the first, last and
Next/Previous pages of such a list are read with the filters' columns written
``+column``, which keeps the planner off their indexes and on the order's
(0.1-1.6 ms). PostgreSQL weighs the LIMIT itself and is left alone; so are reads
at an offset (a jump by number), which walking would make cost offset / density
rows.

How a short list's page is read when its scope is an ``either``: the bounded count
says how many rows the filters keep (within the cap) and how many the table holds
(its highest id). The scope's rows lie in several index ranges, so no index gives
the order within them: a walk of the order's index to the page tests
(offset + page size) × table / list rows; reading the list's rows, found by the
filters' indexes, and sorting them costs the list's rows, at most the cap. When the
walk would be the longer, the page is read that way (``_Order._read_filtered``): the
ids and sort values of every row of the list in a subquery with an OFFSET, which
neither database merges into the statement around it — each plans it for all its
rows, from the filters' indexes, not for the first few of the order —, sorted for
the page's ids, then the page's rows by id. PostgreSQL, whose estimate of the
overlapping arms and of a search's grams was 2.5 times the rows, walked the order's
index for 20 of an account manager's 1,079 requests holding 发票 at 1M (125 ms; now
7-11 ms). When the walk is the shorter, SQLite is kept on it as for a long list
(``walk``): planning without the LIMIT, it gathered an account manager's 6,249 of
300,000 opportunities from both arms' indexes and sorted them for a page (19-29 ms
at 1M; walked, 1-10 ms). Other lists are left to the planner: an AND of conditions
may lead an index that also holds the order (``_sortable``).

A sort may name several columns — ``sorts = {"customer": (Customer.name, Customer.id)}``
orders by the customer's name, then the customer, then the tiebreak. For a list
sorted by a column of a joined table this is what lets the order come from
indexes: the joined table's index on ``(name, id)`` gives the first two, an index
on ``(customer_id, id)`` of the listed table the rest, so the database walks
customers in name order and reads each one's rows (``OuterLoopJoin`` keeps SQLite
on that path), instead of collecting and sorting every row of the list (200,000
churn records sorted for a page of 20). Such columns must not be NULL.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import ceil

from flask import current_app, request
from sqlalchemy import ColumnElement, and_, func, inspect, literal, literal_column, or_, select, true, tuple_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList, Grouping
from sqlalchemy.sql.selectable import FromClause, Join
from sqlalchemy.sql.visitors import InternalTraversal, iterate, replacement_traverse

from core import kept_counts
from core.db import db, without_parallel_workers

COUNT_CAP = 10_000  # the default of CRM_COUNT_CAP
# A list narrowed by a text search counts to this lower bound ("1,000+", ``paginate(..., cap=...)``): each
# match is found through a search index's postings, then its row (the customer list's 华信, 49,828 of a
# million customers: 18 ms of SQL counted to 10,000 on SQLite). Past it the pages walk the list's order,
# testing each row, as a long list's do.
SEARCH_COUNT_CAP = 1_000
MAX_ID = 2**31 - 1  # record ids are INTEGER columns (PostgreSQL int4)


class OuterLoopJoin(Join):
    """``OuterLoopJoin(left, right, onclause)``: an inner join that SQLite runs with ``left`` as the
    outer loop, for a list ordered by ``left``'s columns through its index (see the module's note
    on several sort columns): ``left CROSS JOIN right ON ...`` on SQLite — its documented way of
    fixing a join's order; planning without the LIMIT it would otherwise read every row of
    ``right`` and sort them for a page of 20 —, a plain JOIN elsewhere. Use it in ``select_from``."""

    inherit_cache = True

    def __init__(self, left, right, onclause):
        super().__init__(left, right, onclause)


@compiles(OuterLoopJoin, "sqlite")
def _outer_loop_join_sqlite(join, compiler, asfrom=False, from_linter=None, **kw):
    return (join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw) + " CROSS JOIN "
            + join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw) + " ON "
            + join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw))


class Either(BooleanClauseList):
    """An OR the bounded count reads arm by arm (``either``); elsewhere a plain OR."""

    inherit_cache = True


def either(*conditions) -> Either:
    """``conditions[0] OR conditions[1] OR ...``, which ``paginate`` counts as disjoint index ranges
    and, within the cap, reads a page from its rows, sorted, when a walk of the order would be longer
    (see the module's notes): put the arm with the most rows first, and give each arm an index
    starting with its column and holding the earlier arms' columns."""
    return Either._construct_raw(operators.or_, [condition.self_group(against=operators.or_)
                                                 for condition in conditions])


def _conjuncts(clause) -> list:
    """The terms of a WHERE clause that are ANDed together (out of their parentheses)."""
    if isinstance(clause, Grouping):
        return _conjuncts(clause.element)
    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        return [term for inner in clause.clauses for term in _conjuncts(inner)]
    return [clause]


def _ids_alone(ids, tiebreak):
    """``ids`` read from the tiebreak's table alone when it only outer-joins tables for their columns
    (a list's customer name): the rows are the same, and SQLite, which leaves such a join out only
    after choosing its indexes, can then answer from an index holding the filters' columns."""
    # No join at all (joins made before ``with_only_columns`` are kept among its memoized entities):
    # asking SQLAlchemy for the final FROMs compiles the whole statement, 3.5 % of the customer
    # list's instructions.
    joins, explicit = getattr(ids, "_setup_joins", None), getattr(ids, "_from_obj", None)
    if joins == () and getattr(ids, "_memoized_select_entities", None) == () and explicit is not None \
            and not any(isinstance(each, Join) for each in explicit):
        return ids
    # Whether the joins can be left out depends on the statement's shape alone, the same on every request of
    # a list: decided once per shape (its cache key), as deciding compiles it (~3 ms of a churn list page).
    key = ids._generate_cache_key()
    alone = _JOINS_LEFT_OUT.get(key.key) if key is not None else None
    if alone is None:
        # (decided on a copy: compiling a statement leaves memoized state on it that changes the cache key of
        # statements built from it, such as the list's count, kept under that key by core.kept_counts)
        alone = _joins_left_out(ids._clone(), tiebreak)
        if key is not None and len(_JOINS_LEFT_OUT) < 4096:  # (the lists' shapes: a few hundred)
            _JOINS_LEFT_OUT[key.key] = alone
    if not alone:
        return ids
    where = ids.whereclause
    return select(tiebreak).where(where) if where is not None else select(tiebreak)


_JOINS_LEFT_OUT: dict = {}  # a statement's cache key -> may its joins be left out (``_ids_alone``)?


def _joins_left_out(ids, tiebreak) -> bool:
    """Does ``ids`` join only the tiebreak's table's outer joins, whose tables its conditions do not use?"""
    froms = ids.get_final_froms()
    joins = [found for found in froms if isinstance(found, Join)]
    where = ids.whereclause
    # Besides the join, only tables the conditions bring in (a search's gram table, TextIndex.filter).
    if len(joins) != 1 or any(found is not joins[0] and (where is None or found not in where._from_objects)
                              for found in froms):
        return False
    joined, node = set(), joins[0]
    while isinstance(node, Join):
        if not node.isouter or node.full:
            return False
        joined.add(_plain(node.right))
        node = node.left
    if _plain(node) is not _plain(_column_of(tiebreak).table):
        return False
    return where is None or not any(_plain(getattr(element, "table", None)) in joined for element in iterate(where))


def _arms(stmt) -> list | None:
    """The selects of ``stmt``'s rows arm by arm when its WHERE holds an ``either`` (each arm without the
    rows of the arms before it, so that they add up to the rows of ``stmt``); None without one."""
    found = [term for term in _conjuncts(stmt.whereclause) if isinstance(term, Either)] \
        if stmt.whereclause is not None else []
    if not found:
        return None
    arms, parts = found[0].clauses, []
    for number, arm in enumerate(arms):
        # Rows of this arm that no earlier arm holds; "IS NOT TRUE" also keeps the rows where an
        # earlier arm is NULL (a request nobody is assigned to).
        alone = and_(arm, *(earlier.is_not(true()) for earlier in arms[:number]))
        parts.append(replacement_traverse(stmt, {}, lambda element: alone if element is found[0] else None))
    return parts


def either_rows(stmt):
    """A subquery of ``stmt``'s rows (its columns, by their names), read arm after arm when its WHERE holds
    an ``either`` — a UNION ALL of disjoint arms, each from the index its owner column leads —, for an
    aggregate over a data scope of several owners: ``rows = either_rows(select(R.amount).where(...))``,
    then ``select(func.sum(rows.c.amount))``. As one OR, the databases read a shared index of the other
    conditions and tested the owners in each entry (an account manager's average satisfaction this year
    tested 138,000 archived requests' entries at a million customers)."""
    arms = _arms(stmt)
    return (union_all(*arms) if arms is not None else stmt).subquery()


def _plain(element):
    """``element`` without the ORM's annotations (the table itself)."""
    return element._deannotate() if hasattr(element, "_deannotate") else element


def _bounded_count(stmt, tiebreak, cap: int) -> tuple[int, int]:
    """(The number of rows of ``stmt``, counting no further than ``cap + 1``; the highest ``tiebreak`` of
    its table when a page may be read from the list's rows (``_sortable``), else 0). Only the ids are read,
    so a covering index can answer, and an ``either`` condition arm after arm."""
    ids = stmt.order_by(None).with_only_columns(tiebreak, maintain_column_froms=True)
    # The outer joins a list makes only for its columns are left out: SQLite can then answer from an
    # index holding the filters' columns. PostgreSQL drops such a join as it plans, but too late for its
    # index-only scans (the join's column stays needed): the administrator's count of the 19,859 handled
    # requests read 6,567 table pages (21 ms) instead of 42 index pages (2 ms).
    ids = _ids_alone(ids, tiebreak)
    from core.text_search import postings_alone  # (text_search uses core.listing, which uses this module)

    ids = postings_alone(ids, tiebreak)  # SQLite, a search and nothing else: its postings alone
    arms = _arms(ids)
    if arms is not None:
        ids = union_all(*arms).subquery()
        ids = select(ids.c[0])
    elif not ids._distinct:
        # Counted rows need no column: SQLite reading the id from each index entry cost 3 times the
        # scan itself (10,000 entries: 2.2 ms -> 0.7 ms). (Not for the arms above: without their ids,
        # SQLite chose an index that lacked the earlier arms' columns for the last one.)
        ids = ids.with_only_columns(literal_column("1"), maintain_column_froms=True)
    limited = ids.limit(cap + 1).subquery()
    if not _sortable(stmt):
        query = select(func.count()).select_from(limited)
        return kept_counts.bounded_count(query, cap, lambda: (db.session.scalar(query), 0))
    # Also the highest id of the table: (about) its rows, for how far a walk goes (``_Order.filtered``).
    # The primary key's last entry, in the same statement.
    highest = select(func.max(tiebreak)).select_from(_plain(_column_of(tiebreak).table)).scalar_subquery()
    query = select(func.count(), highest).select_from(limited)

    def count() -> tuple[int, int]:
        counted, rows = db.session.execute(query).one()
        return counted, rows or 0
    return kept_counts.bounded_count(query, cap, count)


def _column_of(element):
    """The column of an ORM attribute (or the column itself)."""
    return getattr(element, "expression", element)


@dataclass
class Page:
    """One page of a list, and how to reach its neighbours.

    ``total`` is the exact number of rows, or the cap when ``capped`` (there are
    more). ``page`` counts from 1 at the start; a negative one counts from the
    end (-1 is the last page), used only on capped lists. ``prev_args`` and
    ``next_args`` are the query arguments of the Previous/Next links (None: no
    such page). ``notice`` explains a page request that was brought into bounds.
    """

    items: list
    total: int
    page: int
    per_page: int
    sort: str
    capped: bool = False
    prev_args: dict | None = None
    next_args: dict | None = None
    notice: str = ""
    last_args: dict = field(default_factory=lambda: {"page": -1, "after": None, "before": None})

    @property
    def pages(self) -> int | None:
        """The number of pages, or None when the list is longer than the cap."""
        return None if self.capped else max(1, ceil(self.total / self.per_page))

    @property
    def max_jump(self) -> int:
        """The highest page number the jump form accepts."""
        return self.pages or max(1, self.total // self.per_page)

    @property
    def first_index(self) -> int:
        """Position of the page's first row (0 when unknown: a page counted from the end)."""
        if not self.items or self.page < 0:
            return 0
        return (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.first_index else 0


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


def sort_columns(key) -> tuple:
    """The columns of a ``sorts`` entry: one column, or a tuple of them (compared in turn)."""
    return tuple(key) if isinstance(key, (tuple, list)) else (key,)


def sort_order(sorts: dict, default: str):
    """The requested sort key (``name`` or ``-name``) if the list offers it, else ``default``."""
    sort = request.args.get("sort", default)
    if sort.lstrip("-") not in sorts:
        sort = default
    return sort


def page_size() -> int:
    sizes = current_app.config["CRM_PAGE_SIZES"]
    per_page = _int_arg("per_page", sizes[0])
    return per_page if per_page in sizes else sizes[0]


class _Unindexed(ColumnElement):
    """``column`` as a value no index answers: ``+column`` on SQLite (its planner then ignores the
    column's indexes for that term), the column itself elsewhere."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column, self.type = column, column.type


@compiles(_Unindexed)
def _compile_unindexed(element: _Unindexed, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _compile_unindexed_sqlite(element: _Unindexed, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def unindexed(column) -> ColumnElement:
    """``column`` as a value no index answers on SQLite (``+column``): its condition is then checked
    row by row along another index (the list's order) rather than driving the query."""
    return _Unindexed(column)


_COMPARISONS = {operators.eq, operators.ne, operators.lt, operators.le, operators.gt, operators.ge,
                operators.in_op, operators.not_in_op, operators.is_, operators.is_not}


def _column_key(column) -> tuple | None:
    column = _column_of(column)
    table = getattr(column, "table", None)
    return (table.name, column.name) if table is not None and hasattr(table, "name") else None


def walking(stmt, *keep):
    """``stmt`` with its comparisons of a column of ``keep[0]``'s table to a value written so that
    SQLite uses no index for them, except those of the columns ``keep`` (see the module's notes)
    and the equalities that lead an index of the order (``_leading_equalities``).

    Only the statement's own conditions change (a subquery's columns of other tables are left
    alone); the rows are the same.
    """
    table = _column_key(keep[0])[0]
    kept = {_column_key(column) for column in keep}
    order = [_column_key(column) for column in (*keep[1:], keep[0])]  # the sort columns, then the tiebreak
    if all(key is not None and key[0] == table for key in order):  # (not an expression, nor a joined table's)
        kept |= {(table, name) for name in _leading_equalities(stmt, _column_of(keep[0]).table,
                                                                  [key[1] for key in order])}

    def replace(element):
        if isinstance(element, BinaryExpression) and element.operator in _COMPARISONS:
            key = _column_key(element.left)
            if key is not None and key[0] == table and key not in kept and not isinstance(element.left, _Unindexed):
                return BinaryExpression(_Unindexed(element.left), element.right, element.operator,
                                        type_=element.type, negate=element.negate, modifiers=element.modifiers)
        return None

    return replacement_traverse(stmt, {}, replace)


def _leading_equalities(stmt, table, order: list[str]) -> set[str]:
    """The columns of ``table`` that ``stmt`` compares with ``=`` to a value and that lead one of its
    indexes, the order's columns (``order``: the sort columns, then the tiebreak) following them:
    that index holds the filter's rows in the list's order, so a page is its first entries. An
    account manager's customers, newest first, through (manager_id, created_at, id): 20 entries for
    a page, where the walk of (created_at, id) tested ~1,000 rows for theirs (2.6 ms of SQL at 1M).
    Columns after the order's (the status there) only serve the filters. The most such columns; none if
    no index has them."""
    if not hasattr(table, "indexes"):
        return set()
    equal = _equalities(stmt, table)
    best: set[str] = set()
    for index in _indexes(table):
        names = [column.name for column in index.columns]
        for lead in range(len(best) + 1, len(names) - len(order) + 1):
            if names[lead:lead + len(order)] == order and set(names[:lead]) <= equal:
                best = set(names[:lead])
    return best


def _equalities(stmt, table) -> set[str]:
    """The columns of ``table`` that ``stmt``'s conditions compare with ``=`` to a value."""
    if stmt.whereclause is None:
        return set()
    return {term.left.name for term in _conjuncts(stmt.whereclause)
            if isinstance(term, BinaryExpression) and term.operator is operators.eq
            and getattr(term.left, "table", None) is table and getattr(term.right, "_is_bind_parameter", False)}


@lru_cache(maxsize=None)
def _indexes(table) -> tuple:
    """``table``'s indexes in the order of their names (a table's indexes are fixed once mapped)."""
    return tuple(sorted(table.indexes, key=lambda index: index.name or ""))


class _Order:
    """The list's order (sort columns, then tiebreak) and reads of it in either direction."""

    def __init__(self, stmt, columns: tuple, tiebreak, descending: bool):
        self.stmt, self.columns, self.tiebreak, self.descending = stmt, columns, tiebreak, descending
        self.sqlite = db.session.get_bind().dialect.name == "sqlite"
        # PostgreSQL sorts NULL after every value, SQLite before: a keyset over a
        # nullable column must know on which side they are.
        self.nulls_large = not self.sqlite
        self.walked = None  # the statement walked along the order (``walk``), once made
        self.counted = None  # (rows of the list, of the table or 0: see _sortable) when within the cap

    def filtered(self, counted: int, rows: int) -> None:
        """The list holds ``counted`` rows (within the cap) of a table of about ``rows``: from now on a
        read that a walk of the order would make longer than the list reads the list's rows and sorts
        them (see the module's notes)."""
        self.counted = (counted, rows)
        if rows:
            # A read the walk makes the shorter walks: SQLite, planning without the LIMIT, would rather gather
            # the scope's rows from each arm's index and sort them all (an account manager's 6,249 of 300,000
            # opportunities for a page of 20: 19-29 ms at a million customers).
            self.walk()

    def _reads_filtered(self, limit: int, offset: int) -> bool:
        if self.counted is None or not self.counted[1]:
            return False
        counted, rows = self.counted
        # A walk reads (offset + limit) rows of the list, one in rows / counted along the order.
        return (offset + limit) * rows > counted * counted

    def walk(self) -> None:
        """From now on, reads without an offset walk the order's index (SQLite; see the module's notes)."""
        if self.sqlite:
            self.walked = walking(self.stmt, self.tiebreak, *self.columns)

    def clauses(self, forward: bool) -> list:
        ascending = forward != self.descending
        return [c.asc() if ascending else c.desc() for c in (*self.columns, self.tiebreak)]

    def read(self, forward: bool, limit: int, offset: int = 0, edge: tuple | None = None) -> list:
        """Up to ``limit`` rows in the list's order (``forward``) or backwards from its end,
        skipping ``offset`` rows, or starting past the row ``edge`` = (sort values..., id)."""
        if edge is None and self._reads_filtered(limit, offset):
            return self._read_filtered(forward, limit, offset)
        if self.sqlite and self.counted is not None and not self.counted[1] and edge is None:
            page = self._short_page_ids(forward, limit, offset)
            if page is not None:
                return _fetch(_by_ids(self.stmt, self.tiebreak, page).order_by(*self.clauses(forward)))
        if offset and edge is None and not self.sqlite:  # (PostgreSQL: see _ids_alone)
            alone = self._ids_alone()
            if alone is not None:  # the skipped rows' joined rows are not read (see _ids_alone)
                page = alone.order_by(*self.clauses(forward)).offset(offset).limit(limit)
                return _fetch(_by_ids(self.stmt, self.tiebreak, page).order_by(*self.clauses(forward)))
        # (A long list's reads at an offset are left to the planner: walking would cost offset / density rows.
        # Within the cap, _reads_filtered has weighed the offset.)
        walked = self.walked is not None and (not offset or self.counted is not None)
        stmt = self.walked if walked else self.stmt
        query = stmt.order_by(*self.clauses(forward))
        if edge is not None:
            query = query.where(self._beyond(edge[:-1], edge[-1], greater=forward != self.descending))
        return _fetch(query.offset(offset or None).limit(limit))

    def _short_page_ids(self, forward: bool, limit: int, offset: int):
        """SQLite, a list within the cap that outer-joins tables only for their columns and sorts by its own:
        ``select(tiebreak)`` of the page from the list's table alone, or None. Its rows are then read by id:
        SQLite joins every row it sorts, so an account manager's churn list sorted by last order joined each
        of their 4,000 records with its customer's row before keeping 20 (21 ms of a page's 22 at 1M)."""
        if any(isinstance(found, OuterLoopJoin) for found in getattr(self.stmt, "_from_obj", ())):
            return None
        # Only where SQLite gathers the filter's rows and sorts them: an equality narrows the list (a scope,
        # a status) and no index holds its rows in the list's order (else the page is that index's first
        # entries, read as they are).
        table = _column_of(self.tiebreak).table
        order = [getattr(_column_of(column), "name", None) for column in (*self.columns, self.tiebreak)]
        if not _equalities(self.stmt, table) or _leading_equalities(self.stmt, table, order):
            return None
        alone = self._ids_alone()
        return None if alone is None else alone.order_by(*self.clauses(forward)).offset(offset or None).limit(limit)

    def _ids_alone(self):
        """For a read at an offset: ``select(tiebreak)`` of the list's rows from the tiebreak's table alone, when
        the list joins other tables only for their columns (outer joins) and sorts by the table's own columns,
        or through the list's joins when they fix where the database starts (``OuterLoopJoin``); else None.
        The page's ids are then read from the table alone, its rows by id after: PostgreSQL joins
        each skipped row before the OFFSET drops it (an account manager's churn list 1,000 rows deep read
        1,000 customers for their names: 41-88 ms at 1M). Not on SQLite, whose skipped rows cost little and
        which may answer ``id IN (the page's ids)`` by walking the whole order and testing each row against
        them (the churn list by customer, page 107: 14 ms -> 4.4 s at 1M)."""
        ids = self.stmt.order_by(None).with_only_columns(self.tiebreak, maintain_column_froms=True)
        if any(isinstance(found, OuterLoopJoin) for found in getattr(self.stmt, "_from_obj", ())):
            # Sorted by a joined table's columns, walked from its index (see the module's notes): the ids
            # along the same indexes, whose entries hold what the order needs, and no skipped row's columns
            # (the churn list by customer, an account manager's page 107: 152 ms reading each walked
            # customer's row for its number).
            return ids
        main = _plain(_column_of(self.tiebreak).table)
        if any(_plain(getattr(_column_of(column), "table", None)) is not main for column in self.columns):
            return None
        alone = _ids_alone(ids, self.tiebreak)
        return alone if alone is not ids else None

    def _read_filtered(self, forward: bool, limit: int, offset: int) -> list:
        """``read`` from the list's rows, found as if all were wanted, then sorted: the ids and sort values of
        the page, then its rows by id. The ids are read in a subquery with an OFFSET (0), which neither
        database merges into the statement around it: each plans it for every row it returns — from the
        filters' indexes —, not for the first few of the order, which it would find by walking the order's
        index and testing each row."""
        keys = [self.tiebreak.label("crm_key"),
                *(column.label(f"crm_sort{n}") for n, column in enumerate(self.columns))]
        rows = self.stmt.order_by(None).with_only_columns(*keys, maintain_column_froms=True).offset(0).subquery()
        ascending = forward != self.descending
        order = [c.asc() if ascending else c.desc() for c in (*list(rows.c)[1:], rows.c.crm_key)]
        page = select(rows.c.crm_key).order_by(*order).offset(offset or None).limit(limit)
        return _fetch(_by_ids(self.stmt, self.tiebreak, page).order_by(*self.clauses(forward)))

    def _beyond(self, values: tuple, id_, greater: bool):
        """Rows strictly after (``greater``) or before (values, id) in ascending (columns, tiebreak) order.

        A row-value comparison, which both databases answer from an index on
        (column, tiebreak) as a range; NULLs, which it cannot compare, are placed
        at the end where the database sorts them.
        """
        if len(self.columns) > 1:
            return self._beyond_several(values, id_, greater)
        column, tiebreak, value = self.columns[0], self.tiebreak, values[0]
        if value is None:
            same = and_(column.is_(None), tiebreak > id_ if greater else tiebreak < id_)
            return same if greater == self.nulls_large else or_(same, column.isnot(None))
        left, right = tuple_(column, tiebreak), tuple_(literal(value, column.type), literal(id_, tiebreak.type))
        step = left > right if greater else left < right
        if greater == self.nulls_large and getattr(_column_of(column), "nullable", True):
            return or_(step, column.is_(None))
        return step

    def _beyond_several(self, values: tuple, id_, greater: bool):
        """As ``_beyond`` for several (non-NULL) sort columns. The whole row value decides; the
        sort columns alone, compared inclusively, are repeated because the tiebreak is usually
        another table's column: without them no index range starts at the edge and every page
        past the first would read the list from its start."""
        columns = (*self.columns, self.tiebreak)
        right = [literal(v, c.type) for v, c in zip((*values, id_), columns)]
        leading, left = tuple_(*self.columns), tuple_(*columns)
        if greater:
            return and_(leading >= tuple_(*right[:-1]), left > tuple_(*right))
        return and_(leading <= tuple_(*right[:-1]), left < tuple_(*right))

    def edge(self, row_id) -> tuple | None:
        """(sort values..., id) of the row ``row_id`` if the list (as filtered) holds it, else None."""
        if not (isinstance(row_id, str) and row_id.isascii() and row_id.isdigit() and int(row_id) <= MAX_ID):
            return None
        query = self.stmt.order_by(None).where(self.tiebreak == int(row_id)).add_columns(*self.columns).limit(1)
        row = db.session.execute(query).first()
        return (*row[len(row) - len(self.columns):], int(row_id)) if row is not None else None


def _by_ids(stmt, tiebreak, ids):
    """The rows of ``stmt`` whose ``tiebreak`` is among ``ids`` (a few, of rows ``stmt`` holds), without the
    conditions those rows are known to meet: those on the tiebreak's table alone, and on tables only they
    bring in (a search's gram table). Left in, they were another way in for the planner — PostgreSQL's
    estimate of them may be lower than of the ids. Conditions on a joined table stay: they choose among
    its rows."""
    main = _plain(_column_of(tiebreak).table)
    listed = _listed_tables(stmt) - {main, None}
    known = set()
    # The statement's own conditions (``whereclause`` builds new wrappers of some of them).
    for term in (term for criterion in stmt._where_criteria for term in _conjuncts(criterion)):
        if not any(_plain(getattr(element, "table", None)) in listed for element in iterate(term)):
            known.add(id(term))
    if known:
        stmt = replacement_traverse(stmt, {}, lambda element: true() if id(element) in known else None)
    return stmt.where(tiebreak.in_(ids))


def _listed_tables(stmt) -> set:
    """The tables ``stmt`` reads for its own sake: those of its columns, its joins and its explicit FROMs
    (not those only its conditions bring in). From the statement's parts as built: asking SQLAlchemy for
    the final FROMs sets up the ORM's whole compile state (~2 ms a page)."""
    found = set()
    for part in (*stmt._raw_columns, *(join[0] for join in getattr(stmt, "_setup_joins", ())),
                 *getattr(stmt, "_from_obj", ())):
        if isinstance(part, Join):
            found.update(_plain(table) for table in _tables(part))
        elif isinstance(part, FromClause):
            found.add(_plain(part))
        elif getattr(part, "table", None) is not None:
            found.add(_plain(part.table))
        else:  # an ORM entity or attribute not yet made a clause
            selectable = getattr(inspect(part, raiseerr=False), "selectable", None)
            found.update(_plain(table) for table in ([selectable] if selectable is not None else []))
    return found


def _tables(join) -> list:
    """The tables (and aliases) a join joins."""
    return [*(_tables(join.left) if isinstance(join.left, Join) else [join.left]),
            *(_tables(join.right) if isinstance(join.right, Join) else [join.right])]


def _sortable(stmt) -> bool:
    """Is a page of ``stmt`` read from its rows sorted when a walk of the order's index would be the longer
    (``_Order._read_filtered``)? Only when its filters hold an OR (an ``either`` scope): its rows lie in
    several index ranges, so no index gives the order within them and a walk goes along the order's index
    over the whole table, a list's rows in table / list rows apart — what the walk's estimate assumes.
    An AND of conditions may lead an index that also holds the order (an account manager's customers by
    creation: ``(manager_id, created_at, id)``), walked among the filtered rows alone: PostgreSQL, which
    knows its indexes, chooses there (a manager's 1,000 customers holding 华信: a walk of ~400 of their
    rows, 1 ms, where their postings are 49,620). Nor grouped rows (no id of a table to look the page up
    by), nor a list whose joins fix where the database starts (``OuterLoopJoin``)."""
    return any(isinstance(term, Either) for criterion in stmt._where_criteria for term in _conjuncts(criterion)) \
        and not stmt._group_by_clauses \
        and not any(isinstance(found, OuterLoopJoin) for found in getattr(stmt, "_from_obj", ()))


def _fetch(query) -> list:
    result = db.session.execute(query)
    return list(result.scalars() if len(query.column_descriptions) == 1 else result)


def _row_id(row, tiebreak) -> int:
    """The tiebreak value of a fetched row: an entity, or a result row holding it or its entity."""
    if not hasattr(row, "_mapping"):
        return getattr(row, tiebreak.key)
    if tiebreak in row._mapping:
        return row._mapping[tiebreak]
    return getattr(row[0], tiebreak.key)


def paginate(stmt, sorts: dict, default: str, tiebreak, *, walk: bool = False, count=None,
             cap: int | None = None) -> Page:
    """One page of ``stmt`` per the request's ``sort``, ``page``, ``per_page`` and keyset cursor,
    sorted by a key of ``sorts`` (name -> column, or a tuple of columns) and then by ``tiebreak``
    (the primary key).

    ``walk``: a list longer than the cap is read along its order's index whatever its filters'
    indexes (SQLite; see the module's notes). For a table with an index on (column, tiebreak) for
    each sort, whose filters are not narrow once more than the cap rows match.

    ``count``: a statement of the same rows that the bounded count reads instead of ``stmt`` — written for
    its own plan (the churn list sorted by customer walks customers by name for a page, but is counted
    from the records' indexes: the same rows).

    ``cap``: this list's own bound instead of ``CRM_COUNT_CAP``, for a count that costs much more per row
    than an index entry (each churn record of a customer whose name holds a term costs a read of that
    customer's row). Past a lower bound the pages walk the order, testing up to
    (rows / bound) × page size rows a page."""
    per_page = page_size()
    sort = sort_order(sorts, default)
    order = _Order(stmt, sort_columns(sorts[sort.lstrip("-")]), tiebreak, sort.startswith("-"))
    configured = current_app.config.get("CRM_COUNT_CAP", COUNT_CAP)
    cap = min(cap, configured) if cap else configured  # (never above the deployment's own)
    without_parallel_workers()  # bounded reads: workers cost more than they share (core.db)
    counted, rows = _bounded_count(stmt if count is None else count, tiebreak, cap)
    requested = _int_arg("page", 1) or 1
    if counted <= cap:
        order.filtered(counted, rows)
        return _numbered(order, counted, requested, per_page, sort)
    from core.text_search import probing_grams  # (text_search uses core.listing, which uses this module)

    if walk:
        order.walk()
    with probing_grams():  # many matches: walk the order, probe each row (core.text_search)
        return _keyset(order, cap, requested, per_page, sort)


def _numbered(order: _Order, total: int, requested: int, per_page: int, sort: str) -> Page:
    """A list within the cap: exact total, every page by number."""
    pages = max(1, ceil(total / per_page))
    page = min(max(1, requested if requested > 0 else pages + 1 + requested), pages)
    offset = (page - 1) * per_page
    if offset > total / 2:
        limit = min(per_page, total - offset)
        items = list(reversed(order.read(False, limit, offset=total - offset - limit)))
    else:
        items = order.read(True, per_page, offset=offset)
    return Page(items, total, page, per_page, sort,
                prev_args=_numbered_link(page - 1) if page > 1 else None,
                next_args=_numbered_link(page + 1) if page < pages else None,
                last_args=_numbered_link(pages))


def _numbered_link(page: int) -> dict:
    return {"page": page if page > 1 else None, "after": None, "before": None}


def _keyset(order: _Order, cap: int, requested: int, per_page: int, sort: str) -> Page:
    """A list longer than the cap: pages from the start (page > 0) or from the end (page < 0),
    read past the row a Next/Previous link names, or by a bounded offset."""
    after, before = order.edge(request.args.get("after")), order.edge(request.args.get("before"))
    reachable = max(1, cap // per_page)  # pages a bounded offset reaches from either end
    page, notice, items = requested, "", []
    more_before = more_after = True
    if after is not None:
        page = max(page, 2) if page > 0 else page  # rows precede the cursor: never the first page
        items = order.read(True, per_page + 1, edge=after)
        more_after = len(items) > per_page
        items = items[:per_page]
        if not more_after and page < 0:
            page = -1
        if not items:  # the cursor was the last row (rows went away since): show the last page
            page = -1
    elif before is not None:
        page = min(page, -2) if page < 0 else page  # rows follow the cursor: never the last page
        items = list(reversed(order.read(False, per_page + 1, edge=before)))
        more_before = len(items) > per_page
        items = items[-per_page:]
        if not more_before and page > 0:
            page = 1
        if not items:
            page = 1
    if not items:
        if abs(page) > reachable:
            page = reachable if page > 0 else -reachable
            notice = "jump"
        forward = page > 0
        items = order.read(forward, per_page, offset=(abs(page) - 1) * per_page)
        if not forward:
            items.reverse()
        # More rows lie beyond a full page (a list past the cap holds more than a page: unless its cap, a
        # list's own, is below the page size).
        full = len(items) == per_page
        more_before, more_after = (page > 1, full) if forward else (full, page < -1)
    if page > 0:
        more_before = more_before and page > 1
    else:
        more_after = more_after and page < -1
    prev_args = next_args = None
    if items and more_before:
        prev_args = {"page": page - 1, "before": _row_id(items[0], order.tiebreak), "after": None}
        if page == 2:
            prev_args = _numbered_link(1)
    if items and more_after:
        next_args = {"page": page + 1, "after": _row_id(items[-1], order.tiebreak), "before": None}
        if page == -2:
            next_args = {"page": -1, "after": None, "before": None}
    return Page(items, cap, page, per_page, sort, capped=True, prev_args=prev_args, next_args=next_args,
                notice=notice)
