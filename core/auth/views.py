from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from core.auth import throttle
from core.auth.forms import LoginForm, PasswordChangeForm
from core.config import LANGUAGES
from core.db import db
from core.i18n import _
from core.rbac.access import require_permission
from core.rbac.models import User

blueprint = Blueprint("auth", __name__, template_folder="../templates")


def _local_target(target: str | None) -> str:
    """Only redirect to a path on this site: never to another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return url_for("dashboard.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if current_user.is_authenticated:
        return redirect(_local_target(request.args.get("next")))
    if form.validate_on_submit():
        address = request.remote_addr or "-"
        username = form.username.data.strip()
        wait = throttle.retry_after(username, address)
        if wait is not None:
            flash(_("Too many failed logins. Try again in %(minutes)d minutes.", minutes=wait), "danger")
            return render_template("core/login.html", form=form), 429
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if user is None:
            # Hash anyway: an unknown name answers as slowly as a wrong password, so timing reveals no login names.
            generate_password_hash(form.password.data,
                                   method=current_app.config.get("CRM_PASSWORD_HASH_METHOD", "scrypt"))
        if user is None or not user.check_password(form.password.data) or not user.active:
            throttle.record_failure(username, address)
            flash(_("Invalid login name or password."), "danger")
            return render_template("core/login.html", form=form), 200
        throttle.clear_failures(username)
        db.session.commit()
        language = session.get("language")
        session.clear()  # a fresh session on login: nothing from before carries over but the language
        if language:
            session["language"] = language
        login_user(user, remember=form.remember.data)
        return redirect(_local_target(request.args.get("next")))
    return render_template("core/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@require_permission("core.profile.edit")
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        # Guesses of the current password count like failed logins, so a stolen session
        # cannot be used to find the password.
        address = request.remote_addr or "-"
        wait = throttle.retry_after(current_user.username, address)
        if wait is not None:
            form.current.errors.append(_("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=wait))
        elif not current_user.check_password(form.current.data):
            throttle.record_failure(current_user.username, address)
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.password.data)
            db.session.commit()
            login_user(user)  # the new session token keeps this session, ends the others
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("core/password.html", form=form)


@blueprint.route("/language/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.language = code
            db.session.commit()
    return redirect(_local_target(request.args.get("next")))
