"""``TextIndex``: "contains" searches over a table's text columns, answered from the database's indexes.

A list or a search box asking "which rows contain 华信?" must not read every
row of a million. Both databases index *trigrams* (three consecutive
characters): SQLite through an FTS5 table with the ``trigram`` tokenizer,
PostgreSQL through ``gin_trgm_ops`` GIN indexes. A term of three characters or
more is a run of consecutive trigrams, so the index finds exactly the rows that
contain it (FTS5: one phrase; PostgreSQL: ``ILIKE '%…%'``).

Chinese names make one- and two-character terms common (华, 华信, a person
王伟), and those contain no whole trigram: FTS5 returns nothing and pg_trgm
reads the whole index. So one column (the name) is also indexed by its
*grams* — each character and each pair of neighbouring characters,
lower-cased. A term of one or two characters *is* one gram, so "contains 华信"
is exactly "has the gram 华信": a single index lookup returning exactly the
matching rows, nothing to re-check. SQLite keeps the grams as rows of a
``<table>_gram`` table (primary key (gram, id)); PostgreSQL as the ``text[]``
of an immutable function ``<table>_grams(name)`` under a GIN index.

Everything is kept by the database in the writer's transaction — SQLite by
triggers, PostgreSQL by its index maintenance — so ORM saves, bulk inserts,
COPY and imports all stay searchable. A plugin declares the index next to its
model, adds ``indexes()`` and ``table_info()`` to ``__table_args__``, runs
``create_statements(dialect)`` in a migration, and filters with ``matches`` (a
condition for any place) or ``filter`` (a list's AND-ed filter).

Where a search starts matters as much as the index: 华信 is in one name of twenty,
a rare gram in a handful. A list's count up to the cap should start from the
postings of a rare gram, or of a frequent one when every row is visible, but from
an account manager's 20,000 customers when those are fewer than the gram's 49,620;
a page of a long list should walk the list's order and test each row (the cap
decides that: ``probing_grams``). PostgreSQL's planner knows from the GIN index's
statistics how common a gram is. SQLite's (without STAT4) knows only the average
gram, so ``filter`` counts the gram's postings from the index (up to
``POSTINGS_COUNTED``, ~1 ms) and tells the planner their share with
``likelihood()`` on a join of the gram table: the planner then weighs them against
the list's other filters from its own statistics.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from flask import g, has_app_context
from sqlalchemy import (
    Boolean, ColumnElement, Index, and_, column, exists, func, literal, literal_column, or_, select, table, text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import AsBoolean
from sqlalchemy.dialects.postgresql import array

from core.db import db
from core.listing import contains

MAX_TERM = 200  # longer terms are cut: bounded work, and no indexed text is longer
SHORT = 2  # terms of at most this many characters are answered from the grams
POSITIONS = 200  # grams are written for this many leading characters of the gram column (SQLite)
GRAMS_COST = 400  # PostgreSQL: the declared cost of the grams function (see grams_function)


def normalized(term: str | None) -> str:
    """A search term as searched: no NUL bytes, no outer spaces, at most ``MAX_TERM`` characters."""
    return (term or "").replace("\x00", "").strip()[:MAX_TERM].strip()


def _ascii_lower(term: str) -> str:
    """SQLite's ``lower()``, which wrote the grams, folds ASCII letters only."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in term)


def _uncased(term: str) -> bool:
    """Has ``term`` no letter with a case (Chinese characters, digits)? Then a text holds it exactly when
    the text lower-cased does, one character mapping to one (PostgreSQL's ``lower``)."""
    return term.lower() == term == term.upper()


def _phrase(term: str) -> str:
    """``term`` as one FTS5 phrase: every character literal (``%``, ``_``, quotes, operators)."""
    return '"' + term.replace('"', '""') + '"'


# One or two characters often match a large share of the rows (华: one name in ten). Collecting
# every match and sorting it for a page of 20 then costs more than walking the list's own
# order and probing the grams row by row, which stops after 20. The pagination knows which
# case it is in — it has counted up to CRM_COUNT_CAP — and turns probing on for a long list.
_probing: ContextVar[bool] = ContextVar("crm_text_search_probing", default=False)

