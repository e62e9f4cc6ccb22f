"""A temporary table holding an import's checked rows until the whole file has been read.

An import reads and checks its file a chunk at a time and writes each chunk's
good rows here (PostgreSQL: COPY; SQLite: multi-row INSERTs), so
memory stays bounded whatever the file's size. The checks that need more than
a row (duplicates within the file and against the database) are set-based
queries over it, and the rows go into their real table with INSERT ... SELECT.

The table lives in the import's transaction and goes with it (PostgreSQL:
``ON COMMIT DROP``; SQLite: dropped before the commit, and a rollback of the
import takes its creation back). On SQLite it is written inside a *deferred*
transaction that touches only the connection's temporary database: the main
database's write lock is not taken while the file is read, only by the first
write to a real table (``core.db`` begins write transactions with
``BEGIN IMMEDIATE``; a deferred one whose first statement on the main database
is a write waits for the lock the same way). A killed process leaves nothing:
SQLite's temporary database is a file deleted with the connection, PostgreSQL's
temporary table ends with the session.
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import Column, Index, MetaData, Table, text

from core.api import db

_VARIABLES = 32766  # SQLite's default limit of a statement's parameters since 3.32


class Staging:
    def __init__(self, name: str, columns: list[Column], indexes: tuple[tuple[str, ...], ...] = ()):
        self.name = name
        self.table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"], postgresql_on_commit="DROP")
        for number, keys in enumerate(indexes):
            Index(f"{name}_{number}", *(self.table.c[key] for key in keys))
        self._columns = [column.name for column in columns]
        self._raw = None
        self.sqlite = False

    def create(self) -> None:
        """Create the table in the session's transaction (on SQLite: a deferred one, see above)."""
        connection = db.session.connection()
        self.sqlite = connection.dialect.name == "sqlite"
        self._raw = connection.connection.driver_connection
        if self.sqlite:
            if not self._raw.in_transaction:
                self._raw.execute("BEGIN")  # deferred: core.db's hook would begin IMMEDIATE (the write lock)
            self._raw.execute(f"DROP TABLE IF EXISTS temp.{self.name}")  # left by an import of this connection
        self.table.create(connection)
        if not self.sqlite:
            # One-off statements over many rows: compiling them (JIT, chosen by cost) took 0.7 s of the
            # duplicate query's 1.7 s once the planner knew the table's size, and saves nothing.
            db.session.execute(text("SET LOCAL jit = off"))

    def write(self, rows: list[tuple]) -> None:
        """Append ``rows`` (tuples in the order of the columns)."""
        if not rows:
            return
        names = ", ".join(self._columns)
        if self.sqlite:
            # Multi-row VALUES, not an executemany: the driver lets go of the GIL around each step, and while
            # another thread checks the next chunk (pipeline.py) each step waited for it to come back.
            width = len(self._columns)
            per = max(1, min(len(rows), _VARIABLES // width))
            row = f"({', '.join('?' * width)})"
            for start in range(0, len(rows), per):
                batch = rows[start:start + per]
                self._raw.execute(f"INSERT INTO temp.{self.name} ({names}) VALUES {', '.join([row] * len(batch))}",
                                  list(chain.from_iterable(batch)))
            return
        with self._raw.cursor() as cursor, cursor.copy(f"COPY {self.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def drop(self) -> None:
        db.session.execute(text(f"DROP TABLE {'temp.' if self.sqlite else ''}{self.name}"))
