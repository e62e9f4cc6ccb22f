"""Users: list, create, edit, deactivate, reset password, assign roles."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from core.admin import blueprint, grants
from core.admin.forms import STALE_MESSAGE, PasswordResetForm, UserCreateForm, UserFilterForm, UserForm
from core.admin.lockout import LOCKOUT_MESSAGE, commit_unless_locked_out
from core.auth import logins
from core.db import db
from core.i18n import _
from core.listing import id_or_none, list_page
from core.models import is_stale, utcnow
from core.rbac.access import require_permission
from core.rbac.models import Role, User
from core.rbac.seed import role_label

SORTS = {"username": User.username, "created": User.id}


def _all_roles() -> list[Role]:
    return list(db.session.scalars(select(Role).order_by(Role.name)))


def _role_choices() -> list[tuple[int, str]]:
    return [(role.id, role_label(role)) for role in _all_roles()]


def _filtered(form: UserFilterForm):
    stmt = select(User).options(selectinload(User.roles))  # the list shows each user's roles
    if form.q.data and not form.q.errors:
        text = form.q.data.lower()
        stmt = stmt.where(or_(func.lower(User.username).contains(text, autoescape=True),
                              func.lower(User.display_name).contains(text, autoescape=True)))
    if id_or_none(form.role.data) is not None:
        stmt = stmt.where(User.roles.any(Role.id == id_or_none(form.role.data)))
    if form.active.data in ("0", "1"):
        stmt = stmt.where(User.active.is_(form.active.data == "1"))
    return stmt


@blueprint.route("/users")
@require_permission("core.user.manage")
def users():
    form = UserFilterForm(request.args)
    form.role.choices = [("", _("Any"))] + [(str(value), label) for value, label in _role_choices()]
    form.validate()
    header = [_("Login name"), _("Display name"), _("Email"), _("Roles"), _("Status")]
    return list_page(_filtered(form), SORTS, "username", User.id, template="core/users.html",
                     export=("users.csv", header, _csv_row), form=form, role_label=role_label,
                     may_manage=grants.may_manage)


def _csv_row(u: User) -> tuple:
    return (u.username, u.display_name, u.email, ", ".join(role_label(r) for r in u.roles),
            _("Active") if u.active else _("Inactive"))


def _chosen_roles(form: UserForm) -> list[Role]:
    return [role for role in _all_roles() if role.id in set(form.roles.data or ())]


def _refuse_escalation(form: UserForm, user: User) -> bool:
    """Put a message on the roles field if the change would give more than the current user holds."""
    chosen = _chosen_roles(form)
    if user.id is not None and user.id == current_user.id:
        if {r.id for r in chosen} != {r.id for r in user.roles}:
            form.roles.errors.append(grants.OWN_ROLES)
    else:
        current = {r.id for r in user.roles}
        for role in chosen:
            if role.id not in current and not grants.may_give_role(role):
                form.roles.errors.append(grants.ROLE_NOT_HELD % {"name": role_label(role)})
    return bool(form.roles.errors)


def _apply(form: UserForm, user: User) -> None:
    """Copy the form into ``user``; a change of roles alone still bumps the version."""
    roles = _chosen_roles(form)
    if {r.id for r in roles} != {r.id for r in user.roles}:
        user.roles = roles
        user.updated_at = utcnow()
    user.username = form.username.data
    user.display_name = form.display_name.data
    user.email = form.email.data or None
    if user.active and not form.active.data:
        logins.end_all(user.id)
    user.active = form.active.data


@blueprint.route("/users/new", methods=["GET", "POST"])
@require_permission("core.user.manage")
def user_new():
    form = UserCreateForm()
    form.roles.choices = _role_choices()
    if form.validate_on_submit() and not _refuse_escalation(form, User()):
        user = User()
        _apply(form, user)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        flash(_("User %(name)s was created.", name=user.display_name), "success")
        return redirect(url_for("admin.users"))
    return render_template("core/user_form.html", form=form, user=None)


def _get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _manageable(user_id: int) -> User | None:
    """The user, if the current user holds everything they hold; otherwise None and a message."""
    user = _get_user(user_id)
    if grants.may_manage(user):
        return user
    flash(grants.OUTRANKS % {"name": user.display_name}, "danger")
    return None


@blueprint.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require_permission("core.user.manage")
def user_edit(user_id: int):
    user = _manageable(user_id)
    if user is None:
        return redirect(url_for("admin.users"))
    form = UserForm(obj=user, user_id=user.id)
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.roles.data = [role.id for role in user.roles]
    if form.validate_on_submit():
        if is_stale(user, form.version.data):
            form.form_errors.append(STALE_MESSAGE)
        elif user.id == current_user.id and not form.active.data:
            form.active.errors.append(_("You cannot deactivate your own account."))
        elif not _refuse_escalation(form, user):
            _apply(form, user)
            if commit_unless_locked_out():
                flash(_("User %(name)s was saved.", name=user.display_name), "success")
                return redirect(url_for("admin.users"))
            form.form_errors.append(LOCKOUT_MESSAGE)
    return render_template("core/user_form.html", form=form, user=user)


def _set_active(user_id: int, active: bool):
    user = _manageable(user_id)
    if user is None:
        pass
    elif not active and user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "danger")
    elif user.active != active:
        user.active = active
        if not active:
            logins.end_all(user.id)
        if not commit_unless_locked_out():
            flash(LOCKOUT_MESSAGE, "danger")
        else:
            flash(_("User %(name)s was activated.", name=user.display_name) if active
                  else _("User %(name)s was deactivated.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@blueprint.route("/users/<int:user_id>/deactivate", methods=["POST"])
@require_permission("core.user.manage")
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@blueprint.route("/users/<int:user_id>/activate", methods=["POST"])
@require_permission("core.user.manage")
def user_activate(user_id: int):
    return _set_active(user_id, True)


@blueprint.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@require_permission("core.user.manage")
def user_password(user_id: int):
    user = _manageable(user_id)
    if user is None:
        return redirect(url_for("admin.users"))
    form = PasswordResetForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        # Logged out everywhere; resetting one's own password keeps this login.
        logins.end_all(user.id, keep_token=current_user.login_token if user.id == current_user.id else None)
        db.session.commit()
        flash(_("The password of %(name)s was reset; they were logged out everywhere.", name=user.display_name),
              "success")
        return redirect(url_for("admin.users"))
    return render_template("core/user_password.html", form=form, user=user)