# SQLite: postings of a gram counted at most (index entries only, ~1 ms): enough to tell a gram
# that a filter's rows outnumber (an account manager's 20,000 customers) from one they do not.
POSTINGS_COUNTED = 40_000
# PostgreSQL, first_matches: a short term held by at most this many rows is looked up by their ids.
FEW_MATCHES = 2_000
ASSUMED_ROWS = 1 << 20  # the rows SQLite assumes of a table it has no statistics of


@contextmanager
def probing_grams():
    """Within this block, short-term matches compile as a per-row probe (``EXISTS``) rather than a
    set of ids (``IN``) or a join (``TextIndex.filter``): for reading a page of a list known to
    hold many matches."""
    token = _probing.set(True)
    try:
        yield
    finally:
        _probing.reset(token)


class _ByProbing(ColumnElement):
    """A condition written one way for a set of rows and another while ``probing_grams`` is on:
    ``form(probing)`` builds each (once per element), compiled as it stands.

    Cached by SQLAlchemy like any statement — under a key holding the probing state and the form's
    own key, whose bound values (the gram, the FTS query) are extracted as usual — so a list page
    holding one compiles its statements once per form, not on every request: uncached, an account
    manager's summary search spent ~20 ms of CPU a page compiling its count's three arms and the
    page (SQLite, where these elements are used)."""

    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands (not "... = 1", which no index answers)

    def form(self, probing: bool) -> ColumnElement:
        raise NotImplementedError

    def _current(self) -> ColumnElement:
        probing, forms = _probing.get(), self.__dict__.setdefault("_forms", {})
        if probing not in forms:  # one object per form: its bound parameters are those the cache key extracts
            forms[probing] = self.form(probing)
        return forms[probing]

    def _gen_cache_key(self, anon_map, bindparams):
        return self.__class__, _probing.get(), self._current()._gen_cache_key(anon_map, bindparams)

    @property
    def _from_objects(self):
        return self._current()._from_objects


@compiles(_ByProbing)
def _compile_by_probing(element: _ByProbing, compiler, **kw):
    return compiler.process(element._current(), **kw)


class _HasGram(_ByProbing):
    """``id`` is a row whose gram column holds ``gram`` (SQLite's gram table): a probe of the gram
    table while probing, else the id among the gram's postings."""

    def __init__(self, id_column, gram_table: str, gram: str):
        self.id_column, self.gram = id_column, gram
        self.grams = table(gram_table, column("gram"), column("row_id"))

    def form(self, probing: bool) -> ColumnElement:
        grams = self.grams
        if probing:
            return exists().where(grams.c.gram == self.gram, grams.c.row_id == self.id_column)
        return self.id_column.in_(select(grams.c.row_id).where(grams.c.gram == self.gram))


class _GramJoin(_ByProbing):
    """SQLite, ``TextIndex.filter``: the statement joins the gram table, ``row_id = key AND
    likelihood(gram = :gram, share)`` — the planner, told by ``share`` how common the gram is,
    chooses where to start.

    While probing, the row's own text is tested instead (the gram table then leaves the FROM
    list): ``instr(lower(value), gram)`` over the characters the grams were written for, which
    holds exactly when the gram table has the row (both from SQLite's ``lower``), at a fraction
    of a probe of the gram table's 20 million entries (walking 3,600 names for 20 with 华信:
    ~1 ms instead of ~8). A join on the gram's primary key would not do: the planner estimates
    a probe of (gram, row_id) by ``sqlite_stat1``'s average rows per gram, and no share makes
    it look like one row while the postings look like all of them."""

    def __init__(self, key, value, gram_table: str, gram: str, share: tuple[float, int]):
        self.key, self.value, self.gram, (self.share, self.rows) = key, value, gram, share
        self.grams = table(gram_table, column("gram"), column("row_id"))

    def form(self, probing: bool) -> ColumnElement:
        grams = self.grams
        if probing:
            # the grams are written for the first POSITIONS characters (a pair: starting there)
            written = func.substr(func.lower(self.value), 1, POSITIONS + len(self.gram) - 1)
            return func.instr(written, self.gram) > 0
        # The gram's share of the table estimates its postings (a plan starting from them); a probe
        # of (gram, row_id) finds one row at most, which the planner, dividing the postings by
        # sqlite_stat1's average rows per gram, would not know: the join says so by its own
        # likelihood (one in that many postings).
        postings = max(1.0, self.share * self.rows)
        return and_(func.likelihood(grams.c.row_id == self.key, literal_column(repr(min(1.0, 1 / postings)))),
                    func.likelihood(grams.c.gram == self.gram, literal_column(repr(self.share))))


