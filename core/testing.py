"""Pytest fixtures for the CRM and its plugins: ``pytest_plugins = ["core.testing"]``.

- The database is migrated once per test session (SQLite in a temp folder, or
  ``CRM_TEST_DATABASE_URL``, e.g. PostgreSQL); every table is emptied after each
  test. Tests see real commits, so events after commit and concurrent
  sessions behave as in production.
- ``make_app(plugins="basedata,customers", extra_plugins=[obj], **config)`` builds
  an app with a chosen plugin set; ``app`` is one with every installed plugin.
- ``login_as("account_manager")`` returns a client logged in as a new user with
  that default role; ``login_as(permissions=[...], scope="own")`` one whose
  only role grants exactly those permissions. ``client.user_id`` is its user.
- POSTs made with a dict ``data`` get a valid CSRF token unless they pass
  ``csrf=False``: tests exercise the real CSRF protection.
- Do not keep an app context open around requests: check the database inside
  ``with app.app_context():`` so each check uses a fresh session.
- The job queue is real: Redis on 127.0.0.1:6379 when it answers (a queue of
  its own per test session; ``CRM_TEST_QUEUE_URL`` picks another), else the
  embedded SQLite queue in a temp folder. The ``worker`` fixture runs a
  ``crm worker`` process on the test database; ``wait_for_job(client, url)``
  follows a job's page until the job has finished and returns its state.
- ``query_plans(client, url, table)`` returns the database's plans of the
  statements a page ran over ``table``: tests prove that indexes serve them.
- ``first_next_last``, ``walk_pages`` and ``pager_link`` follow a list's pager as a user does;
  ``second_writer_waiting`` races two transactions (PostgreSQL).
- Warnings the CRM's own test run ignores (``KNOWN_WARNINGS``) are ignored in a
  plugin's test run too, without copying them into its pytest configuration.
"""
from __future__ import annotations

import contextlib
import html
import itertools
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from sqlalchemy import MetaData, create_engine, inspect, make_url, select, text
from sqlalchemy.exc import OperationalError

from core import create_app
from core.db import db, derived_tables

TEST_PASSWORD = "correct-horse-9"
_counter = itertools.count(1)


class CRMClient(FlaskClient):
    user_id: int | None = None

    def csrf_token(self) -> str:
        with self.session_transaction() as stored:
            with self.application.test_request_context():
                flask.session.update(stored)
                token = generate_csrf()
                stored.update(flask.session)
        return token

    def open(self, *args, **kwargs):
        add_token = kwargs.pop("csrf", True)
        data = kwargs.get("data")
        if add_token and kwargs.get("method") == "POST" and "json" not in kwargs \
                and (data is None or isinstance(data, dict)) and "csrf_token" not in (data or {}):
            kwargs["data"] = {**(data or {}), "csrf_token": self.csrf_token()}
        return super().open(*args, **kwargs)


# Known, harmless warnings: WTForms 3.3 announces SelectChoice objects for 3.4 (choices stay tuples
# until then); SQLite cannot reflect a PostgreSQL-only expression index (info["dialects"]).
KNOWN_WARNINGS = (
    "ignore:Passing SelectField choices as tuples:DeprecationWarning",
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning",
)


def pytest_configure(config):
    for line in KNOWN_WARNINGS:
        config.addinivalue_line("filterwarnings", line)


_QUEUE: dict = {}  # the session's queue settings, see ``queue_settings``


def test_config(database_url: str) -> dict:
    return {
        **_QUEUE,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CRM_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing keeps the suite quick
        # Unset: every installed plugin. Set it to test a subset while other plugins are broken.
        "CRM_PLUGINS": os.environ.get("CRM_PLUGINS"),
    }


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            meta = MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """SQLite in the session's temp folder, or ``CRM_TEST_DATABASE_URL``. Under pytest-xdist (``-n 2``) each
    worker process is a session of its own: on a server, it gets a database of its own beside that one
    (``test_gw0``, ``test_gw1``, created if missing; a SQLite file: ``crm_gw0.db`` beside it), as every session
    empties and migrates its database."""
    url = os.environ.get("CRM_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'crm.db'}"
    worker, parsed = os.environ.get("PYTEST_XDIST_WORKER"), make_url(url)
    if not worker or not parsed.database or parsed.database == ":memory:":
        return url
    if parsed.get_backend_name() == "sqlite":  # a file of its own beside the one named (crm_gw0.db)
        path = Path(parsed.database)
        return parsed.set(database=str(path.with_name(f"{path.stem}_{worker}{path.suffix}"))).render_as_string()
    own = parsed.set(database=f"{parsed.database}_{worker}")
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                {"name": own.database}).scalar():
                conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def _reachable_redis() -> str | None:
    url = os.environ.get("CRM_TEST_QUEUE_URL", "redis://127.0.0.1:6379/0")
    if not url.startswith("redis://"):
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:
        return None
    return url


