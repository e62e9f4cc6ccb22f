"""An in-app notification: one row per recipient, its text stored as a message id and parameters.

The text is translated when it is shown (or mailed), in the recipient's
language, so one notification reads well in English and in Chinese.
"""
from __future__ import annotations

import json
from datetime import datetime

from core.i18n import gettext
from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.models import utcnow


class Notification(db.Model):
    __tablename__ = "core_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(300))  # an English message id, translated when shown
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the message's %(name)s values
    link: Mapped[str] = mapped_column(String(500), default="")  # a path on this host, or ""
    # Set for notifications that must not repeat (a follow-up due today): one per user and key.
    key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # A user's list, newest first, and the bell's unread count read these indexes only.
        Index("ix_core_notification_user_id_id", "user_id", "id"),
        Index("ix_core_notification_user_id_read_at", "user_id", "read_at"),
        UniqueConstraint("user_id", "key"),
    )

    @property
    def values(self) -> dict:
        try:
            values = json.loads(self.params or "{}")
        except ValueError:
            return {}
        return values if isinstance(values, dict) else {}

    @property
    def text(self) -> str:
        """The message in the current language (the request's, or the one a mail is forced to)."""
        try:
            return gettext(self.message, **self.values)
        except (KeyError, TypeError, ValueError):  # a translation that names other parameters
            return self.message

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