def postings_alone(ids, tiebreak):
    """SQLite: ``ids`` — the select of a list's keys that its bounded count reads (``core.paging``) — as
    the term's postings alone, when a short term's join (``_GramJoin``) on the listed table's own key is
    its only condition and the two tables its only ones: an administrator's list searched for 华信 and
    nothing else. Else ``ids`` unchanged.

    The gram table holds a row's postings exactly while the row exists (its triggers, in the writer's
    transaction), so each posting is one row of the list. Read through the join, each of the first
    10,001 postings also looked its row up by id, which nothing needed: the administrator's count of
    华信 in 300,000 opportunities 9.0 -> ~0.4 ms, of 发票 in 500,000 service requests 14.9 -> ~0.4 ms."""
    where = ids.whereclause
    where = where.element if isinstance(where, AsBoolean) else where  # a condition as it stands
    if not isinstance(where, _GramJoin) or ids._group_by_clauses or ids._having_criteria or ids._distinct:
        return ids
    key, listed = getattr(where.key, "expression", where.key), getattr(tiebreak, "expression", tiebreak)
    if getattr(key, "table", None) is None or key.table is not getattr(listed, "table", None) \
            or key.name != listed.name:
        return ids
    # Only now the FROM list (compiling it costs): the listed table and the gram table, nothing joined.
    tables = {getattr(found, "name", None) for found in ids.get_final_froms()}
    if tables != {key.table.name, where.grams.name}:
        return ids
    return select(where.grams.c.row_id).where(where.grams.c.gram == where.gram)


class _InFts(_ByProbing):
    """``id`` is a row whose text matches the FTS5 ``query`` (SQLite). While probing (a page of a long
    list) the id is written ``+id``: the page is then read along the list's order, each row's id looked
    up in the matches, instead of every match being read and sorted for a page of 20 (服务器间歇, 23,706
    of 500,000 service requests: 4 ms instead of 147 ms)."""

    always_probing = False  # TextIndex.filter: another condition leads, whether probing or not

    def __init__(self, id_column, fts, query: str):
        self.id_column, self.fts, self.query = id_column, fts, query

    def matches(self):
        return select(self.fts.c.rowid).where(self.fts.c[self.fts.name].op("MATCH")(self.query))

    def form(self, probing: bool) -> ColumnElement:
        from core.paging import unindexed  # (paging's module uses this one through core.listing)

        return (unindexed(self.id_column) if probing or self.always_probing else self.id_column).in_(self.matches())


