"""Users and roles. Permissions are codes registered by the enabled plugins."""
from __future__ import annotations

from flask import current_app, url_for
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.cache import watch
from core.db import db
from core.i18n import lazy_gettext as _l
from core.models import BusinessRecord

SCOPE_OWN = "own"
SCOPE_ALL = "all"

user_roles = Table(
    "core_user_role",
    db.metadata,
    Column("user_id", ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model, BusinessRecord):
    __tablename__ = "core_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Default roles have a key (admin, sales_director, ...) so plugins can grant to them.
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    data_scope: Mapped[str] = mapped_column(String(8), default=SCOPE_OWN)
    grants: Mapped[list["RolePermission"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="role"
    )

    __audit_collections__ = ("grants",)
    __audit_label__ = _l("Role")
    __audit_fields__ = {"key": _l("Key"), "name": _l("Name"), "description": _l("Description"),
                        "data_scope": _l("Data scope"), "grants": _l("Permissions")}
    __audit_codes__ = {"data_scope": lambda: {SCOPE_OWN: _l("Own records only"), SCOPE_ALL: _l("All records")}}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("admin.role_edit", role_id=id_) for id_ in record_ids}

    @property
    def permissions(self) -> set[str]:
        return {grant.code for grant in self.grants}

    def __str__(self) -> str:
        return self.name

    def set_permissions(self, codes) -> None:
        wanted = set(codes)
        self.grants = [g for g in self.grants if g.code in wanted] + [
            RolePermission(code=code) for code in sorted(wanted - self.permissions)
        ]


class RolePermission(db.Model):
    __tablename__ = "core_role_permission"

    role_id: Mapped[int] = mapped_column(ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[Role] = relationship(back_populates="grants")

    def __str__(self) -> str:
        return self.code


class SeededGrant(db.Model):
    """A default grant already merged once, so an administrator's removal of it sticks."""

    __tablename__ = "core_seeded_grant"

    role_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(100), primary_key=True)


class User(db.Model, UserMixin, BusinessRecord):
    __tablename__ = "core_user"
    __audit_redact__ = frozenset({"password_hash"})
    # A language switch is a preference, not a change worth auditing.
    __audit_exclude__ = BusinessRecord.__audit_exclude__ | {"language"}
    __audit_collections__ = ("roles",)
    __audit_label__ = _l("User")
    __audit_fields__ = {"username": _l("Login name"), "display_name": _l("Display name"), "email": _l("Email"),
                        "password_hash": _l("Password"), "active": _l("Active"), "roles": _l("Roles")}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("admin.user_edit", user_id=id_) for id_ in record_ids}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(10))
    # Loaded only when asked for: access checks read the cached roles (core.rbac.access), and a
    # page showing a record's manager or assignee must not load that user's roles and grants.
    roles: Mapped[list[Role]] = relationship(secondary=user_roles)

    @property
    def is_active(self) -> bool:
        return self.active

    # The token of the login this request runs under (core.auth.logins): what the session
    # and remember cookies carry instead of the user's id.
    login_token = None

    def get_id(self) -> str | None:
        return self.login_token

    def set_password(self, password: str) -> None:
        """Set a new password; the caller ends the user's other logins (``core.auth.logins.end_all``)."""
        method = current_app.config.get("CRM_PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def permissions(self) -> set[str]:
        return set().union(*(role.permissions for role in self.roles)) if self.roles else set()

    @property
    def data_scope(self) -> str:
        return SCOPE_ALL if any(r.data_scope == SCOPE_ALL for r in self.roles) else SCOPE_OWN

    def __str__(self) -> str:
        return self.display_name or self.username


# Permissions, scopes, memberships and names are cached between requests (core.cache).
watch(Role, "core.roles")
watch(RolePermission, "core.roles")
watch(User, "core.roles")
