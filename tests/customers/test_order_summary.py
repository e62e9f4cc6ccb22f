"""The order amount per customer per month always equals the sum of the order lines: after creates,
edits (lines, date, deletion of lines), deletes and imports, and after a rebuild; the sales of every customer
per month always equal the customer months summed, and the director's dashboard shows what summing them gives."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db
from core.testing import second_writer_waiting
from plugins.customers.models import Order, OrderLine
from plugins.customers.models import Customer
from plugins.customers.order_summary import ManagerSalesMonth, OrderMonth, OrderYear, SalesMonth, month_of


def _form(lines, **changes):
    data = {"number": "DD0001", "date": "2026-02-01", "address": "北京", "status": "unpaid"}
    for n, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{n}-{key}"] = value
    data.update(changes)
    return data


def run(app, tmp_path, kind, content: bytes):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    return app.test_cli_runner().invoke(args=["import", kind, str(path)])


def _summary(app) -> dict:
    """The month table; checked against the year table on the way (each year and all years sum the months)."""
    with app.app_context():
        months = {(c, str(m)[:10]): (n, a) for c, m, n, a in db.session.execute(
            select(OrderMonth.customer_id, OrderMonth.month, OrderMonth.orders, OrderMonth.amount))}
        years = {(c, y): (n, a) for c, y, n, a in db.session.execute(
            select(OrderYear.customer_id, OrderYear.year, OrderYear.orders, OrderYear.amount))}
    expected = {}
    for (customer, month), (orders, amount) in months.items():
        for year in (int(month[:4]), 0):
            count, total = expected.get((customer, year), (0, Decimal(0)))
            expected[(customer, year)] = (count + orders, total + amount)
    assert years == expected
    with app.app_context():
        sales = {str(m)[:10]: (n, a) for m, n, a in db.session.execute(
            select(SalesMonth.month, SalesMonth.orders, SalesMonth.amount))}
        per_manager = {(manager, str(m)[:10]): (n, a) for manager, m, n, a in db.session.execute(
            select(ManagerSalesMonth.manager_id, ManagerSalesMonth.month, ManagerSalesMonth.orders,
                   ManagerSalesMonth.amount))}
        managers = dict(db.session.execute(select(Customer.id, Customer.manager_id)).all())
    expected, expected_per_manager = {}, {}
    for (customer, month), (orders, amount) in months.items():
        for totals, key in ((expected, month), (expected_per_manager, (managers[customer] or 0, month))):
            count, total = totals.get(key, (0, Decimal(0)))
            totals[key] = (count + orders, total + amount)
    assert sales == expected and per_manager == expected_per_manager
    return months


def _from_lines(app) -> dict:
    """The same figures computed from the order lines themselves (orders without lines count 0)."""
    with app.app_context():
        dialect = db.session.get_bind().dialect.name
        month = month_of(Order.date, dialect)
        amounts = (select(Order.id.label("id"), Order.customer_id.label("customer_id"), month.label("month"),
                          func.coalesce(func.sum(OrderLine.quantity * OrderLine.price), 0).label("amount"))
                   .outerjoin(OrderLine, OrderLine.order_id == Order.id).group_by(Order.id, Order.customer_id, month)
                   .subquery())
        rows = db.session.execute(select(amounts.c.customer_id, amounts.c.month, func.count(amounts.c.id),
                                         func.sum(amounts.c.amount)).group_by(amounts.c.customer_id, amounts.c.month))
        return {(c, str(m)[:10]): (n, Decimal(a).quantize(Decimal("0.01"))) for c, m, n, a in rows}


def test_the_summary_follows_every_order_write_through_the_pages(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    acme, beta = add_customer(manager.user_id), add_customer(manager.user_id, name="Beta")
    laptop = add_product(price="7999.00")
    line = lambda quantity, price="": {"product_id": laptop, "quantity": quantity, "unit": "", "price": price}  # noqa

    assert manager.post(f"/customers/{acme}/orders/new", data=_form([line("2")])).status_code == 302
    assert manager.post(f"/customers/{acme}/orders/new",
                        data=_form([line("1", "10.25"), line("3", "0.50")], number="DD0002", date="2026-02-28"))\
        .status_code == 302
    assert manager.post(f"/customers/{beta}/orders/new", data=_form([line("1")], number="DD0003", date="2026-03-01"))\
        .status_code == 302
    assert _summary(app) == {(acme, "2026-02-01"): (2, Decimal("16009.75")),
                             (beta, "2026-03-01"): (1, Decimal("7999.00"))} == _from_lines(app)

    with app.app_context():
        first, second = db.session.scalars(select(Order.id).order_by(Order.number)).all()[:2]
        version = db.session.get(Order, second).version
    # edit: other lines and another month
    edited = _form([line("4", "100.00")], number="DD0002", date="2026-01-15", version=str(version))
    assert manager.post(f"/customers/{acme}/orders/{second}/edit", data=edited).status_code == 302
    assert _summary(app) == {(acme, "2026-01-01"): (1, Decimal("400.00")), (acme, "2026-02-01"): (1, Decimal("15998.00")),
                             (beta, "2026-03-01"): (1, Decimal("7999.00"))} == _from_lines(app)

    # delete: the month disappears
    assert manager.post(f"/customers/{acme}/orders/{first}/delete").status_code == 302
    assert _summary(app) == {(acme, "2026-01-01"): (1, Decimal("400.00")),
                             (beta, "2026-03-01"): (1, Decimal("7999.00"))} == _from_lines(app)


def test_a_refused_save_changes_nothing(app, login_as, add_customer, add_product):
    manager = login_as("account_manager")
    acme = add_customer(manager.user_id)
    laptop = add_product()
    for quantity, price in (("NaN", ""), ("2", "NaN"), ("inf", ""), ("0", "")):
        bad = _form([{"product_id": laptop, "quantity": quantity, "unit": "", "price": price}])
        response = manager.post(f"/customers/{acme}/orders/new", data=bad)
        assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True), (quantity, price)
    assert _summary(app) == {} == _from_lines(app)


def test_imports_and_scripts_keep_it_equal_and_a_rebuild_restores_it(app, tmp_path, add_customer, add_product):
    acme = add_customer(number="KH2026010100001")
    printer = add_product(price="1999.00")
    content = ("order_number,customer_number,date,status,product_id,quantity,price\n"
               f"SO-1,KH2026010100001,2025-01-15,paid,{printer},2,1999.00\n"
               f"SO-1,KH2026010100001,2025-01-15,paid,{printer},1,10.10\n"
               f"SO-2,KH2026010100001,2025-01-31,paid,{printer},1,1.00\n"
               f"SO-3,KH2026010100001,2025-12-01,paid,{printer},3,3.33\n").encode()
    assert run(app, tmp_path, "orders", content).exit_code == 0
    assert _summary(app) == {(acme, "2025-01-01"): (2, Decimal("4009.10")),
                             (acme, "2025-12-01"): (1, Decimal("9.99"))} == _from_lines(app)

    with app.app_context():  # a script through the ORM: a line removed from an order
        order = db.session.scalar(select(Order).where(Order.number == "SO-1"))
        order.lines.pop()
        db.session.commit()
    assert _summary(app)[(acme, "2025-01-01")] == (2, Decimal("3999.00")) and _summary(app) == _from_lines(app)

    with app.app_context():  # the table emptied behind our back: the command rebuilds it
        db.session.execute(OrderMonth.__table__.delete())
        db.session.execute(OrderYear.__table__.delete())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["customers-order-summary"])
    assert result.exit_code == 0 and "2 customer months summarised." in result.output
    assert _summary(app) == _from_lines(app) and len(_summary(app)) == 2


def test_a_bad_import_leaves_the_summary_alone(app, tmp_path, add_customer, add_product):
    add_customer(number="KH2026010100001")
    printer = add_product()
    content = ("order_number,customer_number,date,product_id,quantity,price\n"
               f"SO-1,KH2026010100001,2025-01-15,{printer},2,1999.00\n"
               f"SO-2,KH2026010100001,not a date,{printer},1,1\n").encode()
    run(app, tmp_path, "orders", content)
    assert _summary(app) == {} == _from_lines(app)


def test_a_new_customer_and_its_orders_in_one_flush(app, add_product):
    """Demo data and scripts create the customer and its orders together: ids are known only after the flush."""
    from plugins.customers.models import Customer

    product = add_product(price="12.50")
    with app.app_context():
        customer = Customer(number="KH2026010199999", name="新客户", region="beijing")
        order = Order(customer=customer, number="N1", date=date(2026, 4, 9))
        order.lines.append(OrderLine(product_id=product, quantity=Decimal(2), price=Decimal("12.50")))
        db.session.add(order)
        db.session.commit()
        customer_id = customer.id
    assert _summary(app) == {(customer_id, "2026-04-01"): (1, Decimal("25.00"))} == _from_lines(app)


def test_two_transactions_writing_one_customers_orders_wait_for_each_other(app, add_customer, add_product):
    """PostgreSQL: the second waits for the first, then counts both orders (no duplicate-key error)."""
    import pytest
    from sqlalchemy.orm import Session

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one write transaction at a time")
    customer = add_customer()
    product = add_product(price="10.00")

    def order(session, number):
        new = Order(customer_id=customer, number=number, date=date(2026, 5, 5))
        new.lines.append(OrderLine(product_id=product, quantity=Decimal(1), price=Decimal("10.00")))
        session.add(new)
        session.flush()

    with app.app_context():
        first, second = Session(db.engine), Session(db.engine)
        order(first, "T1")                               # holds the customer's row, not committed yet
        with second_writer_waiting(db.engine, second, lambda session: order(session, "T2")) as failures:
            first.commit()
        first.close()
        second.close()
    assert failures == []
    assert _summary(app) == {(customer, "2026-05-01"): (2, Decimal("20.00"))} == _from_lines(app)


def test_the_dashboards_sales_by_month_equal_the_customer_months_summed(
        app, login_as, add_customer, add_product, monkeypatch):
    """A director's from the sales months, an account manager's from their manager months."""
    import re

    from sqlalchemy import func

    from core.api import local_today
    from plugins.customers import kpis

    managers = login_as("account_manager"), login_as("account_manager")
    laptop = add_product(price="7999.00")
    today = local_today()
    for n, back in enumerate((0, 0, 1, 1, 2, 11, 12, 13)):
        month, manager = kpis._first_of_month(today, back), managers[n % 2]
        customer = add_customer(manager.user_id, name=f"客户{n}")
        data = _form([{"product_id": laptop, "quantity": str(n + 1), "unit": "", "price": f"{n}.5{n}"}],
                     number=f"DD{n:04d}", date=month.replace(day=min(28, 1 + n * 4)).isoformat())
        assert manager.post(f"/customers/{customer}/orders/new", data=data).status_code == 302
    _summary(app)
    clients = (login_as("sales_director"), *managers)

    def sales(client):
        """The sales tile and the sales chart."""
        page = re.sub(r"chart-[0-9a-f-]{36}", "chart", client.get("/").get_data(as_text=True))
        tile = page[page.index("Sales this month"):]
        return re.sub(r"<[^>]+>|\s+", " ", tile[:tile.index("</a>")]), re.findall(r"<svg.*?</svg>", page, re.S)

    from_summaries = [sales(client) for client in clients]
    assert all("Sales this month" in tile and len(chart) == 1 for tile, chart in from_summaries)
    assert len({tile for tile, _chart in from_summaries}) == 3

    def summed(first, last):
        """The visible customers' months summed, as before the sales months."""
        stmt = (select(OrderMonth.month, func.sum(OrderMonth.amount))
                .where(OrderMonth.month >= first, OrderMonth.month <= last).group_by(OrderMonth.month))
        return kpis._through_customer(stmt, OrderMonth.customer_id)

    monkeypatch.setattr(kpis, "sales_by_month_query", summed)
    assert [sales(client) for client in clients] == from_summaries


