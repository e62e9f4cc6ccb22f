"""Fixtures of the marketing tests: seeded dictionary, stages and lost reasons; opportunities by form or directly."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.api import db
from plugins.basedata import services as basedata
from plugins.marketing.models import Opportunity, Stage
from plugins.marketing.seed import ensure_defaults


@pytest.fixture(autouse=True)
def seeded(app):
    """Tables are emptied after each test; put the migrations' dictionary, stages and lost reasons back."""
    with app.app_context():
        basedata.seed_dictionary()
        ensure_defaults(db.session.connection())
        db.session.commit()


@pytest.fixture
def stage_ids(app):
    """The seeded stages' ids in pipeline order."""
    with app.app_context():
        return list(db.session.scalars(select(Stage.id).order_by(Stage.sort_order)))


@pytest.fixture
def opportunity_form():
    return valid_opportunity_form


def valid_opportunity_form(**changes) -> dict:
    """A valid new-opportunity form (what the browser posts)."""
    data = {"customer_name": "上海宏达贸易有限公司", "customer_id": "", "source": "exhibition", "probability": "20",
            "summary": "采购 200 台笔记本电脑", "contact": "王伟", "contact_phone": "021-66668888",
            "description": "展会上认识，年底前采购。", "amount": "1600000.00", "close_date": "2027-03-31"}
    data.update(changes)
    return data


@pytest.fixture
def add_opportunity(app):
    """Put an opportunity straight into the database; returns its id."""

    def add(status="unassigned", stage_id=None, assignee_id=None, created_by_id=None, amount="1000.00",
            probability=10, customer_name="北京华信科技有限公司", **fields):
        with app.app_context():
            opportunity = Opportunity(status=status, stage_id=stage_id, assignee_id=assignee_id,
                                      created_by_id=created_by_id, amount=Decimal(amount) if amount else None,
                                      probability=probability, customer_name=customer_name,
                                      summary=fields.pop("summary", "采购服务器"), description="需求明确",
                                      close_date=fields.pop("close_date", date(2027, 1, 15)), **fields)
            db.session.add(opportunity)
            db.session.commit()
            return opportunity.id

    return add
