from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint, after_this_request, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from core.auth import device, logins, throttle
from core.auth.forms import LoginForm, PasswordChangeForm
from core.config import LANGUAGES
from core.db import db
from core.i18n import _, ngettext
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


def _wait_message(minutes: int) -> str:
    return ngettext("Too many failed attempts. Try again in %(num)d minute.",
                    "Too many failed attempts. Try again in %(num)d minutes.", minutes)


def _fresh_session() -> None:
    """Nothing from before carries over into a new login or past a logout but the language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if current_user.is_authenticated:
        return redirect(_local_target(request.args.get("next")))
    if form.validate_on_submit():
        address = request.remote_addr or "-"
        username = form.username.data.strip()
        trusted = device.trusted_id(username)
        wait = throttle.take_turn(username, address, trusted)
        if wait is not None:
            flash(_wait_message(wait), "danger")
            return render_template("core/login.html", form=form), 429
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if user is None:
            # Hash anyway: an unknown name answers as slowly as a wrong password, so timing reveals no login names.
            generate_password_hash(form.password.data,
                                   method=current_app.config.get("CRM_PASSWORD_HASH_METHOD", "scrypt"))
        if user is None or not user.check_password(form.password.data) or not user.active:
            flash(_("Invalid login name or password."), "danger")
            return render_template("core/login.html", form=form), 200
        throttle.forgive(username, address, trusted)
        remember = bool(form.remember.data)
        user.login_token = logins.start(user.id, remember)
        db.session.commit()
        _fresh_session()
        login_user(user, remember=remember, duration=logins.lifetime(True) if remember else None)
        after_this_request(lambda response: device.trust(response, user.username))
        return redirect(_local_target(request.args.get("next")))
    return render_template("core/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        logins.end(current_user.login_token)
        db.session.commit()
    _fresh_session()
    # After clearing the session: logout_user leaves the instruction to delete the remember cookie in it.
    logout_user()
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
        username = current_user.username
        trusted = device.trusted_id(username)
        wait = throttle.take_turn(username, address, trusted)
        if wait is not None:
            form.current.errors.append(_wait_message(wait))
        elif not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            throttle.forgive(username, address, trusted)
            user = current_user._get_current_object()
            user.set_password(form.password.data)
            logins.end_all(user.id, keep_token=user.login_token)  # this login stays, the others end
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("core/password.html", form=form)


@blueprint.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the language: a POST with a CSRF token, like every change of stored state."""
    if code in LANGUAGES:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.language = code
            db.session.commit()
    return redirect(_local_target(request.args.get("next")))