@pytest.fixture(scope="session", autouse=True)
def queue_settings(tmp_path_factory):
    """The session's job queue and files folder, used by every app and worker of the session."""
    folder = tmp_path_factory.mktemp("queue")
    _QUEUE.update(
        CRM_QUEUE_URL=_reachable_redis() or f"sqlite:///{folder / 'queue.db'}",
        CRM_QUEUE_NAME=f"crm-test-{uuid.uuid4().hex[:12]}",
        CRM_FILES_DIR=str(folder / "files"),
    )
    yield dict(_QUEUE)
    from core import queue

    queue.create(_QUEUE, str(folder)).storage.flush_all()


def start_worker(database_url: str, *args: str, **settings: str) -> subprocess.Popen:
    """A ``crm worker`` process on the test database and the session's queue (``settings`` override
    environment variables, e.g. ``CRM_QUEUE_NAME``); stop it with ``stop_worker``.

    It schedules no periodic job by itself: the clock must not decide what a test sees (a worker of
    the session would run ``jobs-cleanup`` whenever its schedule comes round, recording a run of it in
    the middle of another test). A test enqueues what a scheduler would, with ``queue.enqueue_periodic``."""
    env = {**os.environ, "DATABASE_URL": database_url, "CRM_SECRET_KEY": "test-secret", **_QUEUE, **settings}
    if os.environ.get("CRM_PLUGINS") is None:
        env.pop("CRM_PLUGINS", None)
    command = [sys.executable, "-c", "from core.cli import main; main()", "worker", "--no-periodic", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_worker(process: subprocess.Popen) -> None:
    """Stop gracefully: a worker interrupted finishes the jobs it is running, then exits."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def worker(migrated_database):
    """A worker process for the whole session (jobs left by an earlier test find no record and end)."""
    process = start_worker(migrated_database)
    yield process
    stop_worker(process)


def wait_for_job(client, job_url: str, timeout: float = 180) -> dict:
    """Poll the job page's state until the job is done or failed; returns the state (JSON)."""
    state_url = job_url.rstrip("/") + "/state"
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(state_url)
        assert response.status_code == 200, response.status_code
        state = response.get_json()
        if state["state"] not in ("queued", "running"):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_url} still {state['state']} after {timeout} s")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def migrated_database(database_url):
    """An empty database migrated to head by ``crm db upgrade``, for the whole session."""
    from core import migrate

    _drop_everything(database_url)
    app = create_app(test_config(database_url))
    with app.app_context():
        migrate.upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables(app) -> None:
    from core import cache

    cache.clear()  # what this process kept of the data about to go
    with app.app_context():
        skipped = derived_tables()  # kept by triggers on the tables emptied here
        names = [n for n in inspect(db.engine).get_table_names()
                 if not n.startswith("alembic_version") and n not in skipped]
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
                    else:
                        meta = MetaData()
                        meta.reflect(conn, only=names)
                        for table in reversed(meta.sorted_tables):
                            conn.execute(table.delete())
                break
            except OperationalError as exc:
                # A job a test queued may still be running in the session's worker: its transaction and
                # the TRUNCATE's locks on every table can deadlock (PostgreSQL 40P01). The job is left
                # to fail or finish; the emptying is tried again.
                if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 4:
                    raise
                time.sleep(0.5)
        db.engine.dispose()


@pytest.fixture
def make_app(migrated_database):
    """Factory: an app with a chosen plugin set on the test database, default roles seeded."""
    from core.rbac.seed import sync_default_roles

    built = []

    def factory(plugins=None, extra_plugins=None, **config):
        settings = test_config(migrated_database)
        if plugins is not None:
            settings["CRM_PLUGINS"] = plugins
        app = create_app({**settings, **config}, extra_plugins)
        app.test_client_class = CRMClient
        with app.app_context():
            sync_default_roles(app.extensions["crm"])
        built.append(app)
        return app

    yield factory
    if built:
        empty_all_tables(built[0])
        for app in built:
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app) -> CRMClient:
    return app.test_client()


