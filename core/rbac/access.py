"""Who may do what: Flask-Principal needs, the view guard and data scope."""
from __future__ import annotations

from functools import partial, wraps

from flask import abort, current_app, g
from flask_login import current_user
from flask_principal import (
    AnonymousIdentity, Identity, Need, Principal,
    RoleNeed, UserNeed, identity_loaded,
)

from core.cache import stable
from core.rbac.models import SCOPE_ALL, SCOPE_OWN

PermissionNeed = partial(Need, "permission")

principal = Principal(use_sessions=False, skip_static=True)


@principal.identity_loader
def _load_identity():
    if current_user.is_authenticated:
        return Identity(current_user.id, "login")
    return AnonymousIdentity()


def _load_roles() -> dict:
    """Every role (key, scope, permission codes) and every user's roles: a few rows per user,
    cached between requests (core.cache) and loaded again when a role or a user changes."""
    from sqlalchemy import select

    from core.db import db
    from core.rbac.models import Role, RolePermission, User, user_roles

    codes: dict[int, set[str]] = {}
    for role_id, code in db.session.execute(select(RolePermission.role_id, RolePermission.code)):
        codes.setdefault(role_id, set()).add(code)
    roles = {role_id: (key, scope, frozenset(codes.get(role_id, ())))
             for role_id, key, scope in db.session.execute(select(Role.id, Role.key, Role.data_scope))}
    members: dict[int, list[int]] = {}
    for user_id, role_id in db.session.execute(select(user_roles.c.user_id, user_roles.c.role_id)):
        members.setdefault(user_id, []).append(role_id)
    users = {user_id: (name or username, active) for user_id, name, username, active in
             db.session.execute(select(User.id, User.display_name, User.username, User.active))}
    return {"roles": roles, "members": members, "users": users}


def _roles() -> dict:
    return stable("core.roles", _load_roles)


def _grants_of(user_id: int) -> tuple[str, frozenset[str], list[str]]:
    """(data scope, permission codes, role needs) of a user, from the cached roles."""
    cached = _roles()
    held = [(role_id, cached["roles"][role_id]) for role_id in cached["members"].get(user_id, ())
            if role_id in cached["roles"]]
    scope = SCOPE_ALL if any(scope == SCOPE_ALL for _id, (_key, scope, _codes) in held) else SCOPE_OWN
    codes = frozenset().union(*(codes for _id, (_key, _scope, codes) in held))
    return scope, codes, [key or f"role-{role_id}" for role_id, (key, _scope, _codes) in held]


@identity_loaded.connect
def _add_needs(sender, identity):
    if not current_user.is_authenticated or identity.id != current_user.id:
        return
    identity.user = current_user
    identity.provides.add(UserNeed(current_user.id))
    registered = current_app.extensions["crm"].permissions
    _scope, codes, needs = _grants_of(current_user.id)
    # Default roles by key; a custom role by id, so no name can pass for a default role.
    identity.provides.update(RoleNeed(need) for need in needs)
    # Codes of disabled plugins stay stored on roles but grant nothing.
    identity.provides.update(PermissionNeed(code) for code in codes & registered.keys())


def can(code: str) -> bool:
    """Does the current user hold permission ``code``?

    What ``Permission(need).allows(identity)`` answers for one need, without building a
    Permission per call (pages ask a few dozen times)."""
    identity = getattr(g, "identity", None)
    return identity is not None and PermissionNeed(code) in identity.provides


def require_permission(*codes: str):
    """Guard a view: anonymous users go to login, users lacking any of ``codes`` get 403."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not all(can(code) for code in codes):
                abort(403)
            return view(*args, **kwargs)

        guarded.required_permissions = codes
        return guarded

    return decorator


def public_view(reason: str):
    """Mark a view as open to anyone, without login or permission, e.g. a page reached through a signed
    link whose token is the authorisation. ``reason`` says why; the route-guard test lists these views."""

    def decorator(view):
        view.public_reason = reason
        return view

    return decorator


def sees_all() -> bool:
    return current_user.is_authenticated and _grants_of(current_user.id)[0] == SCOPE_ALL


def user_names() -> dict[int, str]:
    """``{user id: display name}`` of every user, cached between requests: lists show the
    account manager's name from it instead of loading whole user objects per page."""
    return {user_id: name for user_id, (name, _active) in _roles()["users"].items()}


def holders_of(code: str) -> list[tuple[int, str]]:
    """``[(id, name)]`` by name of the active users whose roles grant ``code`` (cached; for choices)."""
    cached = _roles()
    granting = {role_id for role_id, (_key, _scope, codes) in cached["roles"].items() if code in codes}
    found = [(user_id, name) for user_id, (name, active) in cached["users"].items()
             if active and granting.intersection(cached["members"].get(user_id, ()))]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def scoped(query, model):
    """Narrow a ``select()`` (or legacy query) to the records the current user may see.

    Users whose roles all have scope ``own`` see only records the model's
    ``owned_by(user_id)`` clause selects (by default: records they created).
    """
    if sees_all():
        return query
    if not current_user.is_authenticated:
        return query.where(False)
    owned_by = getattr(model, "owned_by", None)
    clause = owned_by(current_user.id) if owned_by else model.created_by_id == current_user.id
    return query.where(clause)


def holder_ids(code: str):
    """A ``select`` of the ids of users (active or not) whose roles grant permission ``code``."""
    from sqlalchemy import select

    from core.rbac.models import RolePermission, user_roles

    return (select(user_roles.c.user_id)
            .join(RolePermission, RolePermission.role_id == user_roles.c.role_id)
            .where(RolePermission.code == code))


def users_holding(code: str):
    """A ``select(User)`` of the active users whose roles grant permission ``code``.

    For "assigned to" fields, e.g. account managers:
    ``db.session.scalars(users_holding("customers.customer.edit").order_by(User.display_name))``.
    """
    from sqlalchemy import select

    from core.rbac.models import User

    return select(User).where(User.active.is_(True), User.id.in_(holder_ids(code)))


def user_choices(code: str) -> list[tuple[str, str]]:
    """``[(id as text, display name)]`` of the active users holding ``code``, by name: for select fields
    ("assigned to", list filters); from the cached roles, no query."""
    return [(str(id_), name) for id_, name in holders_of(code)]
