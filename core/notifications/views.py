"""The notifications page, opening one (marks it read), marking read; the bell's data for the top bar.

A user sees and changes only their own notifications: any other id is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core import table_versions
from core.db import db
from core.i18n import _
from core.listing import paginate
from core.notifications import service
from core.notifications.links import is_local
from core.notifications.models import Notification
from core.rbac.access import can, require_permission

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="../templates")

VIEW = "core.notification.view"
SORTS = {"created": Notification.id}
BELL_KEPT_SECONDS = 30  # at most, should a process die between a commit and its new versions


@blueprint.route("/")
@require_permission(VIEW)
def index():
    unread_only = request.args.get("show") == "unread"
    stmt = service.own_notifications(current_user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = paginate(stmt, SORTS, "-created", Notification.id)
    return render_template("core/notifications.html", page=page, unread_only=unread_only)


def _own(notification_id: int) -> Notification:
    notification = db.session.scalar(service.own_notifications(current_user.id)
                                     .where(Notification.id == notification_id))
    if notification is None:
        abort(404)
    return notification


@blueprint.route("/<int:notification_id>/open", methods=["POST"])
@require_permission(VIEW)
def open_(notification_id):
    """Mark it read and go where it points (checked again: only paths on this CRM)."""
    notification = _own(notification_id)
    service.mark_read(current_user.id, notification.id)
    if notification.link and is_local(notification.link):
        return redirect(notification.link)
    return redirect(url_for(".index"))


@blueprint.route("/<int:notification_id>/read", methods=["POST"])
@require_permission(VIEW)
def read(notification_id):
    service.mark_read(current_user.id, _own(notification_id).id)
    return redirect(url_for(".index", show=request.args.get("show") or None))


@blueprint.route("/read-all", methods=["POST"])
@require_permission(VIEW)
def read_all():
    count = service.mark_read(current_user.id)
    flash(_("%(count)s notifications marked as read.", count=count) if count else
          _("No unread notifications."), "success")
    return redirect(url_for(".index"))


def bell() -> dict | None:
    """The top bar's bell: unread count and latest notifications; None for users without it.

    Kept in the process while no notification is written (core.table_versions): every page shows the bell,
    and its statement was one of the few each page runs."""
    if not (current_user.is_authenticated and can(VIEW)):
        return None
    user_id = current_user.id
    return table_versions.kept_while_unchanged(("bell", user_id), (Notification.__tablename__,),
                                               lambda: _bell_of(user_id), BELL_KEPT_SECONDS)


def _bell_of(user_id: int) -> dict:
    # Copies outside any session: the kept value outlives this request's session, and threads share it.
    latest = [_detached(notification) for notification in service.latest(user_id)]
    # Fewer than the bell shows: these are all of the user's notifications, no need to count (one statement).
    count = (service.unread_count(user_id) if len(latest) >= service.BELL_LIMIT
             else sum(not notification.is_read for notification in latest))
    return {"count": count, "label": f"{service.COUNT_CAP}+" if count > service.COUNT_CAP else str(count),
            "latest": tuple(latest)}


def _detached(notification: Notification) -> Notification:
    return Notification(**{column.key: getattr(notification, column.key) for column in Notification.__table__.columns})