class TextIndex:
    """The search index of ``columns`` of ``table_name``; ``grams`` is the column also searched
    by one or two characters (the others need three: numbers and phones)."""

    def __init__(self, table_name: str, columns: tuple[str, ...], grams: str):
        self.table, self.columns, self.gram_column = table_name, columns, grams
        self.fts, self.gram_table, self.positions = f"{table_name}_fts", f"{table_name}_gram", f"{table_name}_position"
        self.function = f"{table_name}_grams"

    # --- the model side ---------------------------------------------------------------------------

    def indexes(self) -> list[Index]:
        """The PostgreSQL indexes, for the model's ``__table_args__`` (SQLite's are derived tables)."""
        found = [Index(f"ix_{self.table}_{name}_trgm", name, postgresql_using="gin",
                       postgresql_ops={name: "gin_trgm_ops"}, info={"dialects": ("postgresql",)})
                 for name in self.columns]
        found.append(Index(f"ix_{self.table}_{self.gram_column}_grams", getattr(func, self.function)(
            text(self.gram_column)), postgresql_using="gin", info={"dialects": ("postgresql",)}))
        return found

    @property
    def derived_tables(self) -> tuple[str, ...]:
        """SQLite's tables of this index (the FTS5 table, its shadow tables, grams, positions)."""
        shadows = tuple(f"{self.fts}_{part}" for part in ("data", "idx", "docsize", "config"))
        return (self.fts, *shadows, self.gram_table, self.positions)

    def table_info(self) -> dict:
        """The ``{"info": ...}`` entry of ``__table_args__`` naming the derived tables (see core.db)."""
        return {"info": {"derived_tables": self.derived_tables}}

    # --- the migration side -----------------------------------------------------------------------

    def _grams_of(self, row: str) -> str:
        value = f"lower({row}.{self.gram_column})"
        return (f"SELECT substr({value}, n, 1) AS gram FROM {self.positions} WHERE n <= length({value}) "
                f"UNION SELECT substr({value}, n, 2) FROM {self.positions} WHERE n < length({value})")

    def create_statements(self, dialect: str) -> list[str]:
        """DDL creating the index on ``dialect`` and filling it from the rows already there."""
        if dialect != "sqlite":
            return ["CREATE EXTENSION IF NOT EXISTS pg_trgm", *(
                f"CREATE INDEX IF NOT EXISTS ix_{self.table}_{name}_trgm ON {self.table} USING gin ({name} gin_trgm_ops)"
                for name in self.columns),
                # COST: see grams_function.
                self.grams_function(),
                f"CREATE INDEX ix_{self.table}_{self.gram_column}_grams ON {self.table} "
                f"USING gin ({self.function}({self.gram_column}))"]
        names, new = ", ".join(self.columns), ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        insert_grams = f"INSERT INTO {self.gram_table} (gram, row_id) SELECT gram, new.id FROM ({self._grams_of('new')});"
        delete_grams = (f"DELETE FROM {self.gram_table} WHERE row_id = old.id "
                        f"AND gram IN (SELECT gram FROM ({self._grams_of('old')}));")
        delete_text = f"INSERT INTO {self.fts} ({self.fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        insert_text = f"INSERT INTO {self.fts} (rowid, {names}) VALUES (new.id, {new});"
        value = f"lower(t.{self.gram_column})"
        return [
            f"CREATE VIRTUAL TABLE {self.fts} USING fts5({names}, content='{self.table}', content_rowid='id', "
            "tokenize='trigram')",
            f"CREATE TABLE {self.positions} (n INTEGER PRIMARY KEY)",
            f"WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < {POSITIONS}) "
            f"INSERT INTO {self.positions} SELECT n FROM p",
            f"CREATE TABLE {self.gram_table} (gram VARCHAR(2) NOT NULL, row_id INTEGER NOT NULL, "
            "PRIMARY KEY (gram, row_id)) WITHOUT ROWID",
            f"CREATE TRIGGER {self.table}_search_insert AFTER INSERT ON {self.table} BEGIN "
            f"{insert_text} {insert_grams} END",
            f"CREATE TRIGGER {self.table}_search_delete AFTER DELETE ON {self.table} BEGIN "
            f"{delete_text} {delete_grams} END",
            f"CREATE TRIGGER {self.table}_search_update AFTER UPDATE OF {names} ON {self.table} BEGIN "
            f"{delete_text} {insert_text} {delete_grams} {insert_grams} END",
            f"INSERT INTO {self.fts} ({self.fts}) VALUES ('rebuild')",
            # Rows already there, sorted so that the b-tree is written in order.
            f"INSERT INTO {self.gram_table} (gram, row_id) "
            f"SELECT substr({value}, p.n, 1), t.id FROM {self.table} t JOIN {self.positions} p ON p.n <= length({value}) "
            f"UNION SELECT substr({value}, p.n, 2), t.id FROM {self.table} t "
            f"JOIN {self.positions} p ON p.n < length({value}) ORDER BY 1, 2",
        ]

    def grams_function(self) -> str:
        """PostgreSQL: the function giving a text's grams (each character and each pair of neighbours,
        lower-cased), which the GIN index stores and short terms are looked up in.

        PL/pgSQL rather than SQL: a SQL body with a FROM clause is never inlined, and ran as a
        query per row it cost 15 µs a name, 1.5 of the 7 s of a 100,000-row import at a million
        customers; the loop costs 3 µs. The array may hold a gram twice ("aa"): a GIN index keeps
        each element once, and ``@>`` does not count them.

        COST: the planner must not think the function cheap (at the default, 100, it computed it for a
        manager's 20,000 customers rather than intersect two index bitmaps: 190 ms instead of 13 ms);
        ``GRAMS_COST`` was set when the SQL body took ~9 µs and is kept for those plans.
        """
        return f"""CREATE OR REPLACE FUNCTION {self.function}(value text) RETURNS text[]
            LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST {GRAMS_COST} AS $$
            DECLARE
                lowered text := lower(coalesce(value, ''));
                grams text[] := string_to_array(lowered, NULL);
            BEGIN
                FOR n IN 1 .. length(lowered) - 1 LOOP
                    grams := grams || substr(lowered, n, 2);
                END LOOP;
                RETURN grams;
            END $$"""

    def drop_statements(self, dialect: str) -> list[str]:
        if dialect != "sqlite":
            return [f"DROP INDEX ix_{self.table}_{self.gram_column}_grams", f"DROP FUNCTION {self.function}(text)",
                    *(f"DROP INDEX ix_{self.table}_{name}_trgm" for name in self.columns)]
        return [*(f"DROP TRIGGER {self.table}_search_{what}" for what in ("insert", "delete", "update")),
                f"DROP TABLE {self.gram_table}", f"DROP TABLE {self.positions}", f"DROP TABLE {self.fts}"]

    # --- bulk inserts -----------------------------------------------------------------------------

    @contextmanager
    def filled_after(self):
        """SQLite: the rows the block inserts are indexed set-based, two statements instead of the
        insert trigger's work per row (the grams are written in key order, not at ~20 random places
        per row: a 100,000-row import into a million customers spent a third of its time there).

        Yields ``(before_insert, fill)``: call ``before_insert()`` before each insert, and ``fill()``
        whenever the rows inserted so far should be indexed (an import fills after each chunk, so
        the index is written while the next chunk is checked); what is left is filled when the
        block ends. The first ``before_insert()`` drops the trigger, inside the caller's
        transaction, which from then on holds SQLite's write lock (so a file refused before its
        first insert never takes it). No other writer sees the table without the trigger, and a
        rollback (a refused import) restores it. The block must not commit. Nothing to do on
        PostgreSQL, whose GIN indexes follow the inserts.
        """
        sqlite, trigger = db.session.get_bind().dialect.name == "sqlite", f"{self.table}_search_insert"
        first, create = None, ""  # first: the lowest id not yet indexed

        def before_insert() -> None:
            nonlocal first, create
            if first is None and sqlite:
                create = db.session.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                                                 "name = :name"), {"name": trigger}).scalar_one()
                db.session.execute(text(f"DROP TRIGGER {trigger}"))  # begins the transaction, takes the lock
                first = db.session.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {self.table}")).scalar()

        def fill() -> None:
            nonlocal first
            if first is None:
                return
            following = db.session.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {self.table}")).scalar()
            if following == first:
                return
            names = ", ".join(self.columns)
            db.session.execute(text(f"INSERT INTO {self.fts} (rowid, {names}) SELECT id, {names} FROM {self.table} "
                                    "WHERE id >= :first"), {"first": first})
            # Each name lower-cased once (a materialized CTE) and read once for both gram lengths; a gram
            # twice in a name ("00") is written once (OR IGNORE, where a UNION sorted every gram to find
            # them): 2.85 -> 2.21 s of CPU for 100,000 names into a million customers' grams.
            db.session.execute(text(
                f"WITH t AS MATERIALIZED (SELECT id, lower({self.gram_column}) AS value FROM {self.table} "
                "WHERE id >= :first), k(k) AS (VALUES (1), (2)) "
                f"INSERT OR IGNORE INTO {self.gram_table} (gram, row_id) SELECT substr(t.value, p.n, k.k), t.id "
                f"FROM t JOIN {self.positions} p ON p.n <= length(t.value) JOIN k ON p.n + k.k - 1 <= length(t.value) "
                "ORDER BY 1, 2"), {"first": first})
            first = following

        yield before_insert, fill
        if first is None:
            return
        fill()
        db.session.execute(text(create))

    # --- the query side ---------------------------------------------------------------------------

    def postings(self, gram: str) -> int:
        """SQLite: how many rows hold ``gram``, counted up to ``POSTINGS_COUNTED`` from the gram
        table's primary key alone (~1 ms)."""
        counted = g.setdefault("crm_gram_postings", {}) if has_app_context() else {}
        if (self.gram_table, gram) not in counted:  # asked again for the same request: counted once
            counted[self.gram_table, gram] = db.session.scalar(text(
                f"SELECT count(*) FROM (SELECT 1 FROM {self.gram_table} WHERE gram = :gram LIMIT :bound)"),
                {"gram": gram, "bound": POSTINGS_COUNTED})
        return counted[self.gram_table, gram]

    def share(self, gram: str) -> tuple[float, int]:
        """SQLite: (share, rows): the gram table's rows as its planner counts them (``sqlite_stat1``,
        or the million rows it assumes without), and the share of them that the planner should take
        for the postings of ``gram`` (``postings``): what STAT4, which this SQLite lacks, would
        tell it of a frequent value."""
        rows = ASSUMED_ROWS
        if db.session.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")):
            stat = db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t AND idx = :t"),
                                     {"t": self.gram_table})
            rows = int(stat.split()[0]) if stat and stat.split()[0].isdigit() else rows
        # TUNING: each posting costs a lookup of its row in the (wide) table, where a list's filter is
        # mostly read from a narrow index: the postings count twice, so that a filter about as
        # selective as the gram (an account manager's 6,000 opportunities, 15,000 with 华信) is
        # preferred (SQLite's estimate of the filter may be out by that much).
        return min(1.0, 2 * max(self.postings(gram), 1) / max(rows, 1)), rows

    def filter(self, stmt, model, term: str, columns: tuple[str, ...] | None = None, key=None, pairs: bool = False):
        """``stmt`` narrowed to the rows ``matches`` selects, where the database can best choose
        where to start: a list's own filter (an account manager's customers), the term's rows,
        or, once ``probing_grams`` is on, the list's order.

        On SQLite a term of one or two characters joins the gram table (``key = row_id``) and
        tells the planner, by ``likelihood()``, what share of it the gram's postings are
        (``share``): the planner then starts from the postings of a rare gram, and from a
        narrower filter's index, probing the gram's primary key per row, for a frequent one
        (华信: 49,620 of a million names). Only an AND-ed filter of a statement may be written
        so; ``matches`` is a condition for any place (an OR). PostgreSQL knows how common a
        gram is from the GIN index's statistics: ``stmt.where(matches(...))``.

        ``pairs``: a longer term is also looked up by a pair of its characters (``_narrowest_pair``),
        for a list whose narrower filters (a data scope of several arms) should lead its count.
        """
        columns = columns or self.columns
        if term and len(term) <= SHORT and self.gram_column in columns and db.session.get_bind().dialect.name == "sqlite":
            gram = _ascii_lower(term)
            return stmt.where(_GramJoin(model.id if key is None else key, getattr(model, self.gram_column),
                                        self.gram_table, gram, self.share(gram)))
        pair = self._narrowest_pair(model, term, columns) if pairs else None
        if pair is not None:
            # The pair's join is where the planner starts (its postings, or a narrower filter's index); the
            # FTS test, written "+id IN (...)", then only checks the rows found (its list built once).
            found = self.matches(model, term, columns, key=key)
            found.always_probing = True
            return stmt.where(_GramJoin(model.id if key is None else key, getattr(model, self.gram_column),
                                        self.gram_table, pair, self.share(pair))).where(found)
        return stmt.where(self.matches(model, term, columns, key=key))

    def _narrowest_pair(self, model, term: str, columns: tuple[str, ...]) -> str | None:
        """SQLite, a longer term searched in the gram column alone: the pair of its characters (a gram) that
        the fewest rows hold, which every matching row holds too, joined as a short term is (``filter``).
        The FTS index tells its matches only as a list, from which SQLite read each row: an account
        manager's count of 服务器间歇 read all 23,706 matching requests once per scope arm (184 ms at
        500,000), where their 10,000 requests, each probed for 器间, take ~3 ms an arm. Only where the grams
        are written for the whole column (its length) and the term has no letter that SQLite's ``lower``
        (the grams') and FTS5's case folding fold differently."""
        value = getattr(model, self.gram_column, None)
        length = getattr(getattr(value, "type", None), "length", None)
        if (not term or len(term) <= SHORT or tuple(columns) != (self.gram_column,) or length is None
                or length > POSITIONS or db.session.get_bind().dialect.name != "sqlite"
                or any(not ch.isascii() and ch.lower() != ch.upper() for ch in term)):
            return None
        lowered = _ascii_lower(term)
        # Its first and its last pair (each costs a count of its postings, ~1 ms): the less common.
        return min(dict.fromkeys((lowered[:2], lowered[-2:])), key=self.postings)

    def frequent(self, term: str, rows: int = 2_000) -> bool:
        """SQLite: do more than ``rows`` rows hold the one- or two-character ``term`` (``postings``)? A
        read of the first few matches in some order then walks that order, probing
        (``probing_grams``), rather than collect and sort them all. False on PostgreSQL, whose
        planner weighs that itself (it knows the LIMIT and, from its statistics, the gram's share)."""
        if not term or len(term) > SHORT:
            return False
        if db.session.get_bind().dialect.name == "sqlite":
            return self.postings(_ascii_lower(term)) > rows
        return False

    def _common_to_planner(self, gram: str) -> bool:
        """PostgreSQL: is ``gram`` among the most common grams its statistics of the grams index keep?"""
        return bool(db.session.scalar(text(
            "SELECT most_common_elems::text::text[] @> ARRAY[CAST(:gram AS text)] FROM pg_stats "
            "WHERE tablename = :index"), {"gram": gram, "index": f"ix_{self.table}_{self.gram_column}_grams"}))

    def first_matches(self, stmt, model, term: str, columns: tuple[str, ...] | None = None, key=None) -> list:
        """The rows of ``stmt`` — ordered and limited by the caller: the first few, as a search box or
        an autocomplete shows them — that match ``term`` (``filter``). A common term of one or two
        characters walks the order and tests each row (``frequent``, ``probing_grams``); a rare one
        starts from its few postings, so a term no row holds reads none (where walking would read
        every row to find that out)."""
        stmt = self.filter(stmt, model, term, columns, key)
        if term and len(term) <= SHORT and db.session.get_bind().dialect.name == "postgresql" \
                and not self._common_to_planner(term.lower()):
            # PostgreSQL estimates a gram missing from its statistics' most common ones at ~0.5 % of the
            # rows (2,200 of 500,000 request summaries for 华信, which none holds) and walks the order for
            # ten of them. The ids of the rows holding it, when few, tell it the truth; when many, the walk
            # was the right plan. (A common gram, 华信 in customers' names, is estimated well: no lookup.)
            found = db.session.scalars(select(model.id).where(self.matches(model, term, columns))
                                       .limit(FEW_MATCHES + 1)).all()
            if len(found) <= FEW_MATCHES:
                stmt = stmt.where((model.id if key is None else key).in_(found))
        with probing_grams() if self.frequent(term) else nullcontext():
            return db.session.execute(stmt).all()

    def matches(self, model, term: str, columns: tuple[str, ...] | None = None, key=None) -> ColumnElement[bool]:
        """Rows of ``model`` where one of ``columns`` (default: all) contains ``term``
        (``normalized`` first), case-insensitively, with ``%`` and ``_`` literal; every
        row for an empty term. Terms of one or two characters search the gram column only.

        ``key`` (default ``model.id``) is the column compared with the indexed rows' ids on
        SQLite, whose indexes are tables of ids: another table's reference to ``model``
        (``ChurnRecord.customer_id``) lets a list of that table be filtered without reading
        each referenced row. PostgreSQL's indexes are on ``model``'s own columns: there
        ``model`` must be in the query.
        """
        columns = columns or self.columns
        key = model.id if key is None else key
        if not term:
            return literal(True)
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        if len(term) <= SHORT:
            if self.gram_column not in columns:
                return literal(False)
            if sqlite:
                return _HasGram(key, self.gram_table, _ascii_lower(term))
            value = getattr(model, self.gram_column)
            lowered = func.lower(literal(term))
            # The same rows twice over (a term of one or two characters is a gram exactly when it is a
            # substring): the grams for the GIN index and the planner's statistics of how common the
            # gram is; strpos for rows read another way (walking a list's order), which PostgreSQL
            # tests first, as it orders a row's tests by their cost, so that the grams (GRAMS_COST,
            # ~3 µs a name) are computed only of the rows that contain the term. Written ``<> 0``
            # (strpos is never negative), which the planner takes for true of 99.5 % of the rows,
            # so the estimate of how many rows match — and so the plan — stays the grams'.
            # A term no case applies to (华信, 7号) is looked for in the text as it is: every row the
            # GIN index returns is tested too, and lower() of each name cost more than the test
            # (the count of 华信 at a million customers, 10,001 names: 22.3 -> 19.7 ms of CPU).
            written = value if _uncased(term) else func.lower(value)
            return and_(getattr(func, self.function)(value).op("@>")(array([lowered])),
                        func.strpos(written, lowered) != 0)
        if sqlite:
            fts = table(self.fts, column("rowid"), column(self.fts))
            query = _phrase(term) if set(columns) == set(self.columns) else \
                "{" + " ".join(columns) + "} : " + _phrase(term)
            return _InFts(key, fts, query)
        return or_(*(contains(getattr(model, name), term) for name in columns))
