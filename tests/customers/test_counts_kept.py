"""A list's count is kept for CRM_COUNT_CAP_SECONDS, per statement and data scope (core/kept_counts.py):
past the cap whatever is written meanwhile; an exact total only until a table it reads is written,
in this process or another (core/table_versions.py)."""
from datetime import datetime

import pytest
from sqlalchemy import event, insert, text, update

from core import kept_counts
from core.api import db
from plugins.customers.models import Customer

CAP = 5


@pytest.fixture
def customers(app, login_as):
    """8 customers: 7 of one account manager, 1 of another."""
    app.config["CRM_COUNT_CAP"] = CAP
    many, few = login_as("account_manager"), login_as("account_manager")
    moment = datetime(2026, 3, 1, 9, 30)
    rows = [dict(number=f"KH20260301{n:05d}", name=f"客户{n}", region="beijing",
                 manager_id=(many if n < 7 else few).user_id, level="1", status="normal",
                 created_at=moment.replace(minute=n), updated_at=moment, version=1) for n in range(8)]
    with app.app_context():
        db.session.execute(insert(Customer), rows)
        db.session.commit()
    return many, few


@pytest.fixture
def counts(app):
    """The bounded counts of customers each request runs."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT COUNT(*)") and "customers_customer" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _move_clock(monkeypatch, seconds: float) -> None:
    now = kept_counts.time.monotonic()
    monkeypatch.setattr(kept_counts.time, "monotonic", lambda: now + seconds)


def test_a_count_past_the_cap_is_kept_and_the_rows_stay_fresh(app, customers, counts, login_as, monkeypatch):
    director = login_as("sales_director")
    first = director.get("/customers/").get_data(as_text=True)
    assert "of 5+" in first and len(counts) == 1
    with app.app_context():
        db.session.execute(update(Customer).where(Customer.name == "客户7").values(name="改了名字"))
        db.session.commit()
    again = director.get("/customers/").get_data(as_text=True)
    assert "of 5+" in again and len(counts) == 1  # not counted again
    assert "改了名字" in again  # the page itself is read anew
    _move_clock(monkeypatch, app.config["CRM_COUNT_CAP_SECONDS"] + 1)
    assert "of 5+" in director.get("/customers/").get_data(as_text=True)
    assert len(counts) == 2  # counted again once the time has passed


def test_each_data_scope_and_filter_is_counted_for_itself(app, customers, counts, login_as):
    many, few = customers
    director = login_as("sales_director")
    assert "of 5+" in director.get("/customers/").get_data(as_text=True)
    assert "of 5+" in many.get("/customers/").get_data(as_text=True)  # the manager's own 7: counted
    assert len(counts) == 2
    assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)  # never the others' answer
    assert "1–1 of 1" in director.get(f"/customers/?manager={few.user_id}").get_data(as_text=True)
    assert len(counts) == 4


def test_an_exact_total_is_kept_until_its_table_is_written(app, customers, counts):
    _, few = customers
    for _ in range(2):
        assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)
    assert len(counts) == 1  # the second page kept the total
    with app.app_context():
        db.session.execute(update(Customer).where(Customer.manager_id == few.user_id).values(status="deleted"))
        db.session.commit()
    assert "1–1 of 1" not in few.get("/customers/").get_data(as_text=True)  # the change shows at once
    assert len(counts) == 2


def test_a_change_saved_by_another_process_is_counted_on_the_next_page(app, make_app, customers, counts):
    """Another worker (its own app and kept counts, the same database) adds a customer: counted here."""
    _, few = customers
    assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)
    other = make_app()
    with other.app_context():
        db.session.add(Customer(number="KH2026030100099", name="新客户", region="beijing", manager_id=few.user_id,
                                level="1", status="normal"))
        db.session.commit()
    assert "1–2 of 2" in few.get("/customers/").get_data(as_text=True)
    assert len(counts) == 2


def test_raw_sql_writes_count_as_changes_and_rolled_back_ones_do_not(app, customers, counts):
    _, few = customers
    assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(text("UPDATE customers_customer SET status = 'deleted' WHERE manager_id = :id"),
                           {"id": few.user_id})
        db.session.rollback()
    assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)
    assert len(counts) == 1  # nothing was saved: still kept
    with app.app_context():
        db.session.execute(text("UPDATE customers_customer SET status = 'deleted' WHERE manager_id = :id"),
                           {"id": few.user_id})
        db.session.commit()
    assert "1–1 of 1" not in few.get("/customers/").get_data(as_text=True)
    assert len(counts) == 2


def test_writes_to_tables_the_count_does_not_read_keep_it(app, customers, counts):
    _, few = customers
    assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(text("UPDATE core_user SET display_name = 'Renamed' WHERE id = :id"), {"id": few.user_id})
        db.session.commit()
    assert "1–1 of 1" in few.get("/customers/").get_data(as_text=True)
    assert len(counts) == 1


def test_keeping_counts_can_be_turned_off(app, customers, counts, login_as):
    app.config["CRM_COUNT_CAP_SECONDS"] = 0
    director = login_as("sales_director")
    for _ in range(2):
        assert "of 5+" in director.get("/customers/").get_data(as_text=True)
    assert len(counts) == 2


def test_the_oldest_half_goes_when_too_many_lists_are_kept(app, customers, counts, login_as, monkeypatch):
    monkeypatch.setattr(kept_counts, "KEPT_AT_MOST", 2)
    director = login_as("sales_director")
    for query in ("", "?region=beijing", "?level=1"):  # three lists past the cap: the first is dropped
        assert "of 5+" in director.get(f"/customers/{query}").get_data(as_text=True)
    assert len(app.extensions["crm_kept_counts"]) == 2
    director.get("/customers/?level=1")
    assert len(counts) == 3  # the newest still kept
    director.get("/customers/")
    assert len(counts) == 4  # the oldest was dropped: counted again
