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
        statements.clear()
        assert client.get(url).status_code == 200
        return len(statements)

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