def create_user(app, role_key=None, permissions=None, scope="all", username=None, **fields):
    """A user with a default role (by key) or with an ad-hoc role granting exactly ``permissions``."""
    from sqlalchemy import select

    from core.rbac.models import Role, User

    username = username or f"user{next(_counter)}"
    with app.app_context():
        if role_key:
            roles = [db.session.scalar(select(Role).where(Role.key == role_key))]
        else:
            role = Role(name=f"role for {username}", data_scope=scope)
            role.set_permissions(permissions or [])
            roles = [role]
        user = User(username=username, display_name=fields.pop("display_name", username.title()), roles=roles, **fields)
        user.set_password(TEST_PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


def log_in(client: CRMClient, username: str, password: str = TEST_PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def login_as(app):
    """Factory: a new client logged in as a new user (see ``create_user``)."""

    def factory(role_key=None, *, permissions=None, scope="all", username=None, **fields) -> CRMClient:
        username = username or f"user{next(_counter)}"
        user_id = create_user(app, role_key, permissions, scope, username, **fields)
        client = app.test_client()
        response = log_in(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        client.user_id = user_id
        return client

    return factory


class Plan(str):
    """A statement's plan as the database prints it; ``sql`` is the statement."""

    def __new__(cls, text: str, sql: str):
        plan = super().__new__(cls, text)
        plan.sql = sql
        return plan

    @property
    def bounded_count(self) -> bool:
        """A count that stops at a bound (``count(*)`` over a ``LIMIT``): bounded whatever it scans."""
        return self.sql.lstrip().upper().startswith("SELECT COUNT(*)") and "LIMIT" in self.sql.upper()


class QueryPlans:
    """The database's own plan of every statement a request ran over a table (``query_plans`` fixture)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, client, url: str, table: str, *, sorted_by_index: bool = False,
                 statistics: list[tuple[str, str, str]] = ()) -> list[str]:
        """GET ``url`` and EXPLAIN each SELECT it ran that reads ``table``; one ``Plan`` per statement.

        PostgreSQL plans small test tables with sequential scans whatever the
        indexes, so the plans are taken with sequential scans disabled (and, with
        ``sorted_by_index``, sorts): a ``Seq Scan`` or ``Sort`` left in a plan
        then means no index can serve the statement. SQLite plans from its rules,
        or from ``statistics``: rows of ``sqlite_stat1`` (table, index, figures), e.g.
        what ANALYZE wrote at a million rows, so the plan is the one that size gets.
        """
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if table in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
                statements.append((statement, parameters))

        if statistics:  # also while the page is read: the application may consult them (core.text_search)
            with self.app.app_context(), db.engine.connect() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("ANALYZE sqlite_master")  # creates sqlite_stat1 if need be
                    conn.exec_driver_sql("DELETE FROM sqlite_stat1")
                    for row in statistics:
                        conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", tuple(row))
                    conn.commit()
        event.listen(Engine, "before_cursor_execute", record)
        # Every statement the page runs, its count too: not one kept from an earlier request (core.kept_counts)
        kept, self.app.config["CRM_COUNT_CAP_SECONDS"] = self.app.config.get("CRM_COUNT_CAP_SECONDS", 30), 0
        try:
            response = client.get(url)
        finally:
            event.remove(Engine, "before_cursor_execute", record)
            self.app.config["CRM_COUNT_CAP_SECONDS"] = kept
        assert response.status_code == 200, (url, response.status_code)
        with self.app.app_context(), db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                # Plans from SQLite's rules, not from statistics an earlier test's data left behind.
                if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
                    conn.exec_driver_sql("DELETE FROM sqlite_stat1")
                    conn.commit()
                    conn.exec_driver_sql("ANALYZE sqlite_master")  # reloads the (now empty) statistics
                elif statistics:
                    conn.exec_driver_sql("ANALYZE sqlite_master")  # creates sqlite_stat1
                for row in statistics:
                    conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", tuple(row))
                if statistics:
                    conn.commit()
                    conn.exec_driver_sql("ANALYZE sqlite_master")  # loads them
                plans = [Plan("\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)),
                              sql) for sql, params in statements]
                if statistics:  # forgotten again: other tests plan from the rules
                    conn.exec_driver_sql("DELETE FROM sqlite_stat1")
                    conn.commit()
                    conn.exec_driver_sql("ANALYZE sqlite_master")
                return plans
            conn.exec_driver_sql("SET enable_seqscan = off")
            if sorted_by_index:
                conn.exec_driver_sql("SET enable_sort = off")
            plans = [Plan("\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, params)), sql)
                     for sql, params in statements]
            conn.rollback()
            return plans

    @staticmethod
    def full_scans(plan: str, table: str) -> bool:
        """Does ``plan`` read every row of ``table`` (rather than an index range)?"""
        sqlite_scan = re.search(rf"\bSCAN {table}\b(?! USING)", plan)
        return bool(sqlite_scan or re.search(rf"Seq Scan on {table}\b", plan))

    @staticmethod
    def sorts(plan: str) -> bool:
        """Does ``plan`` sort rows itself (no index gives the order)?"""
        return "TEMP B-TREE FOR ORDER BY" in plan or "TEMP B-TREE FOR RIGHT PART OF ORDER BY" in plan \
            or bool(re.search(r"(^|->)\s*(Incremental )?Sort\s+\(cost", plan, re.M))


@pytest.fixture
def query_plans(app) -> QueryPlans:
    """``query_plans(client, url, "customers_customer")``: the plans of a page's statements over a table."""
    return QueryPlans(app)


# --- a list page's pager, as a user follows it -------------------------------------------------------

def pager_link(page: str, label: str) -> str | None:
    """The URL of the pager's ``label`` link ("First", "Previous", "Next", "Last") on a list page
    (``core/templates/macros.html``), or None where the pager shows it disabled."""
    found = re.search(rf'<a class="page-link" href="([^"]+)" aria-label="{re.escape(label)}"', page)
    return html.unescape(found.group(1)) if found else None


def first_next_last(client, first: str) -> list[str]:
    """``first``, its Next page (keyset past the cap) when it has one, and its last page: the URLs a
    plan test reads to cover every way a list's page is read."""
    following = pager_link(client.get(first).get_data(as_text=True), "Next")
    joiner = "&" if "?" in first else "?"
    return [first, *([following] if following else []), f"{first}{joiner}page=-1"]


def walk_pages(client, url: str, rows: re.Pattern, backwards: bool = False, most: int = 100) -> list[int]:
    """The ids (``rows``' first group) of every page from ``url``, following Next (Previous with
    ``backwards``) until it is gone, in list order: each row must come exactly once."""
    seen, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        ids = [int(found) for found in dict.fromkeys(rows.findall(page))]  # a row may link twice
        seen = ids + seen if backwards else seen + ids
        url = pager_link(page, "Previous" if backwards else "Next")
        pages += 1
        assert pages < most, "more pages than expected"
    return seen


# --- a million's statistics in a small test database -------------------------------------------------------

def use_postings(monkeypatch, gram_table: str, postings: dict[str, int], rare: int = 3) -> None:
    """``TextIndex.postings`` of ``gram_table`` as a generated million has them (``postings``, any other gram
    ``rare``), up to ``POSTINGS_COUNTED``; other indexes unchanged. Plan tests then tell SQLite the shares of
    the million beside its ``sqlite_stat1`` (``query_plans(..., statistics=...)``)."""
    from core.text_search import POSTINGS_COUNTED, TextIndex

    original = TextIndex.postings
    monkeypatch.setattr(TextIndex, "postings", lambda index, gram: (
        min(postings.get(gram, rare), POSTINGS_COUNTED) if index.gram_table == gram_table
        else original(index, gram)))


# --- the same pages computed two ways, and summary tables against their sources ------------------------

def page_contents(client, urls) -> dict[str, str]:
    """Each URL's page (every one must answer 200) as its reader sees it: the content of ``<main>``
    without what differs between two requests (a form's CSRF token, a chart's generated id), so that
    pages computed one way (from a summary table) can be compared with the same pages computed another
    (from the rows themselves)."""
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        page = page[page.index("<main"):page.index("</main>")] if "<main" in page else page
        pages[url] = re.sub(r"chart-[0-9a-f-]{36}", "chart", re.sub(r'name="csrf_token"[^>]*', "", page))
    return pages


def summary_rows(app, summary) -> dict[tuple, tuple]:
    """Every row of a ``core.api.Summary``'s table: ``{key: measures}``."""
    with app.app_context():
        width = len(summary.keys)
        return {tuple(row[:width]): tuple(row[width:]) for row in db.session.execute(summary.table.select())}


def recounted_rows(app, summary) -> dict[tuple, tuple]:
    """What a ``Summary``'s table must hold: its own grouping over every row of its source now."""
    with app.app_context():
        ids = db.session.scalars(select(summary.source.id)).all()
        return {key: tuple(values) for key, values in summary.rows(db.session.connection(), ids).items()}


# --- two transactions at once (PostgreSQL) --------------------------------------------------------------

@contextlib.contextmanager
def second_writer_waiting(engine, session, write):
    """Race a second transaction against one the caller holds open: ``write(session)`` and its commit run
    in a thread; the block is entered once PostgreSQL shows that transaction waiting on a lock (or it
    has ended) and should commit the first; on leaving, the second has finished. Yields the list of
    the second's exceptions (it was rolled back): empty when it waited and then went through.

        with second_writer_waiting(db.engine, second, lambda session: close(session, ids[1])) as failures:
            first.commit()
        assert failures == []
    """
    failures: list = []

    def run():
        try:
            write(session)
            session.commit()
        except Exception as exc:  # noqa: BLE001  (the caller asserts there is none)
            failures.append(exc)
            session.rollback()

    thread = threading.Thread(target=run)
    thread.start()
    with engine.connect() as watcher:
        for _ in range(600):
            waiting = watcher.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
            if waiting or not thread.is_alive():
                break
            time.sleep(0.05)
    try:
        yield failures
    finally:
        thread.join(60)
