"""The last administrator cannot lock everybody out of user and role management."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.i18n import lazy_gettext as _l
from core.rbac.access import holder_ids
from core.rbac.models import User

ADMIN_PERMISSIONS = ("core.user.manage", "core.role.manage")

LOCKOUT_MESSAGE = _l(
    "Refused: after this change no active user could manage users and roles. "
    "Give another active user both permissions first."
)


def administrators_remain() -> bool:
    """After the session's pending changes, does an active user still hold every admin permission?

    Call it before committing; on False, roll the session back.
    """
    db.session.flush()
    stmt = select(User.id).where(User.active.is_(True), *(User.id.in_(holder_ids(code)) for code in ADMIN_PERMISSIONS))
    return db.session.scalar(stmt.limit(1)) is not None


def commit_unless_locked_out() -> bool:
    """Commit the session's changes, or roll them back and return False if they lock everybody out."""
    if administrators_remain():
        db.session.commit()
        return True
    db.session.rollback()
    return False
