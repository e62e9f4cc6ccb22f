"""A customer import saves each chunk while the next is checked, and still imports all or nothing.

The chunks before a problem are inserted in the import's transaction (the customers, their audit entries,
SQLite's search index); a problem in any later chunk or a database error leaves nothing of them, and the
report still lists every problem of the file. (A killed import: tests/customers/test_atomic_writes.py.)
"""
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from core.api import db
from core.audit import AuditEntry
from core.testing import create_user
from plugins.basedata import services as basedata
from plugins.customers.models import Customer


@pytest.fixture(autouse=True)
def seeded(app):
    with app.app_context():
        basedata.seed_dictionary()


@pytest.fixture
def manager(app):
    return create_user(app, "account_manager", username="zhang")


def run(app, tmp_path, content: str):
    path = tmp_path / "customers.csv"
    path.write_text(content, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", "customers", str(path)])


def committed(app) -> dict:
    """What other connections see: customers, their audit entries, SQLite's grams of them."""
    with app.app_context():
        found = {"customers": db.session.scalar(select(func.count()).select_from(Customer)),
                 "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)
                                            .where(AuditEntry.table_name == "customers_customer"))}
        if db.engine.dialect.name == "sqlite":
            found["grams"] = db.session.scalar(text("SELECT count(*) FROM customers_customer_gram"))
        return found


def nothing_left(app) -> bool:
    return not any(committed(app).values())


@pytest.fixture
def saved_per_chunk(monkeypatch):
    """The customers in the import's own transaction each time a chunk is through (chunks of 3 rows)."""
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 3)
    saved, advance = [], customer_rows.advance

    def recording(progress, table):
        saved.append(db.session.scalar(select(func.count()).select_from(Customer)))
        return advance(progress, table)

    monkeypatch.setattr(customer_rows, "advance", recording)
    return saved


def lines(count: int) -> list[str]:
    return [f"华信{n},beijing,zhang,010-8000{n:04d}" for n in range(count)]


def test_a_duplicate_of_an_inserted_chunk_in_a_later_one_is_reported_and_nothing_is_written(
        app, tmp_path, manager, saved_per_chunk):
    rows = lines(11)
    rows[7] = "华信1有限公司,beijing,zhang,"  # line 9, third chunk: the name of line 3 (first chunk, inserted)
    rows[8] = "其他,beijing,zhang,010 8000 0004"  # line 10: the phone of line 6 (second chunk, inserted)
    result = run(app, tmp_path, "name,region,manager,phone\n" + "\n".join(rows) + "\n")
    assert result.exit_code == 1 and "2 error(s)" in result.output, result.output
    assert "line 9, Name: Possible duplicate: the same name as line 3 of this file." in result.output
    assert "line 10, Phone: Possible duplicate: the same phone number as line 6 of this file." in result.output
    assert saved_per_chunk == [3, 6, 6, 6]  # the first two chunks were inserted, then nothing more
    assert nothing_left(app)


def test_a_bad_row_in_the_last_chunk_leaves_nothing_of_the_chunks_inserted_before(
        app, tmp_path, manager, saved_per_chunk):
    rows = lines(10)
    rows[9] = "华信坏行,mars,zhang,"  # line 11, the fourth chunk
    result = run(app, tmp_path, "name,region,manager,phone\n" + "\n".join(rows) + "\n")
    assert result.exit_code == 1 and "1 error(s)" in result.output
    assert 'line 11, Region: "mars" is not an entry' in result.output
    assert saved_per_chunk == [3, 6, 9, 9]
    assert nothing_left(app)
    saved_per_chunk.clear()
    result = run(app, tmp_path, "name,region,manager,phone\n" + "\n".join(lines(10)) + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():  # the refused file's numbers were given back
        numbers = list(db.session.scalars(select(Customer.number).order_by(Customer.id)))
    assert [number[-5:] for number in numbers] == [f"{n:05d}" for n in range(1, 11)]
    assert saved_per_chunk == [3, 6, 9, 10] and committed(app)["audit"] == 10


def test_a_database_error_in_a_later_chunk_leaves_nothing(app, tmp_path, manager, saved_per_chunk, monkeypatch):
    from plugins.customers.importer import customer_rows

    inserted, insert = [], customer_rows._insert_staged

    def failing_at_the_third_chunk(*args):
        inserted.append(db.session.scalar(select(func.count()).select_from(Customer)))
        if len(inserted) == 3:
            raise OperationalError("INSERT", {}, Exception("disk I/O error (injected)"))
        return insert(*args)

    monkeypatch.setattr(customer_rows, "_insert_staged", failing_at_the_third_chunk)
    result = run(app, tmp_path, "name,region,manager,phone\n" + "\n".join(lines(12)) + "\n")
    assert result.exit_code == 1
    assert "The database refused the import, nothing was imported: disk I/O error (injected)" in result.output
    assert inserted == [0, 3, 6]
    assert nothing_left(app)
    monkeypatch.setattr(customer_rows, "_insert_staged", insert)
    assert run(app, tmp_path, "name,region,manager,phone\n" + "\n".join(lines(12)) + "\n").exit_code == 0
    assert committed(app)["customers"] == 12


def test_a_problem_found_by_the_checking_thread_is_raised_after_the_chunks_before_it(
        app, tmp_path, manager, saved_per_chunk):
    """A file that turns out not to be CSV half-way: refused whole, after the chunks before were inserted."""
    import csv

    rows = lines(8) + ["x" * 30 + ",beijing,zhang,"]
    path = tmp_path / "customers.csv"
    path.write_text("name,region,manager,phone\n" + "\n".join(rows) + "\n", encoding="utf-8")
    limit = csv.field_size_limit(20)  # line 10's name is longer: csv.Error while reading the third chunk
    try:
        result = app.test_cli_runner().invoke(args=["import", "customers", str(path)])
    finally:
        csv.field_size_limit(limit)
    assert result.exit_code == 1 and "The file is not valid CSV" in result.output, result.output
    assert saved_per_chunk == [3, 6]
    assert nothing_left(app)


def test_each_chunk_reads_its_own_staged_rows_by_their_range(app, tmp_path, manager, monkeypatch):
    """PostgreSQL has no statistics of the temporary staging table: a chunk's INSERT and duplicate query
    must read the chunk's rows through the key's range, not scan every row staged so far (a million-row
    file would be read two hundred times over). Plans of the last chunks' statements (EXPLAIN on the
    import's own cursor, before each runs)."""
    from sqlalchemy import event

    from plugins.customers.importer import customer_rows

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite reads the staged rows by their rowid")
        engine = db.engine
    monkeypatch.setattr(customer_rows, "CHUNK", 2000)
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if "FROM import_customer_rows" in statement:
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append((statement.split()[0], "\n".join(row[0] for row in cursor.fetchall())))

    event.listen(engine, "before_cursor_execute", explain)
    try:
        result = run(app, tmp_path, "name,region,manager,phone\n" + "".join(
            f"客户{n},beijing,zhang,010-6{n:07d}\n" for n in range(20_000)))
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    assert result.exit_code == 0, result.output
    assert [kind for kind, _plan in plans[-2:]] == ["SELECT", "INSERT"], plans[-2:]
    for _kind, plan in plans[-2:]:
        assert "Seq Scan on import_customer_rows" not in plan, plan
        assert "import_customer_rows_pkey" in plan, plan
