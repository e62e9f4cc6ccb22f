"""Nobody hands out more than they hold: the rule against escalating through users and roles.

A user may grant only permission codes their own roles hold, make a role
"see all" only if they see all, manage (edit, reset the password of, activate
or deactivate) only users who hold nothing they lack, and never change their
own roles.
"""
from __future__ import annotations

from flask_login import current_user

from core.i18n import lazy_gettext as _l
from core.rbac.models import SCOPE_ALL, Role, User

NOT_HELD = _l("You cannot grant permissions you do not hold yourself: %(codes)s")
SCOPE_NOT_HELD = _l("Only a user who sees all records can give a role the scope “All records”.")
ROLE_NOT_HELD = _l("You cannot give the role %(name)s: it grants more than you hold yourself.")
OWN_ROLES = _l("You cannot change your own roles; ask another administrator.")
OUTRANKS = _l("%(name)s holds permissions you do not hold, so you cannot change this user.")


def held() -> set[str]:
    """The permission codes the current user's roles hold (of enabled plugins or not)."""
    return current_user.permissions


def ungrantable(codes) -> list[str]:
    """The codes among ``codes`` the current user does not hold, sorted."""
    return sorted(set(codes) - held())


def may_give_scope(scope: str) -> bool:
    return scope != SCOPE_ALL or current_user.data_scope == SCOPE_ALL


def may_give_role(role: Role) -> bool:
    return not ungrantable(role.permissions) and may_give_scope(role.data_scope)


def may_manage(user: User) -> bool:
    """Does ``user`` hold nothing the current user lacks (permissions and scope)?"""
    return user.permissions <= held() and may_give_scope(user.data_scope)
