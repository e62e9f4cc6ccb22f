"""Fixtures of the service tests: seeded dictionary and SLA defaults, customers and requests put in the database."""
from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from core.api import db
from plugins.basedata import services as basedata
from plugins.customers.models import Customer
from plugins.service import sla
from plugins.service.models import ServiceRequest
from plugins.service.seed import ensure_defaults

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def seeded(app):
    """Tables are emptied after each test; put the migrations' dictionary, targets and working week back."""
    with app.app_context():
        basedata.seed_dictionary()
        ensure_defaults(db.session.connection())
        db.session.commit()


@pytest.fixture
def add_customer(app):
    """Put a customer straight into the database; returns its id."""

    def add(manager_id=None, name="北京华信科技有限公司"):
        with app.app_context():
            customer = Customer(number=f"KH20260101{next(_numbers):05d}", name=name, manager_id=manager_id,
                                region="beijing")
            db.session.add(customer)
            db.session.commit()
            return customer.id

    return add


@pytest.fixture
def add_request(app):
    """Put a service request straight into the database (clocks started at ``at``); returns its id."""

    def add(customer_id, status="new", created_by_id=None, assignee_id=None, priority="normal",
            summary="打印机无法连接", type="consultation", at=None, **fields):
        states = {name: fields.pop(name) for name in ("response_state", "resolution_state") if name in fields}
        with app.app_context():
            at = at or sla.now()
            request = ServiceRequest(customer_id=customer_id, status=status, created_by_id=created_by_id,
                                     assignee_id=assignee_id, priority=priority, summary=summary, type=type,
                                     text=fields.pop("text", "客户来电：打印机无法连接网络。"), created_at=at, **fields)
            sla.start_clocks(request, at)
            for name in ("response_state", "resolution_state"):  # as the flow or the scan left them
                if name in states:
                    setattr(request, name, states[name])
            db.session.add(request)
            db.session.commit()
            return request.id

    return add


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the SLA clock at a given naive-UTC time: ``frozen(datetime(...))``; call again to move it."""

    def freeze(at: datetime):
        monkeypatch.setattr(sla, "now", lambda: at)
        return at

    return freeze


@pytest.fixture
def load(app):
    """The request as stored now (detached), or None."""

    def get(request_id) -> ServiceRequest | None:
        with app.app_context():
            request = db.session.get(ServiceRequest, request_id)
            if request is not None:
                db.session.expunge(request)
            return request

    return get
