"""The copy of each request's customer's account manager (``ServiceRequest.customer_manager_id``),
kept in step with the customers plugin: when a customer changes hands, their requests move from the
old manager's lists to the new one's in the same transaction."""
from __future__ import annotations

from sqlalchemy import update

from core.api import db

from plugins.service.models import ServiceRequest


def on_change(name: str, payload: dict) -> None:
    if name == "customers.manager_changed":
        follow_manager(payload["customer_ids"], payload["manager_id"])


def follow_manager(customer_ids: list[int], manager_id: int | None) -> None:
    """Their requests now belong to the customers' new manager. At table level: the copy is no change a
    user made (no audit entry, no new version that would make an open form stale)."""
    if not customer_ids:
        return
    table = ServiceRequest.__table__
    db.session.execute(update(table).where(table.c.customer_id.in_(customer_ids))
                       .values(customer_manager_id=manager_id))
