"""Notifications the service plugin sends: a request assigned to you, an SLA target at risk or breached."""
from __future__ import annotations

from core.api import N_, User, current_actor_id, db, link_to, notify, users_holding

from plugins.service.sla import RESPONSE

ASSIGNERS = "service.request.assign"


def on_event(name: str, payload: dict) -> None:
    if name == "service.request_assigned":
        request_assigned(payload)
    elif name in ("service.sla_at_risk", "service.sla_breached"):
        sla_changed(payload, breached=name == "service.sla_breached")
    else:
        return
    db.session.commit()


def _link(payload: dict) -> str:
    return link_to("service.request_detail", request_id=payload["id"])


def request_assigned(payload: dict) -> None:
    """Tell the assignee, unless they assigned it to themselves."""
    assignee_id = payload.get("assignee_id")
    if assignee_id is None or assignee_id == current_actor_id():
        return
    notify([assignee_id], N_("Service request #%(id)s was assigned to you: %(summary)s"), _link(payload),
           id=payload["id"], summary=payload.get("summary") or "")


def sla_changed(payload: dict, breached: bool) -> None:
    """At risk: the assignee is told (or, while nobody is assigned, those who assign). Breached: both.
    Each person hears of each request, target and state once."""
    assignee_id = payload.get("assignee_id")
    recipients = {assignee_id} if assignee_id is not None else set()
    if breached or assignee_id is None:
        recipients |= set(db.session.scalars(users_holding(ASSIGNERS).with_only_columns(User.id)))
    response = payload.get("target") == RESPONSE
    if breached:
        message = (N_("Service request #%(id)s missed its response target: %(summary)s") if response
                   else N_("Service request #%(id)s missed its resolution target: %(summary)s"))
    else:
        message = (N_("Service request #%(id)s is close to its response target: %(summary)s") if response
                   else N_("Service request #%(id)s is close to its resolution target: %(summary)s"))
    state = "breached" if breached else "at_risk"
    notify(recipients, message, _link(payload), key=f"service-sla-{payload['id']}-{payload.get('target')}-{state}",
           id=payload["id"], summary=payload.get("summary") or "")
