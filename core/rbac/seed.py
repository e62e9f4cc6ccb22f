"""Default roles and their grants, merged in by ``crm init`` without undoing an administrator's edits."""
from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.i18n import lazy_gettext as _l
from core.rbac.models import SCOPE_ALL, SCOPE_OWN, Role, SeededGrant

# key -> (English name, description, data scope). Names are translated on display.
DEFAULT_ROLES = {
    "admin": (_l("Administrator"), _l("Users, roles, permissions, base data, module settings"), SCOPE_ALL),
    "sales_director": (_l("Sales director"), _l("Assigns opportunities and service requests, reads all reports"), SCOPE_ALL),
    "account_manager": (_l("Account manager"), _l("Develops opportunities, maintains own customers, handles service"), SCOPE_OWN),
    "executive": (_l("Executive"), _l("Reads all reports and dashboards, read-only elsewhere"), SCOPE_ALL),
}


def role_label(role: Role) -> str:
    """A default role's translated name, unless an administrator renamed it."""
    default = DEFAULT_ROLES.get(role.key or "")
    if default and role.name == _english(default[0]):
        return str(default[0])
    return role.name


def role_description(role: Role) -> str:
    """A default role's translated description, unless an administrator changed it."""
    default = DEFAULT_ROLES.get(role.key or "")
    if default and role.description == _english(default[1]):
        return str(default[1])
    return role.description


def _english(lazy) -> str:
    return lazy._args[0] if getattr(lazy, "_args", None) else str(lazy)


def sync_default_roles(host) -> list[str]:
    """Create missing default roles and merge grants never merged before. Returns what changed."""
    changes = []
    seeded = {(s.role_key, s.code) for s in db.session.scalars(select(SeededGrant))}
    seeded_keys = {key for key, _code in seeded}
    for key, (name, description, scope) in DEFAULT_ROLES.items():
        role = db.session.scalar(select(Role).where(Role.key == key))
        if role is None:
            if key in seeded_keys:
                continue  # an administrator deleted it: leave it deleted
            role = Role(key=key, name=_english(name), description=_english(description), data_scope=scope)
            db.session.add(role)
            changes.append(f"created role {role.name}")
        new_codes = [code for code in host.default_grants.get(key, [])
                     if code in host.permissions and (key, code) not in seeded]
        if new_codes:
            role.set_permissions(role.permissions | set(new_codes))
            changes.append(f"granted {len(new_codes)} permissions to {role.name}")
        for code in new_codes:
            db.session.add(SeededGrant(role_key=key, code=code))
            seeded.add((key, code))
    db.session.commit()
    return changes
