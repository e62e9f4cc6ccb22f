"""Domain events, delivered to ``on_event`` hooks after the transaction commits, and changes
propagated to ``on_change`` hooks inside it."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import db

_PENDING = "crm_pending_events"


def emit(name: str, payload: dict) -> None:
    """Queue event ``name``; plugins see it once ``db.session`` commits, never if it rolls back."""
    db.session.info.setdefault(_PENDING, []).append((name, payload))


def propagate(name: str, payload: dict) -> None:
    """Announce change ``name`` now, inside the caller's transaction, to the ``on_change`` hooks of
    plugins that keep a copy of what changed; their writes commit or roll back with the caller's.
    ``emit`` is for whatever may happen after the commit (a notification, an e-mail)."""
    current_app.extensions["crm"].pm.hook.on_change(name=name, payload=payload)


def deliver_pending(session) -> None:
    pending = session.info.pop(_PENDING, [])
    for name, payload in pending:
        current_app.extensions["crm"].pm.hook.on_event(name=name, payload=payload)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction):
    session.info.pop(_PENDING, None)
