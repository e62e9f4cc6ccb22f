"""One row per login: logging out, a new password or deactivation ends it on the server.

The session cookie and the "keep me logged in" cookie carry only the login's
random token (Flask-Login's user id); the database keeps its SHA-256, the user
and when the login ends. A replayed cookie of a login that was ended or has
expired finds no row and logs nobody in.
"""
from __future__ import annotations

import hashlib
import secrets
from functools import cache
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ForeignKey, String, bindparam, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.models import utcnow


class Login(db.Model):
    __tablename__ = "core_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(remember: bool) -> timedelta:
    """How long a login lasts: CRM_REMEMBER_DAYS with "keep me logged in", else CRM_SESSION_HOURS."""
    config = current_app.config
    return timedelta(days=config["CRM_REMEMBER_DAYS"]) if remember else timedelta(hours=config["CRM_SESSION_HOURS"])


def start(user_id: int, remember: bool) -> str:
    """A new login of ``user_id``; returns its token (the caller commits). Expired logins are swept."""
    now = utcnow()
    db.session.execute(delete(Login).where(Login.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.session.add(Login(user_id=user_id, token_hash=_hash(token), remember=remember,
                         created_at=now, expires_at=now + lifetime(remember)))
    return token


def user_of(token: str):
    """The user of the unexpired login with this token (one statement: every request asks), or None.

    Its roles load only when asked for: permissions come from the cached roles (core.rbac.access)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(_user_of_statement(), {"token_hash": _hash(token), "now": utcnow()})


@cache
def _user_of_statement():
    """Built once: building the statement cost a third of asking it on every request."""
    from core.rbac.models import User

    return (select(User).join(Login, Login.user_id == User.id)
            .where(Login.token_hash == bindparam("token_hash"), Login.expires_at > bindparam("now")))


def end(token: str | None) -> None:
    """End the login with this token (logging out); the caller commits."""
    if token:
        db.session.execute(delete(Login).where(Login.token_hash == _hash(token)))


def end_all(user_id: int, keep_token: str | None = None) -> None:
    """End every login of the user but ``keep_token``'s (new password, deactivation); the caller commits."""
    stmt = delete(Login).where(Login.user_id == user_id)
    if keep_token:
        stmt = stmt.where(Login.token_hash != _hash(keep_token))
    db.session.execute(stmt)
