"""Pipeline stages (administrators): names in both languages, order, default probability."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import exists, or_, select
from sqlalchemy.orm.exc import StaleDataError

from core.api import _, db, is_stale, require_permission

from plugins.marketing.forms import StageForm
from plugins.marketing.models import Opportunity, Stage, StageChange
from plugins.marketing.views import blueprint

FIELDS = ("name", "name_zh", "sort_order", "probability")


@blueprint.route("/stages")
@require_permission("marketing.stage.manage")
def stage_list():
    stages = list(db.session.scalars(select(Stage).order_by(Stage.sort_order, Stage.id)))
    return render_template("marketing/stage_list.html", stages=stages)


def _edit(stage: Stage, form: StageForm):
    if form.validate_on_submit():
        if stage.id is not None and is_stale(stage, form.version.data):
            form.form_errors.append(_("This stage was changed by someone else meanwhile. Nothing was saved: "
                                      "reload the page, then make your change again."))
        else:
            for name in FIELDS:
                setattr(stage, name, form[name].data)
            db.session.add(stage)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                form.form_errors.append(_("This stage was changed by someone else meanwhile. Nothing was saved: "
                                          "reload the page, then make your change again."))
            else:
                flash(_("Stage saved."), "success")
                return redirect(url_for(".stage_list"))
    return render_template("marketing/stage_form.html", form=form, stage=stage)


@blueprint.route("/stages/new", methods=["GET", "POST"])
@require_permission("marketing.stage.manage")
def stage_create():
    return _edit(Stage(), StageForm())


@blueprint.route("/stages/<int:stage_id>/edit", methods=["GET", "POST"])
@require_permission("marketing.stage.manage")
def stage_edit(stage_id: int):
    stage = db.get_or_404(Stage, stage_id)
    form = StageForm(obj=stage)
    if request.method == "GET":
        form.version.data = stage.version
    return _edit(stage, form)


@blueprint.route("/stages/<int:stage_id>/delete", methods=["POST"])
@require_permission("marketing.stage.manage")
def stage_delete(stage_id: int):
    stage = db.get_or_404(Stage, stage_id)
    used = db.session.scalar(select(
        exists().where(Opportunity.stage_id == stage.id)
        | exists().where(or_(StageChange.from_stage_id == stage.id, StageChange.to_stage_id == stage.id))))
    if used:
        flash(_("This stage cannot be deleted: opportunities are or were in it. Rename it or change its order instead."),
              "danger")
    else:
        db.session.delete(stage)
        db.session.commit()
        flash(_("Stage deleted."), "success")
    return redirect(url_for(".stage_list"))
