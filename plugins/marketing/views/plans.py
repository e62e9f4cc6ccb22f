"""The development plan (客户开发计划): dated items, edited until executed, and their results (执行效果)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.api import _, db, is_stale, require_permission, local_today, utcnow

from plugins.marketing import flow
from plugins.marketing.forms import PlanItemForm, ResultForm
from plugins.marketing.models import PlanItem
from plugins.marketing.views import blueprint
from plugins.marketing.views.opportunities import opportunity_or_404

def _developable(opportunity_id: int):
    opportunity = opportunity_or_404(opportunity_id)
    if not flow.may_develop(opportunity):
        flash(_("Only the assignee (or a sales director) can change the plan of an opportunity in development."),
              "warning")
        return opportunity, False
    return opportunity, True


def _item_or_404(opportunity, item_id: int) -> PlanItem:
    item = db.session.scalar(select(PlanItem).where(PlanItem.id == item_id,
                                                    PlanItem.opportunity_id == opportunity.id))
    if item is None:
        abort(404)
    return item


def _back(opportunity):
    return redirect(url_for(".opportunity_detail", opportunity_id=opportunity.id, _anchor="plan"))


def _commit(form) -> bool:
    try:
        db.session.commit()
        return True
    except StaleDataError:
        db.session.rollback()
        form.form_errors.append(_("This plan item was changed by someone else meanwhile. Nothing was saved: "
                                  "reload the page, then make your change again."))
        return False


@blueprint.route("/<int:opportunity_id>/plan", methods=["POST"])
@require_permission("marketing.opportunity.develop")
def plan_add(opportunity_id: int):
    from plugins.marketing.views.workflow import render_detail

    opportunity, allowed = _developable(opportunity_id)
    if not allowed:
        return _back(opportunity)
    form = PlanItemForm(prefix="plan")
    if form.validate():
        if form.date.data < local_today():
            form.date.errors.append(_("A new plan item cannot be dated in the past."))
        else:
            db.session.add(PlanItem(opportunity_id=opportunity.id, date=form.date.data, item=form.item.data))
            db.session.commit()
            flash(_("Plan item added."), "success")
            return _back(opportunity)
    return render_detail(opportunity, 400, plan_form=form)


@blueprint.route("/<int:opportunity_id>/plan/<int:item_id>/edit", methods=["GET", "POST"])
@require_permission("marketing.opportunity.develop")
def plan_edit(opportunity_id: int, item_id: int):
    opportunity, allowed = _developable(opportunity_id)
    if not allowed:
        return _back(opportunity)
    item = _item_or_404(opportunity, item_id)
    if item.is_executed:
        flash(_("An executed plan item cannot be changed."), "warning")
        return _back(opportunity)
    form = PlanItemForm(obj=item)
    if request.method == "GET":
        form.version.data = item.version
    if form.validate_on_submit():
        if form.date.data < local_today() and form.date.data != item.date:
            form.date.errors.append(_("A plan item cannot be moved into the past."))
        elif is_stale(item, form.version.data):
            form.form_errors.append(_("This plan item was changed by someone else meanwhile. Nothing was saved: "
                                      "reload the page, then make your change again."))
        else:
            item.date, item.item = form.date.data, form.item.data
            if _commit(form):
                flash(_("Plan item saved."), "success")
                return _back(opportunity)
    return render_template("marketing/plan_form.html", form=form, opportunity=opportunity, item=item)


@blueprint.route("/<int:opportunity_id>/plan/<int:item_id>/delete", methods=["POST"])
@require_permission("marketing.opportunity.develop")
def plan_delete(opportunity_id: int, item_id: int):
    opportunity, allowed = _developable(opportunity_id)
    if allowed:
        item = _item_or_404(opportunity, item_id)
        if item.is_executed:
            flash(_("An executed plan item cannot be deleted."), "warning")
        else:
            db.session.delete(item)
            db.session.commit()
            flash(_("Plan item deleted."), "success")
    return _back(opportunity)


@blueprint.route("/<int:opportunity_id>/plan/<int:item_id>/result", methods=["POST"])
@require_permission("marketing.opportunity.develop")
def plan_result(opportunity_id: int, item_id: int):
    """Record what came of a plan item (执行效果); the item is then executed and fixed."""
    from plugins.marketing.views.workflow import render_detail

    opportunity, allowed = _developable(opportunity_id)
    if not allowed:
        return _back(opportunity)
    item = _item_or_404(opportunity, item_id)
    form = ResultForm(prefix=f"result-{item.id}")
    if item.is_executed:
        form.form_errors.append(_("The result of this plan item is already recorded."))
    elif form.validate():
        if is_stale(item, form.version.data):
            form.form_errors.append(_("This plan item was changed by someone else meanwhile. Nothing was saved: "
                                      "reload the page, then make your change again."))
        else:
            item.result, item.executed_at = form.result.data, utcnow()
            if _commit(form):
                flash(_("Result recorded."), "success")
                return _back(opportunity)
    form.item_id = item.id
    return render_detail(opportunity_or_404(opportunity_id), 409 if form.form_errors else 400, result_form=form)
