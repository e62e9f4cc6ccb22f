"""A churn record keeps a copy of its customer's account manager (the data scope "own", the list's filter by
account manager and the churn analysis report read it): copied by the scan, moved with the customer when the
customer changes hands, in the same transaction, by one UPDATE."""
import re
import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from core.api import db
from core.audit import AuditEntry
from plugins.basedata import services as basedata
from plugins.customers import churn, notices, services
from plugins.customers.churn import LOST, POSTPONED, WARNING, ChurnRecord
from plugins.customers.models import Customer, Order

OLD = date.today() - timedelta(days=250)


@pytest.fixture(autouse=True)
def seeded(app):
    with app.app_context():
        basedata.seed_dictionary()


def customer_form(manager_id: int, version: int, name: str) -> dict:
    """The customer form as the browser posts it."""
    return {"name": name, "region": "beijing", "manager_id": str(manager_id), "level": "2",
            "satisfaction": "3", "credit": "4", "address": "北京市海淀区 1 号", "postcode": "100000",
            "phone": "010-66668888", "fax": "", "website": "", "licence_no": "", "legal_person": "", "capital": "",
            "turnover": "", "bank": "", "bank_account": "", "local_tax_no": "", "national_tax_no": "",
            "version": str(version)}


def version_of(app, customer_id: int) -> int:
    with app.app_context():
        return db.session.get(Customer, customer_id).version


def copies(app, customer_id: int) -> list:
    with app.app_context():
        return list(db.session.scalars(select(ChurnRecord.manager_id).where(ChurnRecord.customer_id == customer_id)
                                       .order_by(ChurnRecord.id)))


@pytest.fixture
def handover(app, login_as, add_customer):
    """An old and a new manager; the old one's customer 北京华信 with a lost, a closed and a postponed record,
    and 上海宏达 (also the old one's) with a warning that stays."""
    director = login_as("sales_director")
    old = login_as("account_manager", display_name="Old Manager")
    new = login_as("account_manager", display_name="New Manager")
    moved = add_customer(manager_id=old.user_id, name="北京华信科技")
    stays = add_customer(manager_id=old.user_id, name="上海宏达贸易")
    with app.app_context():
        db.session.add_all([
            ChurnRecord(customer_id=moved, status=LOST, reason="价格太高", lost_at=datetime(2025, 7, 1, 9, 30),
                        created_at=datetime(2025, 1, 2)),
            ChurnRecord(customer_id=moved, status="closed", created_at=datetime(2025, 9, 2)),
            ChurnRecord(customer_id=moved, status=POSTPONED, created_at=datetime(2026, 1, 2)),
            ChurnRecord(customer_id=stays, status=WARNING, created_at=datetime(2026, 1, 3))])
        db.session.commit()
    return {"director": director, "old": old, "new": new, "moved": moved, "stays": stays}


def _rows(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'href="/customers/churn/(\d+)"', page)}


