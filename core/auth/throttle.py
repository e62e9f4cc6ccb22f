"""Login throttling that slows a guesser down without locking the owner out.

Every attempt takes a turn on counters kept in the database (shared by every
app server) *before* the password is checked:

- the account-and-address pair: ``CRM_LOGIN_MAX_FAILURES`` free attempts;
- the account from any address: ``CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT``, much higher;
- the address for any account: ``CRM_LOGIN_MAX_FAILURES_PER_ADDRESS`` (password spraying);
- a browser that has logged in to this account before (a signed "trusted
  device" cookie, see ``core.auth.device``) counts only on its own counter
  with the pair's limit, so guessers elsewhere, or behind the same office NAT,
  never hold its owner back.

Past its free attempts a counter grants one attempt per delay, and the delay
doubles (1, 2, 4, 8 ... minutes, at most ``CRM_LOGIN_WINDOW_MINUTES``): there is
no hard lock. A counter is forgotten once it has been quiet for the window.
Taking a turn is one UPDATE per counter that only succeeds while the counter
is not holding back, so concurrent guesses get exactly the allowed number of
password checks.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, case, delete, func, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.models import utcnow

FIRST_DELAY = timedelta(minutes=1)


class LoginThrottle(db.Model):
    __tablename__ = "core_login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["CRM_LOGIN_WINDOW_MINUTES"])


def counters(username: str, address: str, device: str | None) -> list[tuple[str, int]]:
    """(key, free attempts) of the counters an attempt counts on, most specific first."""
    config = current_app.config
    user = username.lower()[:64]
    if device:
        return [(f"device:{device}|{user}", config["CRM_LOGIN_MAX_FAILURES"])]
    return [(f"pair:{user}|{address[:64]}", config["CRM_LOGIN_MAX_FAILURES"]),
            (f"account:{user}", config["CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
            (f"address:{address[:64]}", config["CRM_LOGIN_MAX_FAILURES_PER_ADDRESS"])]


def _insert_missing(key: str, now: datetime) -> None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(LoginThrottle).values(key=key, failures=0, last_at=now)
                       .on_conflict_do_nothing(index_elements=["key"]))


def _take(key: str, limit: int, now: datetime) -> bool:
    """Count one attempt on ``key`` unless the counter is holding back; True if the attempt may go ahead."""
    _insert_missing(key, now)
    t = LoginThrottle
    quiet = func.coalesce(t.blocked_until, t.last_at) < now - _window()
    count = case((quiet, 1), else_=t.failures + 1)
    cap = _window()
    delays = []
    for step in range(64):
        delay = FIRST_DELAY * 2 ** step
        if delay >= cap:
            break
        delays.append((count == limit + step, now + delay))
    blocked = case((count < limit, null()), *delays, else_=now + cap)
    stmt = (update(t).where(t.key == key, or_(t.blocked_until.is_(None), t.blocked_until <= now))
            .values(failures=count, last_at=now, blocked_until=blocked).returning(t.failures))
    return db.session.execute(stmt).first() is not None


def take_turn(username: str, address: str, device: str | None = None) -> int | None:
    """Count this attempt on its counters and commit; or, if one holds it back, the minutes to wait."""
    now = utcnow()
    for key, limit in counters(username, address, device):
        if not _take(key, limit, now):
            until = db.session.scalar(select(LoginThrottle.blocked_until).where(LoginThrottle.key == key))
            db.session.rollback()  # the attempt is not made: no counter keeps it
            return max(1, math.ceil((until - now).total_seconds() / 60))
    db.session.commit()
    return None


def forgive(username: str, address: str, device: str | None = None) -> None:
    """The password was right: its pair (or device) starts afresh and the wider counters take the attempt back.

    The caller commits.
    """
    t = LoginThrottle
    (first_key, _limit), *wider = counters(username, address, device)
    db.session.execute(delete(t).where(t.key == first_key))
    for key, limit in wider:
        db.session.execute(update(t).where(t.key == key, t.failures > 0).values(
            failures=t.failures - 1,
            blocked_until=case((t.failures - 1 < limit, null()), else_=t.blocked_until)))
    # Counters quiet for a whole window have nothing left to say.
    db.session.execute(delete(t).where(t.last_at < utcnow() - 2 * _window()))
