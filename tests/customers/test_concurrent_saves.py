"""Saves at the same moment, through HTTP on the real database: customer numbers, orders on a customer
with an open churn warning, order numbers given on save and typed twice (issue 12, items 5-7)."""
import json
import re
import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from core.api import db
from core.audit import AuditEntry
from plugins.customers.churn import ChurnRecord, scan
from plugins.customers.models import Customer, Order

THREADS = 20


def at_once(clients, request) -> list:
    """``request(client, n)`` from one thread per client, all released together; the responses in order."""
    start, responses = threading.Barrier(len(clients)), [None] * len(clients)

    def run(n, client):
        start.wait()
        responses[n] = request(client, n)

    threads = [threading.Thread(target=run, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def order_form(product_id, number="", day=None):
    return {"number": number, "date": (day or date.today()).isoformat(), "address": "", "status": "unpaid",
            "version": "", "lines-0-product_id": str(product_id), "lines-0-quantity": "1",
            "lines-0-unit": "", "lines-0-price": "100"}


def test_twenty_customers_created_at_once_all_get_distinct_numbers(app, login_as, customer_form):
    clients = [login_as("sales_director") for _ in range(THREADS)]
    responses = at_once(clients, lambda client, n: client.post("/customers/new", data=customer_form(
        client.user_id, name=f"并发客户{n:02d}", phone=f"010-{88880000 + n}")))
    assert [r.status_code for r in responses] == [302] * THREADS
    with app.app_context():
        numbers = list(db.session.scalars(select(Customer.number)))
    assert len(numbers) == len(set(numbers)) == THREADS
    assert all(re.fullmatch(r"KH\d{8}\d{5}", number) for number in numbers)


def test_the_counter_starts_after_numbers_given_before_it(app, login_as, customer_form, add_customer):
    """A day's first counter continues after that day's numbers already in the database (an upgrade mid-day)."""
    from plugins.customers.numbering import today_prefix

    add_customer(None, number=f"{today_prefix()}00041")
    client = login_as("sales_director")
    assert client.post("/customers/new", data=customer_form(client.user_id)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.max(Customer.number))) == f"{today_prefix()}00042"


def _warned_customer(app, add_customer, add_product):
    customer_id = add_customer(None)
    product_id = add_product()
    with app.app_context():
        db.session.add(Order(customer_id=customer_id, number="OLD-1", date=date.today() - timedelta(days=400)))
        db.session.commit()
        scan()
        assert db.session.scalar(select(ChurnRecord.status)) == "warning"
    return customer_id, product_id


def test_twenty_orders_at_once_on_a_warned_customer_all_save_and_close_the_warning(
        app, login_as, add_customer, add_product):
    customer_id, product_id = _warned_customer(app, add_customer, add_product)
    clients = [login_as("sales_director") for _ in range(THREADS)]
    url = f"/customers/{customer_id}/orders/new"
    responses = at_once(clients, lambda client, n: client.post(url, data=order_form(product_id, f"SO-AT-ONCE-{n}")))
    assert [r.status_code for r in responses] == [302] * THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == THREADS + 1
        [(churn_id, status)] = db.session.execute(select(ChurnRecord.id, ChurnRecord.status)).all()
        assert status == "closed"
        [changes] = db.session.scalars(select(AuditEntry.changes).where(
            AuditEntry.table_name == "customers_churn", AuditEntry.action == "update",
            AuditEntry.record_id == str(churn_id)))
        assert json.loads(changes)["status"] == ["warning", "closed"]


def test_the_new_order_form_leaves_the_number_to_the_save(app, login_as, add_customer, add_product):
    client = login_as("sales_director")
    customer_id, product_id = add_customer(None), add_product()
    url = f"/customers/{customer_id}/orders/new"
    page = client.get(url).get_data(as_text=True)
    number_input = re.search(r'<input[^>]*name="number"[^>]*>', page).group(0)
    assert 'value=""' in number_input or "value=" not in number_input
    assert "Given on save when left empty." in page
    clients = [client] + [login_as("sales_director") for _ in range(THREADS - 1)]
    responses = at_once(clients, lambda c, n: c.post(url, data=order_form(product_id)))
    assert [r.status_code for r in responses] == [302] * THREADS
    with app.app_context():
        numbers = list(db.session.scalars(select(Order.number)))
    assert len(numbers) == len(set(numbers)) == THREADS
    assert all(re.fullmatch(r"DD\d{8}\d{5}", number) for number in numbers)


def test_an_order_number_typed_twice_at_once_is_refused_beside_the_field(app, login_as, add_customer, add_product):
    customer_id, product_id = add_customer(None), add_product()
    clients = [login_as("sales_director") for _ in range(THREADS)]
    url = f"/customers/{customer_id}/orders/new"
    responses = at_once(clients, lambda c, n: c.post(url, data=order_form(product_id, "SO-SAME")))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (THREADS - 1) + [302]
    for response in responses:
        if response.status_code == 200:
            assert 'id="number-error">Another order already has this number.' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1


def test_a_number_taken_between_the_check_and_the_insert_is_refused_beside_the_field(
        app, login_as, add_customer, add_product, monkeypatch):
    """The race itself, made certain: the check finds the number free, the insert hits the unique constraint."""
    from plugins.customers.views import orders

    client = login_as("sales_director")
    customer_id, product_id = add_customer(None), add_product()
    url = f"/customers/{customer_id}/orders/new"
    assert client.post(url, data=order_form(product_id, "SO-RACE")).status_code == 302
    real_check, calls = orders._number_taken, []

    def check_too_early(number, order):  # the first check misses the order saved "meanwhile"; later ones see it
        calls.append(number)
        return len(calls) > 1 and real_check(number, order)

    monkeypatch.setattr(orders, "_number_taken", check_too_early)
    response = client.post(url, data=order_form(product_id, "SO-RACE"))
    assert response.status_code == 200
    assert 'id="number-error">Another order already has this number.' in response.get_data(as_text=True)
    assert calls == ["SO-RACE", "SO-RACE"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