def test_the_dashboards_read_no_customer_month(app, login_as, add_customer, add_product, query_plans):
    manager = login_as("account_manager")
    acme = add_customer(manager.user_id)
    laptop = add_product()
    line = {"product_id": laptop, "quantity": "2", "unit": "", "price": ""}
    assert manager.post(f"/customers/{acme}/orders/new", data=_form([line])).status_code == 302
    assert query_plans(login_as("sales_director"), "/", "customers_order_month") == []
    # (an account manager's at-risk customers are scored from their customer months)
    assert not [plan.sql for plan in query_plans(manager, "/", "customers_order_month")
                if "GROUP BY customers_order_month.month" in plan.sql]


def test_a_customer_given_to_another_manager_takes_its_months_along(app, login_as, add_customer, add_product):
    """Through the customer's page, and by a script in the same flush as a new order of that customer."""
    li, zhang = login_as("account_manager"), login_as("account_manager")
    acme, beta = add_customer(li.user_id), add_customer(li.user_id, name="Beta")
    laptop = add_product(price="10.00")
    line = {"product_id": laptop, "quantity": "3", "unit": "", "price": ""}
    assert li.post(f"/customers/{acme}/orders/new", data=_form([line])).status_code == 302
    assert li.post(f"/customers/{beta}/orders/new", data=_form([line], number="DD0002", date="2026-03-03"))\
        .status_code == 302
    with app.app_context():
        customer = db.session.get(Customer, acme)
        customer.manager_id = zhang.user_id
        db.session.commit()
    _summary(app)
    with app.app_context():
        customer = db.session.get(Customer, beta)
        customer.manager_id = None
        order = Order(customer_id=beta, number="N9", date=date(2026, 3, 9))
        order.lines.append(OrderLine(product_id=laptop, quantity=Decimal(1), price=Decimal("1.25")))
        db.session.add(order)
        db.session.commit()
    months = _summary(app)
    assert months[(beta, "2026-03-01")] == (2, Decimal("31.25")) and months == _from_lines(app)
