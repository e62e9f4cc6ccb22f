"""The contracts plugin of the guide (tests/docs_examples/contracts.py) on the customers plugin's helpers:
a foreign key to customers, a list joined to their number and name within the user's scope, the
customer picker, and the ``customers.customer_deleted`` event ending a deleted customer's contracts."""
import pytest
from sqlalchemy import select, text

from core.api import db, hookimpl
from core.testing import create_user, log_in
from docs_examples import contracts
from plugins.basedata import services as basedata
from plugins.customers.models import Customer

PLUGINS = "basedata,customers,contracts"


class Listener:
    """Records every event delivered (to check the payload of ``customers.customer_deleted``)."""

    name = "listener"

    def __init__(self):
        self.events = []

    @hookimpl
    def on_event(self, name, payload):
        self.events.append((name, payload))


@pytest.fixture
def listener():
    return Listener()


@pytest.fixture
def contracts_app(make_app, listener):
    app = make_app(plugins=PLUGINS + ",listener", extra_plugins=[contracts, listener])
    with app.app_context():
        contracts.Contract.__table__.create(db.engine)  # a real plugin ships a migration
        basedata.seed_dictionary()
    yield app
    with app.app_context():
        contracts.Contract.__table__.drop(db.engine)
        db.engine.dispose()


def client_for(app, *permissions, scope="all"):
    username = f"contracts{next(_users)}"
    user_id = create_user(app, permissions=list(permissions), scope=scope, username=username)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    client.user_id = user_id
    return client


_users = iter(range(1, 10**6))
EDIT = ("contracts.contract.view", "contracts.contract.edit", "customers.customer.view")


def add_customer(app, number, name, manager_id):
    with app.app_context():
        customer = Customer(number=number, name=name, region="beijing", manager_id=manager_id)
        db.session.add(customer)
        db.session.commit()
        return customer.id


def test_contracts_point_at_customers_picked_within_the_users_scope(contracts_app):
    app = contracts_app
    mine = client_for(app, *EDIT, scope="own")
    other = client_for(app, *EDIT, scope="own")
    mine_id = add_customer(app, "KH2026010100001", "北京华信科技有限公司", mine.user_id)
    add_customer(app, "KH2026010100002", "上海博远贸易有限公司", other.user_id)

    form = {"title": "Maintenance 2027", "amount": "12000.50", "signed_on": "2026-11-02"}
    refused = mine.post("/contracts/new", data={**form, "customer_id": "上海博远贸易有限公司"})
    assert "No customer you can see has this name or number." in refused.get_data(as_text=True)
    assert "Choose a customer." in mine.post("/contracts/new", data=form).get_data(as_text=True)
    bad_amount = mine.post("/contracts/new", data={**form, "amount": "sNaN", "customer_id": "KH2026010100001"})
    assert bad_amount.status_code == 200 and "Enter a number." in bad_amount.get_data(as_text=True)
    assert mine.post("/contracts/new", data={**form, "customer_id": "北京华信科技有限公司 (KH2026010100001)"}
                     ).status_code == 302
    assert other.post("/contracts/new", data={**form, "title": "Theirs", "customer_id": "KH2026010100002"}
                      ).status_code == 302

    page = mine.get("/contracts/").get_data(as_text=True)
    assert "北京华信科技有限公司 (KH2026010100001)" in page and "12,000.50" in page and "Nov 2, 2026" in page
    assert "Theirs" not in page
    everyone = client_for(app, *EDIT)
    filtered = everyone.get("/contracts/?customer_id=KH2026010100002").get_data(as_text=True)
    assert "Theirs" in filtered and "Maintenance 2027" not in filtered
    assert 'name="customer_id"' in filtered  # the filter keeps the picked customer
    with app.app_context():
        contract_id, customer_id = db.session.execute(text(
            "SELECT id, customer_id FROM contracts_contract WHERE title = 'Maintenance 2027'")).one()
        theirs = db.session.scalar(text("SELECT id FROM contracts_contract WHERE title = 'Theirs'"))
    assert customer_id == mine_id
    assert "¥12,000.50" in mine.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert mine.get(f"/contracts/{theirs}").status_code == 404


def test_deleting_a_customer_ends_its_contracts_and_hides_them(contracts_app, listener):
    app = contracts_app
    admin = client_for(app, *EDIT, "customers.customer.delete")
    customer_id = add_customer(app, "KH2026010100003", "广州远景物流有限公司", admin.user_id)
    admin.post("/contracts/new", data={"customer_id": "KH2026010100003", "title": "Freight", "amount": "1"})
    assert admin.post(f"/customers/{customer_id}/delete").status_code == 302

    assert ("customers.customer_deleted", {"id": customer_id, "number": "KH2026010100003",
                                           "name": "广州远景物流有限公司", "manager_id": admin.user_id}) in listener.events
    with app.app_context():
        contract = db.session.scalar(select(contracts.Contract))
        assert (contract.customer_id, contract.status) == (customer_id, contracts.ENDED)  # kept, ended
    assert "Freight" not in admin.get("/contracts/").get_data(as_text=True)
    assert admin.get(f"/contracts/{contract.id}").status_code == 404


@pytest.mark.parametrize("scope", ["own", "all"])
def test_the_picker_and_the_joined_list_read_customers_through_indexes(contracts_app, scope):
    from core.testing import QueryPlans

    app = contracts_app
    user = client_for(app, *EDIT, scope=scope)
    add_customer(app, "KH2026010100004", "深圳星河电子有限公司", user.user_id)
    for text in ("深圳星河电子有限公司", "KH2026010100004"):  # resolved by name, then by number
        plans = QueryPlans(app)(user, f"/contracts/?customer_id={text}", "customers_customer")
        assert plans and [p for p in plans if QueryPlans.full_scans(p, "customers_customer")] == [], plans
