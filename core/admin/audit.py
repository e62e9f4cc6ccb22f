"""The audit log page: who changed which business record, when, from what to what."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import request
from flask_babel import format_datetime, to_utc
from sqlalchemy import select

from core.admin import blueprint
from core.admin.audit_display import Presenter, table_label
from core.admin.forms import AuditFilterForm
from core.audit import AuditEntry
from core.db import db
from core.i18n import _
from core.i18n import lazy_gettext as _l
from core.listing import id_or_none, list_page
from core.models import AuditMixin
from core.rbac.access import require_permission
from core.rbac.models import User

SORTS = {"at": AuditEntry.at}
ACTIONS = {"create": _l("Create"), "update": _l("Update"), "delete": _l("Delete")}


def audited_tables() -> list[str]:
    """Tables of every loaded model that is audited (no query: the log may be huge)."""
    return sorted({m.class_.__tablename__ for m in db.Model.registry.mappers if issubclass(m.class_, AuditMixin)})


def _local_midnight_utc(day, days_after: int = 0) -> datetime | None:
    """The start of ``day`` (plus ``days_after``) in the CRM's time zone, as the naive UTC the log stores.

    None at the calendar's ends (year 1, year 9999), where no bound is needed.
    """
    try:
        return to_utc(datetime.combine(day, time.min) + timedelta(days=days_after)).replace(tzinfo=None)
    except OverflowError:
        return None


def _filtered(form: AuditFilterForm):
    stmt = select(AuditEntry)
    if id_or_none(form.user.data) is not None:
        stmt = stmt.where(AuditEntry.user_id == id_or_none(form.user.data))
    if form.table.data:
        stmt = stmt.where(AuditEntry.table_name == form.table.data)
    if form.record.data and not form.record.errors:
        stmt = stmt.where(AuditEntry.record_id == form.record.data)
    if form.date_from.data and not form.date_from.errors:
        start = _local_midnight_utc(form.date_from.data)
        if start is not None:
            stmt = stmt.where(AuditEntry.at >= start)
    if form.date_to.data and not form.date_to.errors:
        end = _local_midnight_utc(form.date_to.data, days_after=1)
        if end is not None:
            stmt = stmt.where(AuditEntry.at < end)
    return stmt


@blueprint.route("/audit")
@require_permission("core.audit.view")
def audit():
    form = AuditFilterForm(request.args)
    people = db.session.execute(select(User.id, User.display_name).order_by(User.display_name)).all()
    form.user.choices = [("", _("Anyone"))] + [(str(uid), name) for uid, name in people]
    form.table.choices = [("", _("Any"))] + sorted(((name, table_label(name)) for name in audited_tables()),
                                                   key=lambda choice: choice[1])
    form.validate()
    # Each entry comes with its author's name (None for the system or a removed user).
    with_names = _filtered(form).add_columns(User.display_name).outerjoin(User, User.id == AuditEntry.user_id)
    header = [_("When"), _("Who"), _("Action"), _("Table"), _("Record"), _("Changes")]
    return list_page(with_names, SORTS, "-at", AuditEntry.id, template="core/audit.html",
                     export=("audit-log.csv", header, _csv_row), form=form, actions=ACTIONS,
                     present=Presenter().present)


def _csv_row(row) -> tuple:
    entry, name = row
    return (format_datetime(entry.at, "yyyy-MM-dd'T'HH:mm:ss"), name or (f"#{entry.user_id}" if entry.user_id else _("System")),
            str(ACTIONS.get(entry.action, entry.action)), entry.table_name, entry.record_id, entry.changes)
