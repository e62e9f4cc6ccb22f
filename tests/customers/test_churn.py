"""Churn management: the scan, the list and detail pages, postpone, confirm lost, closing by a new order."""
import csv
import io
import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from core.api import db, hookimpl
from core.audit import AuditEntry
from core.testing import create_user, log_in
from plugins.basedata import services as basedata
from plugins.customers import services
from plugins.customers.churn import ChurnMeasure, ChurnRecord, months_before
from plugins.customers.models import Customer, Order

_numbers = itertools.count(1)
OLD = date.today() - timedelta(days=250)  # more than 6 months ago
RECENT = date.today() - timedelta(days=20)


@pytest.fixture(autouse=True)
def seeded(app):
    with app.app_context():
        basedata.seed_dictionary()


def add_customer(app, manager_id, order_dates=(), status="normal", name=None) -> int:
    """A customer with orders on ``order_dates`` (written straight to the database: dated in the past)."""
    n = next(_numbers)
    with app.app_context():
        customer = Customer(number=f"KH-T{n:05d}", name=name or f"Customer {n}", region="beijing",
                            manager_id=manager_id, status=status)
        db.session.add(customer)
        db.session.flush()
        for i, day in enumerate(order_dates):
            db.session.add(Order(customer_id=customer.id, number=f"SO-{n}-{i}", date=day))
        db.session.commit()
        return customer.id


def run_scan(app) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "churn-scan"])
    assert result.exit_code == 0, result.output
    return result.output


def records(app, customer_id=None) -> list[ChurnRecord]:
    with app.app_context():
        stmt = select(ChurnRecord).order_by(ChurnRecord.id)
        if customer_id is not None:
            stmt = stmt.where(ChurnRecord.customer_id == customer_id)
        found = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return found


@pytest.fixture
def manager(app):
    return create_user(app, "account_manager", username="mgr_a", display_name="Manager A")


def warned(app, manager_id, **kwargs) -> tuple[int, int]:
    """A customer with an old order and its churn warning: (customer id, churn id)."""
    customer_id = add_customer(app, manager_id, [OLD - timedelta(days=30), OLD], **kwargs)
    run_scan(app)
    return customer_id, records(app, customer_id)[-1].id


def version_of(app, churn_id) -> int:
    with app.app_context():
        return db.session.get(ChurnRecord, churn_id).version


# -- the scan --------------------------------------------------------------------------------------


def test_scan_warns_normal_customers_whose_last_order_is_old(app, manager):
    old = add_customer(app, manager, [OLD - timedelta(days=100), OLD])
    recent = add_customer(app, manager, [OLD, RECENT])
    never_ordered = add_customer(app, manager)
    lost = add_customer(app, manager, [OLD], status="lost")
    deleted = add_customer(app, manager, [OLD], status="deleted")

    assert "done. 1 churn warning(s) created" in run_scan(app)

    [record] = records(app)
    assert (record.customer_id, record.manager_id, record.last_order_date) == (old, manager, OLD)
    assert record.status == "warning" and record.created_by_id is None
    assert {recent, never_ordered, lost, deleted}.isdisjoint({r.customer_id for r in records(app)})
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "customers_churn"))
        assert (entry.action, entry.user_id, entry.record_id) == ("create", None, str(record.id))
        assert entry.changed_fields["customer_id"] == [None, old]


def test_scan_audits_every_new_warning_with_its_values(app, manager):
    """The scan's audit entries are written by SQL: one per new record, None values left out, dates as text."""
    ours = [add_customer(app, manager, [OLD]) for _ in range(3)]
    nobodys = add_customer(app, None, [OLD - timedelta(days=1)])
    assert "done. 4 churn warning(s) created" in run_scan(app)
    with app.app_context():
        audited = {int(e.record_id): e.changed_fields for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "customers_churn"))}
    expected = {}
    for r in records(app):
        expected[r.id] = {"id": [None, r.id], "customer_id": [None, r.customer_id],
                          "last_order_date": [None, r.last_order_date.isoformat()], "status": [None, "warning"]}
        if r.manager_id is not None:
            expected[r.id]["manager_id"] = [None, r.manager_id]
    assert audited == expected
    assert sorted(r.customer_id for r in records(app)) == sorted([*ours, nobodys])


