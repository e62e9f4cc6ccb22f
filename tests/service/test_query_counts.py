"""No service page runs a query per row: the number of SQL statements does not grow with the rows shown."""
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

    yield run
    event.remove(Engine, "before_cursor_execute", record)


def test_lists_tab_and_dashboard_do_not_query_per_row(login_as, add_customer, add_request, count_queries):
    director = login_as("sales_director")
    managers = [login_as("account_manager").user_id for _ in range(3)]
    customer_id = add_customer(managers[0])
    urls = ["/service/", "/service/?export=csv", "/service/assign", "/service/feedback", "/service/?overdue=y",
            f"/customers/{customer_id}", "/"]

    def add(n):
        for i in range(n):
            manager = managers[i % 3]
            add_request(add_customer(manager, name=f"客户{i}"), status=("new", "assigned", "handled", "archived")[i % 4],
                        assignee_id=manager if i % 4 else None, created_by_id=managers[(i + 1) % 3],
                        satisfaction=4 if i % 4 == 3 else None)
            add_request(customer_id, status="archived", satisfaction=3, assignee_id=manager)

    add(4)
    few = {url: count_queries(director, url) for url in urls}
    add(12)
    many = {url: count_queries(director, url) for url in urls}
    assert many == few
