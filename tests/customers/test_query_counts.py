"""No page runs a query per row: the number of SQL statements does not grow with the rows shown."""
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine


@pytest.fixture
def count_queries():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)

    def run(client, url):
        client.get(url)  # warm-up: stable data (roles, names, dictionaries) is cached after it
        statements.clear()
        assert client.get(url).status_code == 200
        return len(statements)

    run.statements = statements
    yield run
    event.remove(Engine, "before_cursor_execute", record)


def test_pages_do_not_query_per_row(login_as, add_customer, add_product, add_related, count_queries):
    director = login_as("sales_director")
    managers = [login_as("account_manager").user_id for _ in range(3)]
    product = add_product()
    first = add_customer(managers[0])
    add_related(first, product)
    urls = ["/customers/", "/customers/?export=csv", f"/customers/{first}", f"/customers/{first}/orders",
            f"/customers/{first}/contacts", f"/customers/{first}/activities", "/"]
    few = {url: count_queries(director, url) for url in urls}
    for n in range(12):
        customer_id = add_customer(managers[n % 3], name=f"客户{n}")
        add_related(first, product)
        add_related(customer_id, product)
    many = {url: count_queries(director, url) for url in urls}
    assert many == few


def test_a_list_page_reads_only_the_login_the_cache_versions_and_its_rows(app, login_as, add_customer, count_queries):
    """Roles, permissions, managers' names and dictionaries are cached between requests (core.cache):
    the customer list reads the login's user (one statement), the cache versions and the page. The top bar's
    notification bell and the bounded count were kept from the warm-up request, the notifications and the
    customers being unchanged (core.table_versions, core.kept_counts). PostgreSQL is also told not to start parallel workers for the list's
    reads (core.db.without_parallel_workers)."""
    from core.api import db

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    director = login_as("sales_director")
    manager = login_as("account_manager")
    for n in range(30):
        add_customer(manager.user_id, name=f"客户{n}")
    for client in (director, manager):
        assert count_queries(client, "/customers/") == (4 if postgresql else 3)
        statements = " ".join(count_queries.statements)
        assert "count(*)" not in statements.lower()
        for table in ("core_role", "core_user_role", "core_role_permission", "basedata_dictionary"):
            assert f"FROM {table} " not in statements and f"FROM {table}\n" not in statements, table


def test_cached_roles_and_dictionaries_follow_changes_at_once(app, login_as, add_customer):
    from sqlalchemy import select

    from core.api import db
    from core.rbac.models import Role
    from plugins.basedata.models import DictionaryEntry

    manager = login_as("account_manager")
    add_customer(manager.user_id, region="beijing")
    assert "Beijing" in manager.get("/customers/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(DictionaryEntry).where(DictionaryEntry.type == "region",
                                                                DictionaryEntry.value == "beijing"))
        entry.item_en = "Peking"
        db.session.commit()
    assert "Peking" in manager.get("/customers/").get_data(as_text=True)
    with app.app_context():
        role = db.session.scalar(select(Role).where(Role.key == "account_manager"))
        role.set_permissions(role.permissions - {"customers.customer.view"})
        db.session.commit()
    assert manager.get("/customers/").status_code == 403
