"""How many customers (not deleted) each account manager has per level, credit and satisfaction.

The composition report counted every customer on each request (a million at a million customers:
200-370 ms for whoever sees them all). ``customers_composition`` holds one row per combination of
manager, level, credit and satisfaction that customers have (a few thousand at most), kept in the
same transaction as every write: through the ORM by ``core.api.Summary``'s flush hooks, by the
importer for the rows it inserts (``add_imported``). Counting by one dimension reads these rows,
everyone's or one manager's.
"""
from __future__ import annotations

from sqlalchemy import Integer, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Summary, code_string, db

from plugins.customers.models import STATUS_DELETED, Customer
from plugins.customers.order_summary import NOBODY

DIMENSIONS = ("level", "credit", "satisfaction")


class CustomerComposition(db.Model):
    """The number of one account manager's customers (NOBODY: without one) with one level, credit and
    satisfaction."""

    __tablename__ = "customers_composition"

    manager_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(code_string(40), primary_key=True)
    credit: Mapped[str] = mapped_column(code_string(40), primary_key=True)
    satisfaction: Mapped[str] = mapped_column(code_string(40), primary_key=True)
    customers: Mapped[int] = mapped_column(Integer)

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": the counts of a user's customers."""
        return cls.manager_id == user_id


COMPOSITION = Summary(
    CustomerComposition, Customer,
    keys={"manager_id": func.coalesce(Customer.manager_id, literal_column(str(NOBODY))),
          **{name: getattr(Customer, name) for name in DIMENSIONS}},
    measures={"customers": literal_column("1")}, count="customers",
    where=(Customer.status != STATUS_DELETED,))


def add_imported(*where) -> None:
    """Count the customers an import inserted (``where`` selects them) in the same transaction."""
    connection = db.session.connection()
    COMPOSITION.apply(connection, COMPOSITION.totals(connection, *where))


def rebuild() -> None:
    """Recount every customer (customers written by statements: the bench's generator). The caller commits."""
    COMPOSITION.rebuild(db.session.connection())
