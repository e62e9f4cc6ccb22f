"""SLA targets per priority and the business calendar (working week, holidays, make-up days)."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.api import _, commit_unless_stale, db, is_stale, local_today, require_permission

from plugins.service.forms import DayForm, TargetForm, WeekForm
from plugins.service.models import PRIORITIES, CalendarDay, SlaTarget, WorkWeek
from plugins.service.views import blueprint

MANAGE = "service.sla.manage"


def _targets() -> list[SlaTarget]:
    found = {t.priority: t for t in db.session.scalars(select(SlaTarget))}
    return [found[p] for p in PRIORITIES if p in found]


def _week() -> WorkWeek:
    week = db.session.scalar(select(WorkWeek).order_by(WorkWeek.id).limit(1))
    if week is None:  # the migration adds it; an emptied table gets the default week back
        week = WorkWeek()
        db.session.add(week)
        db.session.flush()
    return week


def _target_form(target: SlaTarget, formdata=None) -> TargetForm:
    return TargetForm(formdata=formdata, prefix=f"target-{target.priority}", obj=None if formdata else target,
                      version=target.version)


def _week_form(week: WorkWeek, formdata=None) -> WeekForm:
    if formdata is not None:
        return WeekForm(formdata=formdata, prefix="week")
    return WeekForm(formdata=None, prefix="week", days=list(week.days), start=week.start, end=week.end,
                    version=week.version)


def _page(status=200, **forms):
    week = _week()
    targets = _targets()
    target_forms = {t.priority: forms.get(f"target_{t.priority}") or _target_form(t) for t in targets}
    since = date(local_today().year, 1, 1)  # earlier days only mattered to clocks long started
    days = list(db.session.scalars(select(CalendarDay).where(CalendarDay.date >= since).order_by(CalendarDay.date)))
    return render_template("service/sla_settings.html", targets=targets, target_forms=target_forms,
                           priorities=PRIORITIES, week_form=forms.get("week_form") or _week_form(week),
                           day_form=forms.get("day_form") or DayForm(formdata=None, prefix="day"), days=days,
                           since=since), status


@blueprint.route("/sla")
@require_permission(MANAGE)
def sla_settings():
    return _page()


@blueprint.route("/sla/targets/<priority>", methods=["POST"])
@require_permission(MANAGE)
def sla_target_save(priority: str):
    target = db.session.scalar(select(SlaTarget).where(SlaTarget.priority == priority)) \
        if priority in PRIORITIES else None
    if target is None:
        return redirect(url_for(".sla_settings"))
    form = _target_form(target, request.form)
    if form.validate():
        if is_stale(target, form.version.data):
            form.form_errors.append(_("These targets were changed by someone else meanwhile. Nothing was saved: "
                                      "reload the page to see their change."))
        else:
            target.response_hours = form.response_hours.data
            target.resolution_hours = form.resolution_hours.data
            if commit_unless_stale():
                flash(_("Targets of priority %(priority)s saved; they apply to requests created from now on.",
                        priority=PRIORITIES[priority]), "success")
                return redirect(url_for(".sla_settings"))
            form.form_errors.append(_("These targets were changed by someone else meanwhile. Nothing was saved."))
    return _page(400, **{f"target_{priority}": form})


@blueprint.route("/sla/week", methods=["POST"])
@require_permission(MANAGE)
def sla_week_save():
    week = _week()
    form = _week_form(week, request.form)
    if form.validate():
        if is_stale(week, form.version.data):
            form.form_errors.append(_("The working week was changed by someone else meanwhile. Nothing was saved: "
                                      "reload the page to see their change."))
        else:
            week.days = "".join(sorted(set(form.days.data)))
            week.start, week.end = form.start.data, form.end.data
            if commit_unless_stale():
                flash(_("Working week saved; it applies to SLA clocks started from now on."), "success")
                return redirect(url_for(".sla_settings"))
            form.form_errors.append(_("The working week was changed by someone else meanwhile. Nothing was saved."))
    return _page(400, week_form=form)


@blueprint.route("/sla/days", methods=["POST"])
@require_permission(MANAGE)
def sla_day_add():
    form = DayForm(request.form, prefix="day")
    if form.validate():
        taken = db.session.scalar(select(CalendarDay).where(CalendarDay.date == form.date.data))
        if taken is not None:
            form.date.errors.append(_("This date is already in the calendar as %(kind)s; delete it first.",
                                      kind=taken.kind_label))
        else:
            db.session.add(CalendarDay(date=form.date.data, kind=form.kind.data, name=form.name.data or ""))
            db.session.commit()
            flash(_("Calendar day added."), "success")
            return redirect(url_for(".sla_settings"))
    return _page(400, day_form=form)


@blueprint.route("/sla/days/<int:day_id>/delete", methods=["POST"])
@require_permission(MANAGE)
def sla_day_delete(day_id: int):
    day = db.session.get(CalendarDay, day_id)
    if day is not None:
        db.session.delete(day)
        db.session.commit()
        flash(_("Calendar day deleted."), "success")
    return redirect(url_for(".sla_settings"))
