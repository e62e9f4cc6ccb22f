"""All or nothing on SQLite as on PostgreSQL: faults injected into the database and a killed import."""
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session

from core.api import db
from core.audit import AuditEntry
from core.testing import _QUEUE, create_user
from plugins.customers.models import Customer


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def manager(app):
    return create_user(app, "account_manager", username="zhang")


@pytest.fixture
def failing_audit_log(app):
    """A database trigger that refuses every insert into the audit log: a real fault in the transaction."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            statements = ["CREATE TRIGGER test_fault BEFORE INSERT ON core_audit_log "
                          "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"]
            cleanup = ["DROP TRIGGER IF EXISTS test_fault"]
        else:
            statements = ["CREATE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS "
                          "$$ BEGIN RAISE EXCEPTION 'injected fault'; END $$",
                          "CREATE TRIGGER test_fault BEFORE INSERT ON core_audit_log "
                          "FOR EACH STATEMENT EXECUTE FUNCTION test_fault()"]
            cleanup = ["DROP TRIGGER IF EXISTS test_fault ON core_audit_log", "DROP FUNCTION IF EXISTS test_fault()"]
        with db.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    yield
    with app.app_context():
        with db.engine.begin() as conn:
            for statement in cleanup:
                conn.execute(text(statement))
        db.engine.dispose()


def test_an_import_whose_audit_insert_fails_leaves_no_customer(app, tmp_path, manager, failing_audit_log):
    path = tmp_path / "customers.csv"
    path.write_text("name,region,manager\n" + "".join(f"Customer {i},beijing,zhang\n" for i in range(5000)))
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path)])
    assert result.exit_code == 1
    assert "The database refused the import, nothing was imported" in result.output
    assert count(app, Customer) == 0


@contextmanager
def fault_before_commit():
    """Fail the commit of the request, after the customer has been numbered and flushed in its savepoint."""

    def fail(session):
        if not session.in_nested_transaction():
            raise RuntimeError("injected fault")

    event.listen(Session, "before_commit", fail)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", fail)


def test_a_failure_after_numbering_in_the_customer_form_keeps_no_customer(app, login_as, manager, customer_form):
    client = login_as("sales_director")
    with fault_before_commit(), pytest.raises(RuntimeError, match="injected fault"):
        client.post("/customers/new", data=customer_form(manager))
    assert count(app, Customer) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.table_name == "customers_customer")) == 0


def test_savepoints_nest_in_the_transaction(app, manager):
    """Releasing a savepoint commits nothing, even when it is the transaction's first write; rolling
    one back keeps the rest of the transaction."""
    with app.app_context():
        with db.session.begin_nested():
            db.session.add(Customer(number="KH1999010100001", name="Released", region="beijing", manager_id=manager))
        with db.session.begin_nested() as savepoint:
            db.session.add(Customer(number="KH1999010100002", name="Undone", region="beijing", manager_id=manager))
            db.session.flush()
            savepoint.rollback()
        db.session.add(Customer(number="KH1999010100003", name="Kept", region="beijing", manager_id=manager))
        db.session.flush()
        assert db.session.scalars(select(Customer.name).order_by(Customer.number)).all() == ["Released", "Kept"]
        db.session.rollback()
    assert count(app, Customer) == 0


# -- a killed import -----------------------------------------------------------------------------


def _writing(database_url: str, application_name: str) -> bool:
    """True once the importing process has begun writing (its transaction holds the write lock / an xid)."""
    if database_url.startswith("sqlite"):
        import sqlite3

        probe = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # "database is locked": another connection is writing
            return True
        finally:
            probe.close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                                         "AND backend_xid IS NOT NULL"), {"name": application_name}))
    finally:
        engine.dispose()


def _inserting(database_url: str, application_name: str) -> bool:
    """PostgreSQL: True while the importing process runs its INSERT into the customer table."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name AND state = 'active' "
                "AND query LIKE 'INSERT INTO customers_customer %'"), {"name": application_name}))
    finally:
        engine.dispose()


@pytest.mark.parametrize("phase", ["reading", "inserting"])
def test_an_import_killed_mid_run_leaves_nothing(app, tmp_path, manager, migrated_database, phase):
    """Killed while its transaction holds the checked rows of the first chunks in the staging table
    (PostgreSQL), or while it writes them to the customers (both databases)."""
    sqlite = migrated_database.startswith("sqlite")
    if sqlite and phase == "reading":
        pytest.skip("SQLite writes only its temporary database until the first chunk's insert (see test_the_sqlite_"
                    "write_lock_is_taken_by_the_first_insert_and_never_for_a_file_refused_early); its write lock "
                    "marks inserting")
    path = tmp_path / "customers.csv"
    path.write_text("name,region,manager\n" + "".join(f"Customer {i},beijing,zhang\n" for i in range(40_000)))
    url = migrated_database
    if url.startswith("postgresql"):
        url += ("&" if "?" in url else "?") + "application_name=killed-import"
    env = {**os.environ, **_QUEUE, "DATABASE_URL": url, "CRM_SECRET_KEY": "test-secret"}
    if os.environ.get("CRM_PLUGINS") is None:
        env.pop("CRM_PLUGINS", None)
    process = subprocess.Popen([sys.executable, "-c", "from core.cli import main; main()",
                                "import", "customers", str(path)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        began = _writing if phase == "reading" or sqlite else _inserting
        while not began(migrated_database, "killed-import"):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never began writing"
            time.sleep(0.02)
        # The open transaction holds the staged rows (and, inserting, some of the customers).
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert count(app, Customer) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.table_name == "customers_customer")) == 0


def test_a_long_read_on_sqlite_takes_no_write_lock(app, manager):
    """Reads, also with a WITH clause, leave SQLite's write lock free for other connections' saves."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        db.session.execute(text("WITH recent AS (SELECT id FROM customers_customer) SELECT count(*) FROM recent"))
        db.session.scalar(select(func.count()).select_from(Customer))
        assert not db.session.connection().connection.dbapi_connection.in_transaction
        db.session.add(Customer(number="KH1999010100001", name="Written", region="beijing", manager_id=manager))
        db.session.flush()
        assert db.session.connection().connection.dbapi_connection.in_transaction
        db.session.rollback()
