"""E-mail copies of notifications, sent by a job queue worker when ``CRM_SMTP_HOST`` is set.

A request (or a scan) only enqueues the ids of the notifications it created;
the worker renders each in its recipient's language and sends it through
Flask-Mail, so a slow or unreachable mail server never delays a page.

Settings: ``CRM_SMTP_HOST``, ``CRM_SMTP_PORT`` (25), ``CRM_SMTP_USER``,
``CRM_SMTP_PASSWORD``, ``CRM_SMTP_STARTTLS`` or ``CRM_SMTP_SSL`` (1/true),
``CRM_SMTP_SENDER`` (the From address) and ``CRM_BASE_URL`` (e.g.
``https://crm.example.com``, to put a full link in the mail).
"""
from __future__ import annotations

import logging
import os

from babel import Locale
from flask import current_app
from flask_babel import force_locale
from flask_mail import Mail, Message
from sqlalchemy import select

from core.db import db
from core.i18n import _
from core.notifications.links import is_local
from core.notifications.models import Notification

log = logging.getLogger(__name__)
mail = Mail()
TASK = "crm.mail_notifications"


def _flag(value) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def configure(app) -> None:
    """Map the ``CRM_SMTP_*`` settings (config or environment) onto Flask-Mail's."""
    def setting(name, default=None):
        return app.config.get(name, os.environ.get(name, default))

    host = setting("CRM_SMTP_HOST") or ""
    app.config.update(
        CRM_SMTP_HOST=host,
        CRM_BASE_URL=(setting("CRM_BASE_URL") or "").rstrip("/"),
        MAIL_SERVER=host or "localhost",
        MAIL_PORT=int(setting("CRM_SMTP_PORT", 25)),
        MAIL_USERNAME=setting("CRM_SMTP_USER") or None,
        MAIL_PASSWORD=setting("CRM_SMTP_PASSWORD") or None,
        MAIL_USE_TLS=_flag(setting("CRM_SMTP_STARTTLS")),
        MAIL_USE_SSL=_flag(setting("CRM_SMTP_SSL")),
        MAIL_DEFAULT_SENDER=setting("CRM_SMTP_SENDER") or "crm@localhost",
        MAIL_SUPPRESS_SEND=not host,
    )
    mail.init_app(app)


def enabled() -> bool:
    return bool(current_app.config.get("CRM_SMTP_HOST"))


def register_task(huey, app) -> None:
    # A mail server that is down for a while: try again later, twice.
    huey.crm_mail = huey.task(name=TASK, retries=2, retry_delay=120)(lambda ids: deliver(app, ids))


def enqueue(ids: list[int]) -> None:
    """Hand the notifications to a worker for mailing (nothing happens without SMTP settings)."""
    if not ids or not enabled():
        return
    try:
        current_app.extensions["crm_queue"].crm_mail(list(ids))
    except Exception:  # the queue is down: the in-app notification is there all the same
        log.exception("could not enqueue the e-mail of notifications %s", ids[:10])


def deliver(app, ids: list[int]) -> int:
    """Send the notifications ``ids`` to their recipients with an e-mail address; returns how many."""
    from core.rbac.models import User

    with app.app_context():
        rows = db.session.execute(select(Notification, User).join(User, User.id == Notification.user_id).where(
            Notification.id.in_(ids), User.active, User.email.is_not(None), User.email != "")).all()
        if not rows:
            return 0
        sent = 0
        with mail.connect() as connection:  # one SMTP session for the batch; failing to connect retries it
            for notification, user in rows:
                try:
                    connection.send(_message(app, notification, user))
                    sent += 1
                except Exception:  # one refused address must not stop the others
                    log.exception("could not mail notification %s", notification.id)
        return sent


def _message(app, notification: Notification, user) -> Message:
    language = Locale.parse(user.language or app.config.get("BABEL_DEFAULT_LOCALE", "en"))
    language.script = None  # zh_Hans_CN would miss the zh_CN catalogs (see core.web.select_locale)
    with app.test_request_context(), force_locale(language):
        text = notification.text
        lines = [text, ""]
        base = app.config.get("CRM_BASE_URL")
        if notification.link and is_local(notification.link) and base:
            lines += [_("Open it in the CRM:"), base + notification.link, ""]
        lines.append(_("You receive this e-mail because you have an account in the CRM."))
        return Message(subject=_("CRM: %(text)s", text=text)[:200], recipients=[user.email], body="\n".join(lines))
