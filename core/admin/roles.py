"""Roles: data scope and permissions ticked per plugin."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import delete, func, select

from core.admin import blueprint, grants
from core.admin.forms import STALE_MESSAGE, RoleForm
from core.admin.lockout import LOCKOUT_MESSAGE, commit_unless_locked_out
from core.db import db
from core.i18n import _
from core.listing import paginate
from core.models import is_stale, utcnow
from core.rbac.access import require_permission
from core.rbac.models import Role, user_roles
from core.rbac.seed import role_description, role_label

SORTS = {"name": Role.name}


def permission_groups() -> list[tuple[str, list]]:
    """(plugin title, its permissions) for every enabled plugin that registers some, core first."""
    host = current_app.extensions["crm"]
    groups = []
    for info in host.enabled:
        perms = [perm for perm in host.permissions.values() if perm.plugin == info.name]
        if perms:
            groups.append((info.title, perms))
    return groups


@blueprint.route("/roles")
@require_permission("core.role.manage")
def roles():
    page = paginate(select(Role), SORTS, "name", Role.id)
    ids = [role.id for role in page.items]
    members = dict(db.session.execute(
        select(user_roles.c.role_id, func.count()).where(user_roles.c.role_id.in_(ids)).group_by(user_roles.c.role_id)
    ).all())
    known = current_app.extensions["crm"].permissions.keys()
    return render_template("core/roles.html", page=page, members=members, known=known, role_label=role_label,
                           role_description=role_description)


def _form(role: Role | None) -> RoleForm:
    form = RoleForm(obj=role, role_id=role.id if role else None)
    form.permissions.choices = [(perm.code, perm.label) for _title, perms in permission_groups() for perm in perms]
    return form


def _wanted(form: RoleForm, role: Role) -> set[str]:
    """The codes the role gets. Codes of disabled plugins are not on the form, and codes the
    current user does not hold cannot be unticked by them: both are kept."""
    hidden = role.permissions - current_app.extensions["crm"].permissions.keys()
    untouchable = role.permissions - grants.held()
    return set(form.permissions.data or ()) | hidden | untouchable


def _refuse_escalation(form: RoleForm, role: Role) -> bool:
    """Put a message on the form if it grants what the current user does not hold."""
    not_held = grants.ungrantable(_wanted(form, role) - role.permissions)
    if not_held:
        form.permissions.errors.append(grants.NOT_HELD % {"codes": ", ".join(not_held)[:300]})
    if form.data_scope.data != role.data_scope and not grants.may_give_scope(form.data_scope.data):
        form.data_scope.errors.append(grants.SCOPE_NOT_HELD)
    return bool(form.permissions.errors or form.data_scope.errors)


def _apply(form: RoleForm, role: Role) -> None:
    """Copy the form into ``role``."""
    wanted = _wanted(form, role)
    if wanted != role.permissions:
        role.set_permissions(wanted)
        role.updated_at = utcnow()  # a change of permissions alone still bumps the version
    role.name = form.name.data
    role.description = form.description.data or ""
    role.data_scope = form.data_scope.data


def _render(form: RoleForm, role: Role | None):
    return render_template("core/role_form.html", form=form, role=role, groups=permission_groups(),
                           role_label=role_label, role_description=role_description, held=grants.held(),
                           limited=bool(grants.ungrantable(code for code, _label in form.permissions.choices)))


@blueprint.route("/roles/new", methods=["GET", "POST"])
@require_permission("core.role.manage")
def role_new():
    form = _form(None)
    if form.validate_on_submit() and not _refuse_escalation(form, Role(data_scope=None)):
        role = Role()
        _apply(form, role)
        db.session.add(role)
        db.session.commit()
        flash(_("Role %(name)s was created.", name=role.name), "success")
        return redirect(url_for("admin.roles"))
    return _render(form, None)


def _get_role(role_id: int) -> Role:
    return db.session.get(Role, role_id) or abort(404)


@blueprint.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require_permission("core.role.manage")
def role_edit(role_id: int):
    role = _get_role(role_id)
    form = _form(role)
    if form.validate_on_submit():
        if is_stale(role, form.version.data):
            form.form_errors.append(STALE_MESSAGE)
        elif not _refuse_escalation(form, role):
            _apply(form, role)
            if commit_unless_locked_out():
                flash(_("Role %(name)s was saved.", name=role_label(role)), "success")
                return redirect(url_for("admin.roles"))
            form.form_errors.append(LOCKOUT_MESSAGE)
    return _render(form, role)


@blueprint.route("/roles/<int:role_id>/delete", methods=["POST"])
@require_permission("core.role.manage")
def role_delete(role_id: int):
    role = _get_role(role_id)
    name = role_label(role)
    if role.key:
        flash(_("Default roles cannot be deleted; untick their permissions instead."), "danger")
        return redirect(url_for("admin.roles"))
    db.session.execute(delete(user_roles).where(user_roles.c.role_id == role.id))
    db.session.delete(role)
    if commit_unless_locked_out():
        flash(_("Role %(name)s was deleted.", name=name), "success")
    else:
        flash(LOCKOUT_MESSAGE, "danger")
    return redirect(url_for("admin.roles"))
