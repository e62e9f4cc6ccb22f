"""The SQLAlchemy handle shared by the core and every plugin."""
import re

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Stable constraint names, so that migrations written on SQLite and
# PostgreSQL agree and constraints can be dropped by name later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class EventSession(FlaskSession):
    """Delivers the domain events queued by ``core.events.emit`` once a commit succeeds.

    Delivery happens after ``commit`` returns rather than in SQLAlchemy's
    ``after_commit`` event, so handlers may query and commit themselves.
    """

    def commit(self) -> None:
        super().commit()
        from core.events import deliver_pending

        deliver_pending(self)


db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"class_": EventSession},
)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_setup(dbapi_connection, connection_record):
    """SQLite: foreign keys on (off by default), WAL so readers and a writer work at once, and the
    transactions begun by ``_sqlite_begin`` instead of by Python's driver.

    The driver's own transaction handling (its "legacy" mode) begins a transaction only before
    INSERT, UPDATE or DELETE: a SAVEPOINT issued first runs outside any transaction and its RELEASE
    commits, so a rollback afterwards keeps what the savepoint wrote; DDL is never transactional.
    Setting ``isolation_level = None`` switches that off, as SQLAlchemy's SQLite documentation
    ("Enabling Non-Legacy SQLite Transactional Modes") describes. The driver's ``commit()`` and
    ``rollback()`` still end the transaction that ``_sqlite_begin`` started. SQLAlchemy's
    ``isolation_level="AUTOCOMMIT"`` is incompatible with this setup and is not used.
    """
    if _is_sqlite(dbapi_connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


_READS = ("SELECT", "PRAGMA", "EXPLAIN")
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _is_read(statement: str) -> bool:
    """A plain read: SELECT (also after a WITH clause that writes nothing), PRAGMA, EXPLAIN."""
    start = statement.lstrip()[:7].upper()
    return start.startswith(_READS) or start.startswith("WITH") and not _WRITES.search(statement)


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_begin(conn, cursor, statement, parameters, context, executemany):
    """SQLite: ``BEGIN IMMEDIATE`` before the first statement of a transaction that is not a plain read.

    Everything from that statement to the commit or rollback is one transaction, savepoints
    included, as on PostgreSQL. It begins at the first write rather than at the first SELECT:
    a transaction begun by a read takes a snapshot, and when it later writes after another
    connection has committed, SQLite answers "database is locked" at once instead of waiting
    (its busy timeout does not apply), which would turn every concurrent form save into an
    error. IMMEDIATE takes the write lock at the start, waiting up to the busy timeout for
    another writer. Reads before the first write each see the latest committed data, like
    PostgreSQL's default READ COMMITTED isolation.
    """
    if conn.dialect.name != "sqlite":
        return
    dbapi_connection = cursor.connection
    if dbapi_connection.in_transaction or _is_read(statement):
        return
    dbapi_connection.execute("BEGIN IMMEDIATE")


def lock_for_update(model, record_id: int) -> None:
    """Make the writers of one record wait for each other until commit: on PostgreSQL the record's
    row lock, on SQLite the database's write lock (``BEGIN IMMEDIATE``). Read what a rule depends on
    *after* this, e.g. "one main contact per customer": a second writer then sees the first's work
    instead of failing on a unique index. A no-op UPDATE rather than ``SELECT ... FOR UPDATE``,
    which SQLite does not have; written at table level, so neither audit nor versions notice."""
    from sqlalchemy import update

    table = model.__table__
    with db.session.no_autoflush:
        db.session.execute(update(table).where(table.c.id == record_id).values(id=table.c.id))


def without_parallel_workers() -> None:
    """PostgreSQL: plan the rest of the current transaction's statements without parallel workers
    (``SET LOCAL max_parallel_workers_per_gather = 0``; it ends with the transaction). Nothing on SQLite.

    For a list page's reads, bounded by design (a count up to the cap, a page of rows): PostgreSQL
    planned the bounded count of a search with a parallel bitmap heap scan (a GIN index's bitmap of
    tens of thousands of rows), which only the leader builds — most of the work — before two workers
    are started to share the reading of the table's pages. The workers' start and their CPU bought
    nothing: 1M copy, loaded 2-core machine, p50 of 15 interleaved runs, the administrator's count of
    华信 65.9 -> 33.9 ms, of 华 51.9 -> 29.2 ms, the opportunities' 华信 38.1 -> 14.0 ms, the
    leader's CPU the same either way. Reports and jobs, which may gain from workers, keep them.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def analyze(*models) -> None:
    """Refresh the database's statistics of the models' tables after bulk work (an import, a scan),
    so the query planner does not guess from stale or missing figures. Commits.

    SQLite reads the whole of each index (about a second for a million customers or six million
    order lines): its sampling mode (``analysis_limit``) estimates at most the limit's number of
    rows per value, so a manager's 20,000 customers looked like 2,000 and the planner drove an own
    scope report from the wrong table (0.85 s instead of 0.1 s at a million customers).
    PostgreSQL samples, and its estimates hold.
    """
    from sqlalchemy import text

    for model in models:
        db.session.execute(text(f'ANALYZE "{model.__table__.name}"'))
    db.session.commit()


# A table's statistics are refreshed once the rows added exceed this share of the rows they counted:
# PostgreSQL's autovacuum analyses at the same share (autovacuum_analyze_scale_factor = 0.1).
GROWTH_TO_ANALYZE = 0.1


def analyze_grown(added: int, *models, audit_log: bool = False) -> list[str]:
    """``analyze`` the tables of ``models`` (and the audit log with ``audit_log``: one entry per row)
    to which ``added`` rows were just added, but only those whose statistics have never been gathered
    or counted fewer than ``added / GROWTH_TO_ANALYZE`` rows; returns the tables analysed. Commits.

    Adding a tenth to a table changes the planner's averages by a tenth at most, while ANALYZE of a
    million customers reads every index on SQLite (seconds): a 10,000-row import into a million
    customers should not pay for that, an import into an empty or small table must. Whatever the
    growth, the new rows' entries in the tables' search indexes are merged (``merge_pending_index_entries``).
    """
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "sqlite":
        has_stats = db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        counted = (lambda name: db.session.execute(
            text("SELECT max(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = :name"), {"name": name}).scalar()
            if has_stats else None)
    else:
        counted = (lambda name: db.session.execute(
            text("SELECT reltuples FROM pg_class WHERE oid = CAST(:name AS regclass)"), {"name": name}).scalar())
    if audit_log:
        from core.audit import AuditEntry

        models = (*models, AuditEntry)
    grown = [model for model in models
             if (known := counted(model.__table__.name)) is None or known <= 0 or added > known * GROWTH_TO_ANALYZE]
    analyze(*grown)
    merge_pending_index_entries(*models)
    return [model.__table__.name for model in grown]


def merge_pending_index_entries(*models) -> None:
    """PostgreSQL: move the entries that bulk work left in the *pending list* of the models' GIN indexes
    (the search indexes, core/text_search.py) into the indexes proper. Commits; nothing on SQLite.

    A GIN index takes new rows' entries into an unsorted pending list (up to 4 MB) and merges them later
    (at that size, or when autovacuum passes), and every search reads the whole list meanwhile: with 80,000
    names added to a million customers' grams index, the count of 华信 read 396 pending pages (7,001 entries)
    besides the 14 of its postings, its index scan 9-13 -> 16-20 ms (EXPLAIN ANALYZE, loaded machine), until
    autovacuum came by. Merging that list took 0.23 s. Only the indexes the user may merge (their owner's).
    """
    from sqlalchemy import text

    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        db.session.execute(text(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = CAST(:name AS regclass) AND a.amname = 'gin' "
            "AND pg_has_role(c.relowner, 'USAGE')"), {"name": model.__table__.name})
    db.session.commit()


def derived_tables() -> set[str]:
    """Tables the database keeps from other tables (a full-text index and its shadow tables, a
    table written by triggers), named in ``info["derived_tables"]`` of the table they derive from.

    They have no models: schema comparisons leave them alone, and emptying the
    source table (whose triggers keep them) empties them.
    """
    return {name for table in db.metadata.tables.values() for name in table.info.get("derived_tables", ())}
