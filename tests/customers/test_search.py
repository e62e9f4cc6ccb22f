"""Customer and contact searches: exact "contains" results from indexes, one and two Chinese characters included."""
import re

import pytest
from flask_login import login_user
from sqlalchemy import delete, func, select, text

from core.api import User, db
from plugins.customers import services
from plugins.customers.models import Contact, Customer

ROW = re.compile(r'href="/customers/(\d+)"')
NAMES = ["北京华信科技有限公司", "上海华联贸易有限公司", "华信", "信华实业", "Sunrise Trading Co.", "深圳SUNRISE电子",
         "百分之100%纯", "下划_线公司", "华", "广州宏达 机械"]
PHONES = ["010-88886666", "021-66668888", "0755-12345678", "", "020-1", "", "", "", "", "0591-87654321"]
QUERIES = ["华", "华信", "华信科技", "信", "sunrise", "SunRise", "rise tr", "%", "_", "100%", "下划_", "8888", "8886666",
           "KH2026", "宏达 机", "公司", "不存在", "a", "Co.", '"', "OR", "NEAR(", "华*"]


@pytest.fixture
def customers(add_customer):
    return {add_customer(name=name, phone=phone, number=f"KH2026010{n:05d}"): (name, f"KH2026010{n:05d}", phone)
            for n, (name, phone) in enumerate(zip(NAMES, PHONES))}


def expected(customers: dict, query: str) -> set[int]:
    """What "contains" means: names by any fragment, numbers and phones by three characters or more."""
    q = query.strip().lower()
    fields = (0,) if len(q) <= 2 else (0, 1, 2)
    return {id_ for id_, values in customers.items() if any(q in values[i].lower() for i in fields)}


def listed(client, query: str) -> set[int]:
    response = client.get("/customers/", query_string={"name": query, "per_page": 100})
    assert response.status_code == 200
    return {int(i) for i in ROW.findall(response.get_data(as_text=True))}


def test_the_list_finds_exactly_the_customers_containing_the_text(customers, login_as):
    director = login_as("sales_director")
    for query in QUERIES:
        assert listed(director, query) == expected(customers, query), query


def test_autocomplete_searches_the_same_way(customers, login_as):
    director = login_as("sales_director")
    for query in ("华", "华信", "sunrise", "8888"):
        found = {row["id"] for row in director.get("/customers/search.json", query_string={"q": query}).get_json()}
        assert found == expected(customers, query), query


def test_edits_and_deletes_keep_the_index_in_step(customers, app, login_as):
    director = login_as("sales_director")
    first = next(iter(customers))
    with app.app_context():
        db.session.get(Customer, first).name = "杭州新名字有限公司"
        db.session.commit()
    assert first not in listed(director, "华信")
    assert first in listed(director, "新名") and first in listed(director, "新名字有限")
    with app.app_context():
        db.session.execute(delete(Customer))
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(text("SELECT count(*) FROM customers_customer_gram")) == 0
            assert db.session.scalar(text("SELECT count(*) FROM customers_customer_fts WHERE "
                                          "customers_customer_fts MATCH '\"有限公\"'")) == 0
    assert listed(director, "有限") == set()


@pytest.mark.parametrize("query", ["x" * 10_000, " " * 50, "%%%", "_", "\x00华", "<script>"])
def test_hostile_search_text_gets_a_clear_answer(customers, login_as, query):
    director = login_as("sales_director")
    response = director.get("/customers/", query_string={"name": query})
    expected = 400 if "\x00" in query else 200  # a NUL is refused before any view (core.web.refuse_nul)
    assert response.status_code == expected
    if len(query) > 200:
        assert "Field cannot be longer than 200 characters." in response.get_data(as_text=True)
    assert director.get("/customers/search.json", query_string={"q": query}).status_code == expected


def test_data_scope_holds_in_search(add_customer, login_as):
    manager, other = login_as("account_manager"), login_as("account_manager")
    mine = add_customer(manager.user_id, name="华信一号")
    theirs = add_customer(other.user_id, name="华信二号")
    assert listed(manager, "华信") == {mine}
    assert listed(other, "华信") == {theirs}
    assert {r["id"] for r in manager.get("/customers/search.json?q=华信").get_json()} == {mine}


def test_contacts_are_found_by_name_phone_and_mobile(app, add_customer, login_as):
    manager, other = login_as("account_manager"), login_as("account_manager")
    mine, theirs = add_customer(manager.user_id, name="甲公司"), add_customer(other.user_id, name="乙公司")
    with app.app_context():
        db.session.add_all([
            Contact(customer_id=mine, name="王伟", position="经理", office_phone="010-12345678", mobile="13900001111"),
            Contact(customer_id=mine, name="Li Lei", position="CTO", office_phone="021-5555", mobile=""),
            Contact(customer_id=theirs, name="王伟", position="经理", office_phone="010-12345678", mobile="")])
        db.session.commit()
    for query, names in (("王", {"王伟"}), ("王伟", {"王伟"}), ("lei", {"Li Lei"}), ("0000111", {"王伟"}),
                         ("2345", {"王伟"}), ("张", set()), ("", set())):
        with app.test_request_context():
            login_user(db.session.get(User, manager.user_id))
            found = services.contact_search(query)
        assert {row["name"] for row in found} == names, query
        assert all(row["customer_id"] == mine for row in found)


SEARCHES = ["华", "华信", "华信科技", "sunrise", "8888666"]


@pytest.mark.parametrize("query", SEARCHES)
@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_searches_read_indexes_not_every_customer(customers, login_as, query_plans, query, role):
    client = login_as(role)
    for url in (f"/customers/?name={query}", f"/customers/search.json?q={query}"):
        plans = query_plans(client, url, "customers_customer")
        assert plans
        for plan in plans:
            assert not query_plans.full_scans(plan, "customers_customer"), (url, plan)
            assert not query_plans.full_scans(plan, "customers_customer_gram"), (url, plan)


def test_the_gram_index_is_exact_for_short_terms(customers, app):
    """One or two characters are one gram: the index lookup alone gives the answer, nothing re-checked."""
    with app.app_context():
        for query in ("华", "华信", "信", "su", "Su", "SU", "CO", "%"):
            found = set(db.session.scalars(select(Customer.id).where(services.customer_text_matches(query))))
            assert found == expected(customers, query), query
        assert db.session.scalar(select(func.count()).where(services.customer_text_matches("  "))) == 1


def test_a_long_list_of_short_term_matches_walks_its_order(customers, app, login_as, query_plans):
    """Beyond CRM_COUNT_CAP a one- or two-character search probes the grams along the list's order
    (no collecting and sorting of every match); every matching row still appears once."""
    app.config["CRM_COUNT_CAP"] = 2
    director = login_as("sales_director")
    seen, url = [], "/customers/?name=华&per_page=20&sort=name"
    response = director.get(url).get_data(as_text=True)
    assert "2+" in response
    seen = {int(i) for i in ROW.findall(response)}
    assert seen == expected(customers, "华")
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    for plan in query_plans(director, url, "customers_customer", sorted_by_index=True):
        assert not query_plans.full_scans(plan, "customers_customer_gram"), plan
        if sqlite and "ORDER BY" in plan.sql and not plan.bounded_count:
            assert not query_plans.sorts(plan), plan