def _report(page: str) -> list[list[str]]:
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [[re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_a_record_copies_its_customers_manager(app, handover):
    assert copies(app, handover["moved"]) == [handover["old"].user_id] * 3


def test_the_scan_copies_the_customers_manager(app, login_as, add_customer):
    manager = login_as("account_manager")
    customer_id = add_customer(manager_id=manager.user_id, name="深圳宏图")
    with app.app_context():
        db.session.add(Order(customer_id=customer_id, number="SO-OLD", date=OLD))
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["jobs", "run", "churn-scan"]).exit_code == 0
    assert copies(app, customer_id) == [manager.user_id]
    assert _rows(manager.get("/customers/churn/").get_data(as_text=True))


def test_handing_a_customer_over_moves_its_churn_records_to_the_new_managers_pages(app, handover):
    director, old, new = handover["director"], handover["old"], handover["new"]
    with app.app_context():
        moved_ids = set(db.session.scalars(select(ChurnRecord.id).where(ChurnRecord.customer_id == handover["moved"])))
        stays_ids = set(db.session.scalars(select(ChurnRecord.id).where(ChurnRecord.customer_id == handover["stays"])))
        versions = dict(db.session.execute(select(ChurnRecord.id, ChurnRecord.version)).all())
        audited = db.session.query(AuditEntry).filter(AuditEntry.table_name == "customers_churn").count()
    assert _rows(old.get("/customers/churn/").get_data(as_text=True)) == moved_ids | stays_ids
    assert not _rows(new.get("/customers/churn/").get_data(as_text=True))

    response = director.post(f"/customers/{handover['moved']}/edit",
                             data=customer_form(new.user_id, version_of(app, handover["moved"]), "北京华信科技"))
    assert response.status_code == 302

    assert copies(app, handover["moved"]) == [new.user_id] * 3
    assert copies(app, handover["stays"]) == [old.user_id]
    for query in ("", "?sort=customer", "?sort=-last_order", "?status=postponed", "?customer=华信",
                  f"?manager={new.user_id}"):
        new_page = new.get("/customers/churn/" + query).get_data(as_text=True)
        old_page = old.get("/customers/churn/" + query).get_data(as_text=True)
        assert _rows(new_page) and _rows(new_page) <= moved_ids, query
        assert not _rows(old_page) & moved_ids, query
    assert _rows(old.get("/customers/churn/").get_data(as_text=True)) == stays_ids
    for churn_id in moved_ids:
        assert new.get(f"/customers/churn/{churn_id}").status_code == 200
        assert old.get(f"/customers/churn/{churn_id}").status_code == 404
    assert "北京华信科技" in new.get("/customers/churn/?export=csv").get_data(as_text=True)
    assert "北京华信科技" not in old.get("/customers/churn/?export=csv").get_data(as_text=True)
    # The director's filter by account manager: the customer's manager now.
    assert _rows(director.get(f"/customers/churn/?manager={new.user_id}").get_data(as_text=True)) == moved_ids
    assert _rows(director.get(f"/customers/churn/?manager={old.user_id}").get_data(as_text=True)) == stays_ids
    exported = director.get("/customers/churn/?export=csv&sort=customer").get_data(as_text=True)
    assert [line.split(",")[2] for line in exported.strip().splitlines()[1:]].count("New Manager") == 3
    # No user changed the records: no audit entry, no new version (an open form stays valid).
    with app.app_context():
        assert dict(db.session.execute(select(ChurnRecord.id, ChurnRecord.version)).all()) == versions
        assert db.session.query(AuditEntry).filter(AuditEntry.table_name == "customers_churn").count() == audited
    # The new manager handles the postponed record; the old one may no longer.
    with app.app_context():
        postponed = db.session.scalar(select(ChurnRecord).where(ChurnRecord.customer_id == handover["moved"],
                                                                ChurnRecord.status == POSTPONED))
        data = {"postpone-measure": "再次拜访", "postpone-version": str(postponed.version)}
    assert old.post(f"/customers/churn/{postponed.id}/postpone", data=data).status_code == 404
    assert new.post(f"/customers/churn/{postponed.id}/postpone", data=data).status_code == 302


def test_the_churn_analysis_names_the_customers_manager_after_a_handover(app, handover):
    director, old, new = handover["director"], handover["old"], handover["new"]
    assert director.post(f"/customers/{handover['moved']}/edit",
                         data=customer_form(new.user_id, version_of(app, handover["moved"]), "北京华信科技")
                         ).status_code == 302
    rows = _report(director.get("/reports/customers.churn").get_data(as_text=True))
    assert [(row[2], row[4], row[5]) for row in rows] == [("北京华信科技", "New Manager", "价格太高")]
    assert [row[2] for row in _report(director.get(f"/reports/customers.churn?manager={new.user_id}")
                                      .get_data(as_text=True))] == ["北京华信科技"]
    assert not _report(director.get(f"/reports/customers.churn?manager={old.user_id}").get_data(as_text=True))
    assert [row[2] for row in _report(new.get("/reports/customers.churn").get_data(as_text=True))] == ["北京华信科技"]
    assert not _report(old.get("/reports/customers.churn").get_data(as_text=True))
    assert _report(new.get("/reports/customers.churn_per_year").get_data(as_text=True)) == [["2025", "1"]]
    assert not _report(old.get("/reports/customers.churn_per_year").get_data(as_text=True))


def test_the_handover_updates_the_records_in_one_statement(app, handover):
    """Set-based: one UPDATE of the churn records, whatever their number, by the customers' ids."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE CUSTOMERS_CHURN"):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        response = handover["director"].post(
            f"/customers/{handover['moved']}/edit",
            data=customer_form(handover["new"].user_id, version_of(app, handover["moved"]), "北京华信科技"))
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert response.status_code == 302
    assert len(statements) == 1 and "customer_id IN" in statements[0], statements


def test_a_refused_handover_leaves_the_records_where_they_were(app, handover):
    director, old, new = handover["director"], handover["old"], handover["new"]
    moved = handover["moved"]
    stale = customer_form(new.user_id, version_of(app, moved) - 1, "北京华信科技")
    assert director.post(f"/customers/{moved}/edit", data=stale).status_code == 200  # changed meanwhile
    assert copies(app, moved) == [old.user_id] * 3
    assert not _rows(new.get("/customers/churn/").get_data(as_text=True))


def test_a_failing_copy_rolls_the_handover_back(app, handover, monkeypatch):
    """The copy is written in the handover's transaction: if it fails, the customer keeps its manager."""
    def broken(customer_ids, manager_id):
        raise RuntimeError("the copy failed")

    monkeypatch.setattr(churn, "follow_manager", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the user gets an error page
    moved, old, new = handover["moved"], handover["old"], handover["new"]
    response = handover["director"].post(f"/customers/{moved}/edit",
                                         data=customer_form(new.user_id, version_of(app, moved), "北京华信科技"))
    assert response.status_code == 500
    with app.app_context():
        assert db.session.get(Customer, moved).manager_id == old.user_id
    assert copies(app, moved) == [old.user_id] * 3


# -- a scan and a handover at the same moment (each commits while the other is open) --------------------------


def _old_customer(app, add_customer, manager_id: int) -> int:
    """A customer of ``manager_id`` whose last order is old: the next scan warns about it."""
    customer_id = add_customer(manager_id=manager_id, name="北京华信科技")
    with app.app_context():
        db.session.add(Order(customer_id=customer_id, number=f"SO-OLD-{customer_id}", date=OLD))
        db.session.commit()
    return customer_id


def test_a_scan_begun_during_a_handover_waits_and_copies_the_new_manager(app, login_as, add_customer):
    """The handover has moved the customer and its records but not committed yet when the scan begins: the
    scan waits for it and its new record names the new manager (it copied the old one before)."""
    old, new = login_as("account_manager"), login_as("account_manager")
    customer_id = _old_customer(app, add_customer, old.user_id)
    scanned = threading.Event()

    def run_scan():
        with app.app_context():
            churn.scan()
        scanned.set()

    scan = threading.Thread(target=run_scan)
    with app.app_context():
        db.session.get(Customer, customer_id).manager_id = new.user_id
        db.session.flush()
        services.customers_reassigned([customer_id], new.user_id)
        scan.start()
        assert not scanned.wait(0.5)  # the scan waits for the handover
        db.session.commit()
    scan.join(10)
    assert scanned.is_set()
    assert copies(app, customer_id) == [new.user_id]


def test_a_handover_during_a_scan_moves_the_scans_new_records(app, login_as, add_customer, monkeypatch):
    """The scan has created its records but not committed yet when a customer is handed over: the handover
    waits for the scan and moves the new record too (it kept the old manager before)."""
    director = login_as("sales_director")
    old, new = login_as("account_manager"), login_as("account_manager")
    customer_id = _old_customer(app, add_customer, old.user_id)
    inserted, go_on = threading.Event(), threading.Event()
    raised = notices.churn_warnings_raised

    def paused(per_manager):  # the scan, after its INSERT, before its commit
        inserted.set()
        go_on.wait(10)
        raised(per_manager)

    monkeypatch.setattr(notices, "churn_warnings_raised", paused)
    responses = []

    def run_scan():
        with app.app_context():
            churn.scan()

    def hand_over():
        responses.append(director.post(f"/customers/{customer_id}/edit",
                                       data=customer_form(new.user_id, version, "北京华信科技")))

    version = version_of(app, customer_id)
    scan, handover = threading.Thread(target=run_scan), threading.Thread(target=hand_over)
    scan.start()
    assert inserted.wait(10)
    handover.start()
    handover.join(0.5)
    assert handover.is_alive()  # the handover waits for the scan
    go_on.set()
    scan.join(10)
    handover.join(10)
    assert [response.status_code for response in responses] == [302]
    assert copies(app, customer_id) == [new.user_id]
