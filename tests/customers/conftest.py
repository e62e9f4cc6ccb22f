"""Fixtures of the customers tests: the seeded dictionary, products and customers put in the database."""
from datetime import date
from decimal import Decimal

import pytest

from core.api import db
from plugins.basedata import services as basedata
from plugins.customers.seed import ensure_defaults
from plugins.customers.models import Activity, Contact, Customer, Order, OrderLine

_numbers = iter(range(1, 10**6))


@pytest.fixture(autouse=True)
def seeded(app):
    """Tables are emptied after each test; put the migrations' dictionary back (with the activity types)."""
    with app.app_context():
        basedata.seed_dictionary()
        ensure_defaults()
        db.session.commit()


@pytest.fixture
def add_customer(app):
    """Put a customer straight into the database; returns its id."""

    def add(manager_id=None, name="北京华信科技有限公司", **fields):
        with app.app_context():
            number = fields.pop("number", f"KH19990101{next(_numbers):05d}")
            customer = Customer(number=number, name=name, manager_id=manager_id,
                                region=fields.pop("region", "beijing"), **fields)
            db.session.add(customer)
            db.session.commit()
            return customer.id

    return add


@pytest.fixture
def add_product(app):
    def add(name="笔记本电脑", price="7999.00", unit="台"):
        with app.app_context():
            product = basedata.Product(name=name, model="T14", batch="A", unit=unit, price=Decimal(price), memo="")
            db.session.add(product)
            db.session.commit()
            return product.id

    return add


@pytest.fixture
def add_related(app):
    """Add a contact, an activity and an order (one line) to a customer; returns their ids."""

    def add(customer_id, product_id):
        with app.app_context():
            contact = Contact(customer_id=customer_id, name="王伟", position="总经理", office_phone="010-88886666")
            activity = Activity(customer_id=customer_id, date=date(2026, 1, 5), place="北京", summary="上门拜访")
            order = Order(customer_id=customer_id, number=f"DD{next(_numbers)}", date=date(2026, 1, 6))
            order.lines.append(OrderLine(product_id=product_id, quantity=Decimal(2), unit="台", price=Decimal("10.50")))
            db.session.add_all([contact, activity, order])
            db.session.commit()
            return contact.id, activity.id, order.id

    return add


@pytest.fixture
def customer_form():
    return valid_customer_form


def valid_customer_form(manager, **changes) -> dict:
    """A valid customer form (what the browser posts)."""
    data = {"name": "上海宏达贸易有限公司", "region": "beijing", "manager_id": str(manager), "level": "2",
            "satisfaction": "3", "credit": "4", "address": "上海市人民路 1 号", "postcode": "200000",
            "phone": "021-66668888", "fax": "", "website": "www.hongda.cn", "licence_no": "", "legal_person": "",
            "capital": "500", "turnover": "", "bank": "", "bank_account": "", "local_tax_no": "",
            "national_tax_no": ""}
    data.update(changes)
    return data
