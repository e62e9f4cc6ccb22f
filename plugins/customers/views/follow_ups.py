"""My follow-ups: the current user's open next steps (due and overdue first), marked done here."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from core.api import (
    FilterForm, _, current_user, db, lazy_gettext as _l, list_page, local_today, require_permission, utcnow,
)
from wtforms import SelectField

from plugins.basedata import services as basedata
from plugins.customers import follow_ups
from plugins.customers.models import ACTIVITY_TYPE, Activity
from plugins.customers.views import blueprint

SORTS = {"due": Activity.next_step_due}
DUE = "due"


class FollowUpFilter(FilterForm):
    show = SelectField(_l("Show"), choices=[(DUE, _l("Due and overdue")), ("open", _l("All open"))],
                       default=DUE, validate_choice=False)


@blueprint.route("/follow-ups")
@require_permission("customers.activity.view")
def follow_ups_page():
    form = FollowUpFilter(request.args)
    today = local_today()
    due_by = None if form.show.data == "open" else today
    return list_page(follow_ups.open_follow_ups(current_user.id, due_by), SORTS, "due", Activity.id,
                     template="customers/follow_ups.html", form=form, today=today,
                     kinds=basedata.labels(ACTIVITY_TYPE))


@blueprint.route("/follow-ups/<int:activity_id>/done", methods=["POST"])
@require_permission("customers.activity.edit")
def follow_up_done(activity_id):
    """Mark the user's own next step done (again: nothing changes); anyone else's is a 404."""
    activity = db.session.scalar(follow_ups.open_follow_ups(current_user.id).with_only_columns(Activity)
                                 .where(Activity.id == activity_id))
    if activity is None:
        already = db.session.scalar(select(Activity.id).where(
            Activity.id == activity_id, Activity.owner_id == current_user.id, Activity.next_step_done_at.is_not(None)))
        if already is None:
            abort(404)
    else:
        activity.next_step_done_at = utcnow()
        db.session.commit()
        flash(_("Follow-up done: %(step)s", step=activity.next_step), "success")
    back = request.args.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith(("//", "/\\"))
                    else url_for(".follow_ups_page"))
