"""Who may do what: Flask-Principal needs, the view guard and data scope."""
from __future__ import annotations

from functools import partial, wraps

from flask import abort, current_app, g
from flask_login import current_user
from flask_principal import (
    AnonymousIdentity, Identity, Need, Permission as PrincipalPermission, Principal,
    RoleNeed, UserNeed, identity_loaded,
)

from core.rbac.models import SCOPE_ALL

PermissionNeed = partial(Need, "permission")

principal = Principal(use_sessions=False, skip_static=True)


@principal.identity_loader
def _load_identity():
    if current_user.is_authenticated:
        return Identity(current_user.id, "login")
    return AnonymousIdentity()


@identity_loaded.connect
def _add_needs(sender, identity):
    if not current_user.is_authenticated or identity.id != current_user.id:
        return
    identity.user = current_user
    identity.provides.add(UserNeed(current_user.id))
    registered = current_app.extensions["crm"].permissions
    for role in current_user.roles:
        # Default roles by key; a custom role by id, so no name can pass for a default role.
        identity.provides.add(RoleNeed(role.key or f"role-{role.id}"))
    # Codes of disabled plugins stay stored on roles but grant nothing.
    for code in current_user.permissions & registered.keys():
        identity.provides.add(PermissionNeed(code))


def can(code: str) -> bool:
    """Does the current user hold permission ``code``?"""
    identity = getattr(g, "identity", None)
    return identity is not None and PrincipalPermission(PermissionNeed(code)).allows(identity)


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
    return current_user.is_authenticated and current_user.data_scope == SCOPE_ALL


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
    ("assigned to", list filters); one query."""
    from core.db import db
    from core.rbac.models import User

    users = db.session.execute(users_holding(code).with_only_columns(User.id, User.display_name)
                               .order_by(User.display_name, User.id))
    return [(str(id_), name) for id_, name in users]
