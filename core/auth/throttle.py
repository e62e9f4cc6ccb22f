"""Login rate limiting, kept in the database so every app server shares it."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.models import utcnow


class LoginFailure(db.Model):
    __tablename__ = "core_login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["CRM_LOGIN_WINDOW_MINUTES"])


def retry_after(username: str, address: str) -> int | None:
    """Minutes until this account or address may try again, or None if it may try now."""
    config = current_app.config
    since = utcnow() - _window()
    blocked_until = None
    for column, value, limit in (
        (LoginFailure.username, username.lower(), config["CRM_LOGIN_MAX_FAILURES"]),
        (LoginFailure.address, address, config["CRM_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(column == value, LoginFailure.at > since)
        ).one()
        if count >= limit:
            until = oldest + _window()
            blocked_until = max(blocked_until or until, until)
    if blocked_until is None:
        return None
    return max(1, int((blocked_until - utcnow()).total_seconds() // 60) + 1)


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=username.lower()[:64], address=address[:64]))
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - 4 * _window()))
    db.session.commit()


def clear_failures(username: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
