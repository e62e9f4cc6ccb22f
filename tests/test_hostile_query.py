"""Hostile query strings on every page a user opens by GET: never a 500 (issue 12, item 8)."""
from datetime import date
from decimal import Decimal

import pytest

from core.api import db
from plugins.basedata import services as basedata
from plugins.customers.models import Activity, Contact, Customer, Order, OrderLine

SKIP = ("static", "jobs.", "service.rating")  # files, job pages of no job, the public rating form (a token)


def _records(app) -> dict:
    with app.app_context():
        product = basedata.Product(name="笔记本电脑", model="T14", batch="A", unit="台", price=Decimal("10.00"), memo="")
        customer = Customer(number="KH2026010100001", name="北京华信科技有限公司", region="beijing")
        db.session.add_all([product, customer])
        db.session.flush()
        order = Order(customer_id=customer.id, number="DD1", date=date(2026, 1, 6))
        order.lines.append(OrderLine(product_id=product.id, quantity=Decimal(2), unit="台", price=Decimal("10.50")))
        contact = Contact(customer_id=customer.id, name="王伟", position="经理", office_phone="")
        activity = Activity(customer_id=customer.id, date=date(2026, 1, 5), place="北京", summary="拜访")
        db.session.add_all([order, contact, activity])
        db.session.commit()
        return {"customer_id": customer.id, "order_id": order.id, "contact_id": contact.id, "activity_id": activity.id,
                "product_id": product.id, "fmt": "csv", "key": sorted(app.extensions["crm"].reports)}


def _pages(app, records) -> list[str]:
    """Every GET page, its path arguments filled in: the records above, each report, 1 for other ids."""
    urls = app.url_map.bind("localhost")
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(SKIP):
            continue
        values = {name: records.get(name, 1) for name in rule.arguments if name != "key"}
        for key in records["key"] if "key" in rule.arguments else [None]:
            pages.append(urls.build(rule.endpoint, {**values, **({"key": key} if key else {})}))
    return sorted(pages)


@pytest.mark.parametrize("query", [
    "endpoint=x&_method=x&customer_id=1&_external=1&_anchor=x&_scheme=x",
    "q=a%00b&name=a%00b&number=a%00b&manager_id=%00&sort=%00&page=%00",
])
def test_no_page_answers_500_to_hostile_query_arguments(app, login_as, query):
    records = _records(app)
    admin = login_as("admin")
    failures = []
    pages = _pages(app, records)
    assert len(pages) > 60 and "/customers/%s/orders/%s/edit" % (records["customer_id"], records["order_id"]) in pages
    for path in pages:
        try:
            status = admin.get(f"{path}?{query}").status_code
        except Exception as exc:  # the test app lets errors through: each would be a 500
            status = repr(exc)[:120]
        if not isinstance(status, int) or status >= 500:
            failures.append((path, status))
    assert failures == [], "\n".join(map(str, failures))


def test_a_nul_character_anywhere_in_a_request_is_refused_with_a_message(app, client, login_as):
    login = client.post("/login", data={"username": "ad\x00min", "password": "x"})
    assert login.status_code == 400 and "NUL character" in login.get_data(as_text=True)
    admin = login_as("admin")
    for response in (admin.get("/customers/?name=%00"), admin.get("/search?q=a%00"),
                     admin.post("/customers/new", data={"name": "北京\x00公司"}),
                     admin.post("/customers/new", json={"name": ["a\x00"]}),
                     admin.get("/jobs/%00")):
        assert response.status_code == 400, response.request.path
        assert "NUL character" in response.get_data(as_text=True)
    chinese = login_as("admin", language="zh_CN")
    assert "空字符" in chinese.get("/customers/?name=%00").get_data(as_text=True)


@pytest.mark.parametrize("text", ["华" * 100_000, "a b " * 25_000, "华信科技" + " " * 300 + "x"])
def test_a_churn_filter_longer_than_the_field_takes_says_so(app, login_as, text):
    """The churn list checked the filter's length and filtered anyway (by a shortened text): no rows now."""
    from plugins.customers.churn import ChurnRecord

    customer_id = _records(app)["customer_id"]
    with app.app_context():
        record = ChurnRecord(customer_id=customer_id, last_order_date=date(2025, 1, 1))
        db.session.add(record)
        db.session.commit()
        churn_id = record.id
    admin = login_as("admin")
    try:
        response = admin.get("/customers/churn/", query_string={"customer": text})
    except Exception as exc:  # the test app lets errors through: a 500 in production
        pytest.fail(repr(exc)[:200])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Field cannot be longer than 200 characters." in page
    assert f"/customers/churn/{churn_id}\"" not in page  # no rows under a refused filter
    assert f"/customers/churn/{churn_id}\"" in admin.get("/customers/churn/?customer=华信科技").get_data(as_text=True)
