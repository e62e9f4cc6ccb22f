"""Users: list, create, edit, deactivate, reset password, assign roles."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import func, or_, select

from core.admin import blueprint
from core.admin.forms import STALE_MESSAGE, PasswordResetForm, UserCreateForm, UserFilterForm, UserForm
from core.admin.lockout import LOCKOUT_MESSAGE, commit_unless_locked_out
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
    stmt = select(User)
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
                     export=("users.csv", header, _csv_row), form=form, role_label=role_label)


def _csv_row(u: User) -> tuple:
    return (u.username, u.display_name, u.email, ", ".join(role_label(r) for r in u.roles),
            _("Active") if u.active else _("Inactive"))


def _apply(form: UserForm, user: User) -> None:
    """Copy the form into ``user``; a change of roles alone still bumps the version."""
    roles = [role for role in _all_roles() if role.id in set(form.roles.data or ())]
    if {r.id for r in roles} != {r.id for r in user.roles}:
        user.roles = roles
        user.updated_at = utcnow()
    user.username = form.username.data
    user.display_name = form.display_name.data
    user.email = form.email.data or None
    user.active = form.active.data


@blueprint.route("/users/new", methods=["GET", "POST"])
@require_permission("core.user.manage")
def user_new():
    form = UserCreateForm()
    form.roles.choices = _role_choices()
    if form.validate_on_submit():
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


@blueprint.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require_permission("core.user.manage")
def user_edit(user_id: int):
    user = _get_user(user_id)
    form = UserForm(obj=user, user_id=user.id)
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.roles.data = [role.id for role in user.roles]
    if form.validate_on_submit():
        if is_stale(user, form.version.data):
            form.form_errors.append(STALE_MESSAGE)
        elif user.id == current_user.id and not form.active.data:
            form.active.errors.append(_("You cannot deactivate your own account."))
        else:
            _apply(form, user)
            if commit_unless_locked_out():
                flash(_("User %(name)s was saved.", name=user.display_name), "success")
                return redirect(url_for("admin.users"))
            form.form_errors.append(LOCKOUT_MESSAGE)
    return render_template("core/user_form.html", form=form, user=user)


def _set_active(user_id: int, active: bool):
    user = _get_user(user_id)
    if not active and user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "danger")
    elif user.active != active:
        user.active = active
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
    user = _get_user(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)  # a new session token logs the user out everywhere
        db.session.commit()
        if user.id == current_user.id:
            login_user(user)  # keep this session, end the others
        flash(_("The password of %(name)s was reset; they were logged out everywhere.", name=user.display_name),
              "success")
        return redirect(url_for("admin.users"))
    return render_template("core/user_password.html", form=form, user=user)
