"""``notify``: store in-app notifications (and have them mailed when SMTP is configured)."""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import func, select, update

from core.db import db
from core.events import emit
from core.models import utcnow
from core.notifications.links import checked_link
from core.notifications.models import Notification

CREATED_EVENT = "core.notifications_created"  # payload {"ids": [...]}: the mail goes out after commit
MAX_MESSAGE = 300
BELL_LIMIT = 5  # notifications the bell shows
COUNT_CAP = 99  # the bell says "99+" beyond this, without counting every unread row


def notify(user_ids: Iterable[int], message: str, link: str = "", *, key: str | None = None, **params) -> list[int]:
    """Notify each active user of ``user_ids``; returns the new notifications' ids.

    ``message`` is an English message id marked with ``N_`` so that it is
    extracted for translation, with ``%(name)s`` placeholders filled from
    ``params`` (plain values: text, numbers) when it is shown, in the reader's
    language. ``link`` is a path on this CRM (``url_for(...)`` or ``link_to``);
    a link to another host raises ValueError and nothing is stored. With ``key``,
    a user who already has a notification with that key gets no second one.
    Adds to ``db.session`` and flushes; the caller commits (a rollback drops the
    notifications and their e-mails).
    """
    link = checked_link(link)
    message = str(message)
    if not message or len(message) > MAX_MESSAGE:
        raise ValueError(f"A notification message has 1 to {MAX_MESSAGE} characters.")
    encoded = json.dumps(params, ensure_ascii=False, default=str)
    wanted = {int(user_id) for user_id in user_ids if user_id is not None}
    if not wanted:
        return []
    from core.rbac.models import User

    recipients = set(db.session.scalars(select(User.id).where(User.id.in_(wanted), User.active)))
    if key is not None:
        recipients -= set(db.session.scalars(select(Notification.user_id).where(
            Notification.user_id.in_(recipients), Notification.key == key)))
    rows = [Notification(user_id=user_id, message=message, params=encoded, link=link, key=key)
            for user_id in sorted(recipients)]
    if not rows:
        return []
    db.session.add_all(rows)
    db.session.flush()
    ids = [row.id for row in rows]
    emit(CREATED_EVENT, {"ids": ids})
    return ids


def own_notifications(user_id: int):
    """``select(Notification)`` of one user's notifications: nobody sees another's."""
    return select(Notification).where(Notification.user_id == user_id)


def unread_count(user_id: int) -> int:
    """Unread notifications, counted up to ``COUNT_CAP + 1`` (the index answers it)."""
    capped = (select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None))
              .limit(COUNT_CAP + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(capped))


def latest(user_id: int, limit: int = BELL_LIMIT) -> list[Notification]:
    return list(db.session.scalars(own_notifications(user_id).order_by(Notification.id.desc()).limit(limit)))


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user as read; returns how many."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    count = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    db.session.commit()
    return count
