"""Possible duplicate customers: the same name (normalised) or the same phone number.

Each customer stores the keys it is compared by (``name_key``, ``phone_key``,
see normalise.py; indexed, kept up to date by the model), so looking a name up
among a million customers reads the index, never the table.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from core.api import db, scoped, sees_all

from plugins.customers.models import STATUS_DELETED, Customer
from plugins.customers.normalise import name_key, phone_key


@dataclass
class Duplicates:
    """Customers that may be the same as a new one: those the user may see, and a count of the others."""

    visible: list[Customer]
    hidden: int

    def __bool__(self) -> bool:
        return bool(self.visible or self.hidden)


def _matching(name: str, phone: str):
    conditions = [Customer.name_key == name_key(name)]
    if phone_key(phone):
        conditions.append(Customer.phone_key == phone_key(phone))
    return select(Customer).where(or_(*conditions), Customer.status != STATUS_DELETED)


def find_duplicates(name: str, phone: str = "", limit: int = 10) -> Duplicates:
    """Customers whose name or phone matches: the first ``limit`` the current user may see, and how
    many others exist (counted up to 50) without saying anything else about them."""
    stmt = _matching(name, phone)
    # No ORDER BY: with one, a planner may walk the primary key instead of the two small index lookups.
    visible = sorted(db.session.scalars(scoped(stmt, Customer).options(joinedload(Customer.manager)).limit(limit)),
                     key=lambda customer: customer.id)
    if sees_all():
        return Duplicates(visible, 0)
    return Duplicates(visible, max(_count(stmt) - _count(scoped(stmt, Customer)), 0))


def _count(stmt, most: int = 50) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Customer.id).limit(most)
                                                               .subquery()))


def confirmation_key(name: str, phone: str) -> str:
    """What a user confirmed when creating a customer despite duplicates: the keys that were checked."""
    return f"{name_key(name)}|{phone_key(phone)}"


@dataclass(frozen=True)
class Match:
    id: int
    number: str
    name: str
    manager_id: int | None


def existing_matches(column, keys, batch: int = 1000) -> dict[str, Match]:
    """``{key: a customer whose column (Customer.name_key or .phone_key) holds it}`` in batched IN lookups."""
    keys = [key for key in set(keys) if key]
    found = {}
    for start in range(0, len(keys), batch):
        rows = db.session.execute(
            select(column, Customer.id, Customer.number, Customer.name, Customer.manager_id)
            .where(column.in_(keys[start:start + batch]), Customer.status != STATUS_DELETED))
        for key, *match in rows:
            found.setdefault(key, Match(*match))
    return found


def last_customer_id() -> int:
    """The newest customer's id: customers past it were added since (e.g. by the running import)."""
    return db.session.scalar(select(func.max(Customer.id))) or 0
