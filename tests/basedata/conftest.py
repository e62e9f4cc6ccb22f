"""Fixtures of the basedata tests: the seeded dictionary and a table of another 'plugin' that uses it."""
import pytest
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.api import db, lazy_gettext as _l
from plugins.basedata import services


@pytest.fixture(autouse=True)
def seeded(app):
    """Tables are emptied after each test; put the migration's dictionary back."""
    with app.app_context():
        services.seed_dictionary()


class OtherBase(DeclarativeBase):
    """Models of a pretend plugin: kept out of the CRM's metadata so the schema checks ignore them."""


class OtherRecord(OtherBase):
    __tablename__ = "otherplugin_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str | None] = mapped_column(String(40))
    product_id: Mapped[int | None]  # an order line's product (a real plugin adds the foreign key)


services.register_usage(services.REGION, OtherRecord.region, _l("Other records"))
services.register_product_usage(OtherRecord.product_id, _l("Order lines"))


@pytest.fixture
def other_records(app):
    """The pretend plugin's table, created for one test; returns a function adding a row."""
    with app.app_context():
        OtherRecord.__table__.create(db.engine)

    def add(**values):
        with app.app_context():
            db.session.execute(OtherRecord.__table__.insert().values(**values))
            db.session.commit()

    yield add
    with app.app_context():
        OtherRecord.__table__.drop(db.engine)
        db.engine.dispose()
