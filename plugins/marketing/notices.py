"""Notifications the marketing plugin sends: an opportunity assigned to you."""
from __future__ import annotations

from core.api import N_, current_actor_id, db, link_to, notify


def on_event(name: str, payload: dict) -> None:
    if name == "marketing.opportunity_assigned":
        opportunity_assigned(payload)


def opportunity_assigned(payload: dict) -> None:
    """Tell the assignee, unless they assigned it to themselves."""
    assignee_id = payload.get("assignee_id")
    if assignee_id is None or assignee_id == current_actor_id():
        return
    notify([assignee_id], N_("Sales opportunity for %(customer)s was assigned to you."),
           link_to("marketing.opportunity_detail", opportunity_id=payload["id"]),
           customer=payload.get("customer_name") or "")
    db.session.commit()
