"""Orders (历史订单): lines, totals, detail, edit, refusals and the order_created event."""
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db, hookimpl
from plugins.customers.models import Order


def order_form(lines, **changes):
    data = {"number": "DD0001", "date": "2026-02-01", "address": "北京市中山路 1 号", "status": "unpaid"}
    for n, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{n}-{key}"] = value
    data.update(changes)
    return data


def _orders(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Order.id)))


class Recorder:
    """A test plugin that records the events it receives."""

    name = "recorder"

    def __init__(self):
        self.events = []

    @hookimpl
    def on_event(self, name, payload):
        self.events.append((name, payload))


def test_order_with_lines_total_and_event(make_app, login_as, add_customer, add_product):
    recorder = Recorder()
    app = make_app(plugins="basedata,customers,recorder", extra_plugins=[recorder])
    client = app.test_client()
    from core.testing import create_user, log_in

    user_id = create_user(app, "account_manager", username="ordermanager")
    log_in(client, "ordermanager")
    customer_id = add_customer(user_id)
    laptop, paper = add_product(price="7999.00"), add_product(name="复印纸", price="168.00", unit="箱")
    lines = [{"product_id": laptop, "quantity": "2", "unit": "", "price": ""},
             {"product_id": paper, "quantity": "3", "unit": "包", "price": "150.50"},
             {"product_id": "", "quantity": "", "unit": "", "price": ""}]
    response = client.post(f"/customers/{customer_id}/orders/new", data=order_form(lines))
    assert response.status_code == 302
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.total == Decimal("16449.50")
        assert [(l.unit, l.price) for l in order.lines] == [("台", Decimal("7999.00")), ("包", Decimal("150.50"))]
        order_id = order.id
    created = [p for name, p in recorder.events if name == "customers.order_created"]
    assert created == [{"id": order_id, "number": "DD0001", "customer_id": customer_id, "total": "16449.50",
                        "date": "2026-02-01"}]
    detail = client.get(f"/customers/{customer_id}/orders/{order_id}").get_data(as_text=True)
    assert "16,449.50" in detail and "15,998.00" in detail and "笔记本电脑" in detail
    assert "DD0001" in client.get(f"/customers/{customer_id}/orders").get_data(as_text=True)

    edit = order_form([{"product_id": paper, "quantity": "1", "unit": "箱", "price": "168.00"}],
                      status="paid", version="1")
    assert client.post(f"/customers/{customer_id}/orders/{order_id}/edit", data=edit).status_code == 302
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert (order.total, order.status, len(order.lines)) == (Decimal("168.00"), "paid", 1)
    stale = client.post(f"/customers/{customer_id}/orders/{order_id}/edit", data={**edit, "status": "unpaid"})
    assert "changed by someone else" in stale.get_data(as_text=True)
    assert len([n for n, _p in recorder.events if n == "customers.order_created"]) == 1


def test_bad_order_lines_are_refused(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    product = add_product()
    url = f"/customers/{customer_id}/orders/new"
    good = {"product_id": product, "quantity": "1", "unit": "", "price": ""}
    cases = [
        ([{**good, "quantity": "0"}], "The quantity must be greater than 0."),
        ([{**good, "quantity": "-3"}], "The quantity must be greater than 0."),
        ([{**good, "quantity": ""}], "Enter a quantity."),
        ([{**good, "product_id": "999999"}], "This product does not exist."),
        ([{**good, "price": "-1"}], "Enter an amount from 0"),
        ([{"product_id": "", "quantity": "", "unit": "", "price": ""}], "Add at least one line with a product."),
        ([good] * 501, "An order can have at most 500 lines."),
    ]
    for lines, message in cases:
        response = manager.post(url, data=order_form(lines))
        assert response.status_code == 200 and message in response.get_data(as_text=True), message
    for field, value, message in [("date", "", "Enter a date."),
                                  ("address", "<script>x</script>", "HTML tags")]:
        response = manager.post(url, data=order_form([good], **{field: value}))
        assert message in response.get_data(as_text=True), field
    assert _orders(app) == 0
    assert manager.post(url, data=order_form([good])).status_code == 302
    again = manager.post(url, data=order_form([good]))
    assert "Another order already has this number." in again.get_data(as_text=True)
    assert _orders(app) == 1
    with app.app_context():
        order_id = db.session.scalar(select(Order.id))
    unnumbered = manager.post(f"/customers/{customer_id}/orders/{order_id}/edit",
                              data=order_form([good], number="", version="1"))
    assert "This field is required." in unnumbered.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Order.number)) == "DD0001"


def test_executive_reads_orders_only(app, login_as, add_customer, add_product, add_related):
    executive = login_as("executive")
    customer_id = add_customer(None)
    product = add_product()
    _c, _a, order_id = add_related(customer_id, product)
    assert executive.get(f"/customers/{customer_id}/orders/{order_id}").status_code == 200
    assert executive.get(f"/customers/{customer_id}/orders/new").status_code == 403
    assert executive.post(f"/customers/{customer_id}/orders/{order_id}/delete").status_code == 403
    assert _orders(app) == 1