def test_scan_twice_creates_nothing_new(app, manager):
    add_customer(app, manager, [OLD])
    add_customer(app, manager, [OLD])
    assert "done. 2 churn warning(s)" in run_scan(app)
    assert "done. 0 churn warning(s)" in run_scan(app)
    assert len(records(app)) == 2


def scan_statements(app) -> tuple[str, list[str]]:
    """A scan's output and the statements it sent, each on one line."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        output = run_scan(app)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return output, statements


def test_the_scan_creates_its_records_in_customer_order(app, manager):
    """The foreign key's checks then visit the customers' pages in order (PostgreSQL locks each row)."""
    customers = [add_customer(app, manager, [OLD]) for _ in range(3)]
    output, statements = scan_statements(app)
    assert "done. 3 churn warning(s)" in output
    [insert] = [s for s in statements if s.startswith("WITH") and "INSERT INTO customers_churn" in s]
    assert insert.endswith("ORDER BY customers_customer.id"), insert
    with app.app_context():
        assert list(db.session.scalars(select(ChurnRecord.customer_id).order_by(ChurnRecord.id))) == customers


def test_statistics_are_refreshed_after_a_scan_that_created_records_only(app, manager):
    add_customer(app, manager, [OLD])
    output, statements = scan_statements(app)
    assert "done. 1 churn warning(s)" in output
    assert 'ANALYZE "customers_churn"' in statements
    output, statements = scan_statements(app)  # nothing new: nothing to count again
    assert "done. 0 churn warning(s)" in output
    assert not [s for s in statements if s.startswith("ANALYZE")], statements


def test_postponed_customer_is_not_warned_again_but_a_closed_one_is(app, manager):
    customer_id, churn_id = warned(app, manager)
    with app.app_context():
        record = db.session.get(ChurnRecord, churn_id)
        record.status = "postponed"
        db.session.commit()
    run_scan(app)
    assert len(records(app, customer_id)) == 1
    with app.app_context():
        db.session.get(ChurnRecord, churn_id).status = "closed"
        db.session.commit()
    run_scan(app)
    assert [r.status for r in records(app, customer_id)] == ["closed", "warning"]


def test_the_window_is_configurable(make_app):
    app = make_app(CRM_CHURN_MONTHS=12)
    manager_id = create_user(app, "account_manager")
    add_customer(app, manager_id, [OLD])  # 8 months: inside a 12-month window
    very_old = add_customer(app, manager_id, [date.today() - timedelta(days=400)])
    run_scan(app)
    assert [r.customer_id for r in records(app)] == [very_old]


def test_months_before_keeps_the_day_or_takes_the_month_end():
    assert months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
    assert months_before(date(2024, 3, 15), 6) == date(2023, 9, 15)
    assert months_before(date(2024, 1, 31), 1) == date(2023, 12, 31)


# -- a new order closes the warning ---------------------------------------------------------------


def test_new_order_closes_the_open_warning(app, manager):
    customer_id, churn_id = warned(app, manager)
    with app.app_context():
        order = Order(customer_id=customer_id, number="SO-NEW", date=date.today())
        db.session.add(order)
        db.session.flush()
        services.order_created(order)  # emits customers.order_created, delivered after the commit
        db.session.commit()
    [record] = records(app, customer_id)
    assert record.status == "closed" and record.closed_at is not None


def test_late_entry_of_an_old_order_closes_nothing(app, manager):
    customer_id, churn_id = warned(app, manager)
    with app.app_context():
        order = Order(customer_id=customer_id, number="SO-LATE", date=OLD + timedelta(days=1))
        db.session.add(order)
        db.session.flush()
        services.order_created(order)
        db.session.commit()
    assert records(app, customer_id)[0].status == "warning"


# -- list, detail, data scope ---------------------------------------------------------------------


def test_own_scope_sees_only_churn_of_own_customers(app, login_as):
    mine = login_as("account_manager")
    other = create_user(app, "account_manager")
    _mine, my_churn = warned(app, mine.user_id, name="Mine Ltd")
    other_customer, other_churn = warned(app, other, name="Theirs Ltd")

    page = mine.get("/customers/churn/").get_data(as_text=True)
    assert "Mine Ltd" in page and "Theirs Ltd" not in page
    assert mine.get(f"/customers/churn/{my_churn}").status_code == 200
    assert mine.get(f"/customers/churn/{other_churn}").status_code == 404
    exported = mine.get("/customers/churn/?export=csv").get_data(as_text=True)
    assert "Mine Ltd" in exported and "Theirs Ltd" not in exported

    refused = mine.post(f"/customers/churn/{other_churn}/postpone",
                        data={"postpone-measure": "call", "postpone-version": "1"})
    assert refused.status_code == 404
    refused = mine.post(f"/customers/churn/{other_churn}/lost", data={"lost-reason": "gone", "lost-version": "1"})
    assert refused.status_code == 404
    [record] = records(app, other_customer)
    assert record.status == "warning" and record.version == 1


def test_director_sees_all_and_filters(app, login_as):
    director = login_as("sales_director")
    first = create_user(app, "account_manager", display_name="First Manager")
    second = create_user(app, "account_manager", display_name="Second Manager")
    warned(app, first, name="Alpha Trading")
    _, beta_churn = warned(app, second, name="Beta Foods")
    with app.app_context():
        db.session.get(ChurnRecord, beta_churn).status = "postponed"
        db.session.commit()

    page = director.get("/customers/churn/").get_data(as_text=True)
    assert "Alpha Trading" in page and "Beta Foods" in page
    page = director.get("/customers/churn/?status=postponed").get_data(as_text=True)
    assert "Beta Foods" in page and "Alpha Trading" not in page
    page = director.get(f"/customers/churn/?manager={first}").get_data(as_text=True)
    assert "Alpha Trading" in page and "Beta Foods" not in page
    page = director.get("/customers/churn/?customer=alpha").get_data(as_text=True)
    assert "Alpha Trading" in page and "Beta Foods" not in page
    page = director.get("/customers/churn/?sort=customer").get_data(as_text=True)
    assert page.index("Alpha Trading") < page.index("Beta Foods")
    page = director.get("/customers/churn/?sort=-customer").get_data(as_text=True)
    assert page.index("Beta Foods") < page.index("Alpha Trading")
    assert director.get("/customers/churn/?sort=nonsense&page=99&per_page=7").status_code == 200

    response = director.get("/customers/churn/?export=csv&sort=customer")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[1] for row in rows[1:]] == ["Alpha Trading", "Beta Foods"]
    assert rows[1][2] == "First Manager" and rows[2][5] == "Postponed"


def test_the_manager_filter_offers_an_own_scope_user_only_themselves(app, login_as):
    import re

    mine = login_as("account_manager", display_name="Mine Manager")
    create_user(app, "account_manager", display_name="Other Manager")
    director = login_as("sales_director")

    def options(client):
        page = client.get("/customers/churn/").get_data(as_text=True)
        select_ = re.search(r'<select[^>]*name="manager".*?</select>', page, re.S).group(0)
        return re.findall(r"<option[^>]*>([^<]*)</option>", select_)

    assert "Mine Manager" in options(mine) and "Other Manager" not in options(mine)
    assert {"Mine Manager", "Other Manager"} <= set(options(director))


def test_pages_need_the_churn_permissions(app, login_as, manager):
    _, churn_id = warned(app, manager)
    nobody = login_as(permissions=["core.dashboard.view"])
    assert nobody.get("/customers/churn/").status_code == 403
    assert nobody.get(f"/customers/churn/{churn_id}").status_code == 403
    executive = login_as("executive")
    assert executive.get(f"/customers/churn/{churn_id}").status_code == 200
    assert "postpone-measure" not in executive.get(f"/customers/churn/{churn_id}").get_data(as_text=True)
    response = executive.post(f"/customers/churn/{churn_id}/postpone",
                              data={"postpone-measure": "call", "postpone-version": "1"})
    assert response.status_code == 403
    assert records(app)[0].status == "warning"


def test_export_needs_the_customer_export_permission(app, login_as, manager):
    warned(app, manager, name="Exported Ltd")
    reader = login_as(permissions=["customers.churn.view"])
    assert "Export CSV" not in reader.get("/customers/churn/").get_data(as_text=True)
    refused = reader.get("/customers/churn/?export=csv")
    assert refused.status_code == 403 and "Exported Ltd" not in refused.get_data(as_text=True)
    exporter = login_as(permissions=["customers.churn.view", "customers.customer.export"])
    assert "Exported Ltd" in exporter.get("/customers/churn/?export=csv").get_data(as_text=True)


# -- postpone and confirm lost --------------------------------------------------------------------


def test_postpone_appends_measures_with_date_and_author(app, login_as):
    client = login_as("account_manager", display_name="Wang Fang")
    customer_id, churn_id = warned(app, client.user_id)
    for text in ("Visit the buyer", "Offer a 5% discount"):
        response = client.post(f"/customers/churn/{churn_id}/postpone",
                               data={"postpone-measure": text, "postpone-version": version_of(app, churn_id)})
        assert response.status_code == 302
    with app.app_context():
        record = db.session.get(ChurnRecord, churn_id)
        assert record.status == "postponed"
        assert [(m.text, m.created_by_id) for m in record.measures] == [
            ("Visit the buyer", client.user_id), ("Offer a 5% discount", client.user_id)]
        assert all(m.created_at for m in record.measures)
    page = client.get(f"/customers/churn/{churn_id}").get_data(as_text=True)
    assert "Visit the buyer" in page and "Offer a 5% discount" in page and "Wang Fang" in page


@pytest.mark.parametrize("measure, message", [
    ("", "This field is required."),
    ("   ", "This field is required."),
    ("x" * 10_000, "1000"),
])
def test_postpone_requires_a_sensible_measure(app, login_as, measure, message):
    client = login_as("account_manager")
    _, churn_id = warned(app, client.user_id)
    response = client.post(f"/customers/churn/{churn_id}/postpone",
                           data={"postpone-measure": measure, "postpone-version": "1"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert records(app)[0].status == "warning"
    with app.app_context():
        assert db.session.scalar(select(func.count(ChurnMeasure.id))) == 0


def test_hostile_measure_is_shown_as_text(app, login_as):
    client = login_as("account_manager")
    _, churn_id = warned(app, client.user_id)
    client.post(f"/customers/churn/{churn_id}/postpone",
                data={"postpone-measure": "<script>alert(1)</script>", "postpone-version": "1"})
    page = client.get(f"/customers/churn/{churn_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_stale_postpone_is_refused(app, login_as):
    client = login_as("account_manager")
    _, churn_id = warned(app, client.user_id)
    client.post(f"/customers/churn/{churn_id}/postpone", data={"postpone-measure": "first", "postpone-version": "1"})
    response = client.post(f"/customers/churn/{churn_id}/postpone",
                           data={"postpone-measure": "second, from an old page", "postpone-version": "1"})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)  # shown above the form
    with app.app_context():
        assert [m.text for m in db.session.get(ChurnRecord, churn_id).measures] == ["first"]


class LostListener:
    name = "lostlistener"

    def __init__(self):
        self.events = []

    @hookimpl
    def on_event(self, name, payload):
        if name == "customers.customer_lost":
            with db.engine.connect() as other:  # delivered after the commit: another connection sees it
                status = other.scalar(select(Customer.status).where(Customer.id == payload["customer_id"]))
            self.events.append((payload, status))


def test_confirm_lost_sets_customer_lost_and_emits_event(make_app, login_as):
    listener = LostListener()
    app = make_app(plugins="basedata,customers,lostlistener", extra_plugins=[listener])
    client = app.test_client()
    manager_id = create_user(app, "account_manager", username="lost_mgr")
    log_in(client, "lost_mgr")
    customer_id, churn_id = warned(app, manager_id)

    response = client.post(f"/customers/churn/{churn_id}/lost", data={"lost-reason": "", "lost-version": "1"})
    assert response.status_code == 400 and records(app)[0].status == "warning"

    response = client.post(f"/customers/churn/{churn_id}/lost",
                           data={"lost-reason": "Moved to a competitor", "lost-version": "1"})
    assert response.status_code == 302
    with app.app_context():
        record = db.session.get(ChurnRecord, churn_id)
        assert (record.status, record.reason) == ("lost", "Moved to a competitor")
        assert record.lost_at is not None
        assert db.session.get(Customer, customer_id).status == "lost"
    assert listener.events == [({"customer_id": customer_id, "churn_id": churn_id,
                                 "reason": "Moved to a competitor"}, "lost")]

    # A closed case cannot be handled again.
    response = client.post(f"/customers/churn/{churn_id}/postpone",
                           data={"postpone-measure": "too late", "postpone-version": "2"})
    assert response.status_code == 302
    assert records(app)[0].status == "lost"
    run_scan(app)  # a lost customer is not warned again
    assert len(records(app)) == 1


# -- customer 360 tab and dashboard widget --------------------------------------------------------


def test_customer_page_has_a_churn_tab(app, login_as):
    client = login_as("account_manager")
    customer_id, churn_id = warned(app, client.user_id)
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert 'id="tab-churn"' in page and f"/customers/churn/{churn_id}" in page

    no_churn = login_as(permissions=["customers.customer.view"])
    assert 'id="tab-churn"' not in no_churn.get(f"/customers/{customer_id}").get_data(as_text=True)


def test_dashboard_counts_my_churn_warnings(app, login_as):
    client = login_as("account_manager")
    warned(app, client.user_id)
    warned(app, client.user_id)
    warned(app, create_user(app, "account_manager"))
    page = client.get("/").get_data(as_text=True)
    assert "Churn warnings" in page
    tile = page[page.index("Churn warnings"):]
    assert '<div class="fw-semibold text-body crm-kpi-value">2</div>' in tile[:400]
    assert "/customers/churn/?status=warning" in page

    without = login_as(permissions=["core.dashboard.view"])
    assert "Churn warnings" not in without.get("/").get_data(as_text=True)


def test_order_entered_in_the_ui_closes_the_warning(app, login_as):
    client = login_as("account_manager")
    customer_id, churn_id = warned(app, client.user_id)
    with app.app_context():
        product = basedata.Product(name="Printer", model="P-100", unit="台", price=100)
        db.session.add(product)
        db.session.commit()
        product_id = product.id
    response = client.post(f"/customers/{customer_id}/orders/new", data={
        "number": "SO-UI-1", "date": date.today().isoformat(), "address": "", "status": "unpaid", "version": "",
        "lines-0-product_id": str(product_id), "lines-0-quantity": "2", "lines-0-unit": "", "lines-0-price": "100",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    assert records(app, customer_id)[0].status == "closed"


def test_every_postpone_makes_older_forms_stale(app, login_as):
    client = login_as("account_manager")
    _, churn_id = warned(app, client.user_id)
    client.post(f"/customers/churn/{churn_id}/postpone", data={"postpone-measure": "one", "postpone-version": "1"})
    version = version_of(app, churn_id)
    client.post(f"/customers/churn/{churn_id}/postpone", data={"postpone-measure": "two", "postpone-version": version})
    assert version_of(app, churn_id) == version + 1
    response = client.post(f"/customers/churn/{churn_id}/lost", data={"lost-reason": "gone", "lost-version": version})
    assert response.status_code == 409 and records(app)[0].status == "postponed"
