"""The top bar's search: the global_search hook, results grouped by kind, data scope, hostile terms."""
import re

import pytest

from core.api import SearchGroup, SearchResult, db, hookimpl
from core.testing import create_user, log_in
from plugins.basedata import services as basedata
from plugins.customers.models import Contact, Customer
from plugins.marketing.models import Opportunity


@pytest.fixture
def records(app, login_as):
    """Two account managers, each with a 华信 customer, a contact and an opportunity."""
    with app.app_context():
        basedata.seed_dictionary()
    managers = [login_as("account_manager"), login_as("account_manager")]
    with app.app_context():
        for n, manager in enumerate(managers):
            customer = Customer(number=f"KH2026010100{n:03d}", name=f"北京华信科技{n}号有限公司", region="beijing",
                                manager_id=manager.user_id, phone=f"010-8888{n:04d}")
            db.session.add(customer)
            db.session.flush()
            db.session.add(Contact(customer_id=customer.id, name=f"王华{n}", position="经理",
                                   office_phone="010-1", mobile=f"1390000{n:04d}"))
            db.session.add(Opportunity(customer_name=f"华信潜在客户{n}", summary="年度采购", created_by_id=manager.user_id,
                                       assignee_id=manager.user_id, status="developing"))
        db.session.commit()
    return managers


def groups_of(client, term) -> dict[str, list[str]]:
    """{group label: [result titles]} of the results page."""
    response = client.get("/search", query_string={"q": term})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = {}
    for section in re.findall(r'<section class="col-12 col-xl-6" aria-label="([^"]+)">(.*?)</section>', page, re.S):
        found[section[0]] = re.findall(r'<div class="fw-semibold text-break">([^<]+)</div>', section[1])
    return found


def test_results_are_grouped_by_kind_within_the_users_data_scope(records, login_as):
    director = login_as("sales_director")
    assert groups_of(director, "华信") == {
        "Customers": ["北京华信科技0号有限公司", "北京华信科技1号有限公司"],
        "Sales opportunities": ["华信潜在客户1", "华信潜在客户0"],
    }
    assert groups_of(director, "王华") == {"Contacts": ["王华0", "王华1"]}
    manager = records[0]
    assert groups_of(manager, "华") == {"Customers": ["北京华信科技0号有限公司"], "Contacts": ["王华0"],
                                        "Sales opportunities": ["华信潜在客户0"]}


def test_customers_are_found_by_number_and_phone_contacts_by_mobile(records, login_as):
    director = login_as("sales_director")
    assert groups_of(director, "0100001") == {"Customers": ["北京华信科技1号有限公司"]}
    assert groups_of(director, "88880001") == {"Customers": ["北京华信科技1号有限公司"]}
    assert groups_of(director, "13900000001") == {"Contacts": ["王华1"]}


def test_a_user_sees_only_the_kinds_their_permissions_open(records, app, login_as):
    viewer = login_as(permissions=["core.search.use", "customers.customer.view"])
    assert set(groups_of(viewer, "华")) == {"Customers"}
    assert login_as(permissions=["core.dashboard.view"]).get("/search?q=华").status_code == 403


@pytest.mark.parametrize("term, message", [
    ("x" * 10_000, "Search for at most 200 characters."),
    ("", "Type a name, number, phone or e-mail to search for."),
    ("   ", "Type a name, number, phone or e-mail to search for."),
    ("\x00", "The request contains a NUL character"),  # refused before any view (core.web.refuse_nul)
])
def test_unusable_terms_get_a_clear_answer(records, login_as, term, message):
    response = login_as("sales_director").get("/search", query_string={"q": term})
    assert response.status_code == (400 if "\x00" in term else 200)
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("term", ["%", "_", "%_%", "华%", '"', "<script>alert(1)</script>", "NEAR(a b)"])
def test_wildcards_and_markup_are_taken_literally(records, login_as, term):
    response = login_as("sales_director").get("/search", query_string={"q": term})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing found that you may see" in page
    assert "<script>alert(1)</script>" not in page


def test_the_top_bar_offers_the_box_to_users_who_may_search(records, login_as):
    assert 'role="search"' in login_as("account_manager").get("/").get_data(as_text=True)
    assert 'role="search"' not in login_as(permissions=["core.dashboard.view"]).get("/").get_data(as_text=True)


class Finder:
    name = "finder"
    title = "Finder"
    version = "1.0"
    requires = ()

    @hookimpl
    def global_search(self, term, limit):
        return [SearchGroup("Found things", [SearchResult(f"thing {term}", "/things/1", "a detail"),
                                             SearchResult("elsewhere", "https://evil.example/")], order=5),
                SearchGroup("Empty kind", [])]


def test_a_plugin_contributes_through_the_hook(make_app):
    app = make_app(plugins="finder", extra_plugins=[Finder()])
    create_user(app, "sales_director", username="finder-user")
    client = app.test_client()
    log_in(client, "finder-user")
    assert groups_of(client, "abc") == {"Found things": ["thing abc"]}  # the link leaving the CRM is dropped


@pytest.mark.parametrize("table", ["customers_contact", "service_request", "marketing_opportunity"])
@pytest.mark.parametrize("term", ["王华", "甲乙"])  # a two-character term some rows hold, one none holds
def test_a_short_term_starts_from_its_postings_not_from_every_row(records, login_as, query_plans, table, term):
    """The top bar shows the first few matches of each kind: a term few or no rows hold is looked up in
    the grams, not tested against every contact or request in turn (at a million customers that read
    a million contacts and 500,000 requests for nothing: 250 ms each)."""
    director = login_as("sales_director")
    plans = query_plans(director, "/search?q=" + term, table)
    assert plans
    for plan in plans:
        assert not query_plans.full_scans(plan, table), plan


def test_postgresql_is_told_which_rows_hold_a_short_term_its_statistics_do_not_know(records, app, login_as):
    """PostgreSQL estimates a gram missing from its statistics at ~0.5 % of the rows and would walk every
    request newest first for ten that do not exist: the few rows holding it are looked up by their ids."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite is told how common a gram is by TextIndex.filter")
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    director = login_as("sales_director")
    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert director.get("/search", query_string={"q": "甲乙"}).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    requests = [s for s in statements if "FROM service_request" in s and "ORDER BY" in s]
    assert requests and all("service_request.id IN" in " ".join(s.split()) for s in requests), requests

