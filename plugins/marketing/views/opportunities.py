"""Opportunity list (filters, sorting, CSV export), detail, create, edit, delete."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import joinedload, selectinload

from core.api import (
    SEARCH_COUNT_CAP, _, can, db, id_or_none, is_stale, list_page, require_permission, scoped, search_term,
    user_choices,
)

from plugins.basedata import services as basedata
from plugins.customers import services as customers
from plugins.marketing import flow
from plugins.marketing.forms import OpportunityFilter, OpportunityForm
from plugins.marketing.models import LOST_REASON, OPPORTUNITY_TEXT, Opportunity, PlanItem, StageChange
from plugins.marketing.views import blueprint

SORTS = {
    "customer": Opportunity.customer_name, "probability": Opportunity.probability, "amount": Opportunity.amount,
    "close": Opportunity.close_date, "status": Opportunity.status, "stage": Opportunity.stage_id,
    "assignee": Opportunity.assignee_id, "created": Opportunity.created_at,
}
DEFAULT_SORT = "-created"


def visible_opportunities():
    """``select(Opportunity)`` narrowed to the user's data scope (own: created by or assigned to them)."""
    return scoped(select(Opportunity), Opportunity)


def opportunity_or_404(opportunity_id: int) -> Opportunity:
    found = db.session.scalar(visible_opportunities().where(Opportunity.id == opportunity_id)
                              .options(joinedload(Opportunity.stage), joinedload(Opportunity.assignee)))
    if found is None:
        abort(404)
    return found


def _filtered(form: OpportunityFilter):
    stmt = visible_opportunities()
    if form.status.data:
        stmt = stmt.where(Opportunity.status == form.status.data)
    if id_or_none(form.stage.data) is not None:
        stmt = stmt.where(Opportunity.stage_id == id_or_none(form.stage.data))
    if form.source.data:
        stmt = stmt.where(Opportunity.source == form.source.data)
    if form.customer.data:
        stmt = OPPORTUNITY_TEXT.filter(stmt, Opportunity, search_term(form.customer.data), ("customer_name",))
    for column, value in ((Opportunity.assignee_id, form.assignee.data), (Opportunity.created_by_id, form.creator.data)):
        if id_or_none(value) is not None:
            stmt = stmt.where(column == id_or_none(value))
    if form.close_from.data:
        stmt = stmt.where(Opportunity.close_date >= form.close_from.data)
    if form.close_to.data:
        stmt = stmt.where(Opportunity.close_date <= form.close_to.data)
    return stmt


@blueprint.route("/")
@require_permission("marketing.opportunity.view")
def opportunity_list():
    form = OpportunityFilter(request.args)
    any_ = [("", _("Any"))]
    form.stage.choices = any_ + [(str(s.id), s.label) for s in flow.stages()]
    form.source.choices = any_ + basedata.choices(basedata.OPPORTUNITY_SOURCE)
    form.assignee.choices = any_ + user_choices(flow.DEVELOP)
    form.creator.choices = any_ + user_choices(flow.CREATE)
    stmt = _filtered(form) if form.validate() else visible_opportunities().where(False)
    if request.args.get("export") == "csv" and not can("marketing.opportunity.export"):
        abort(403)
    sources = basedata.labels(basedata.OPPORTUNITY_SOURCE)
    reasons = basedata.labels(LOST_REASON)
    header = [_("ID"), _("Customer name"), _("Summary"), _("Source"), _("Success probability (%)"),
              _("Expected amount"), _("Expected close date"), _("Status"), _("Stage"), _("Assigned to"),
              _("Assigned on"), _("Created by"), _("Created"), _("Contact"), _("Contact phone"), _("Lost reason")]
    stmt = stmt.options(joinedload(Opportunity.stage), joinedload(Opportunity.assignee),
                        joinedload(Opportunity.creator))
    searched = bool(form.customer.data) and not form.errors
    return list_page(stmt, SORTS, DEFAULT_SORT, Opportunity.id, template="marketing/opportunity_list.html",
                     cap=SEARCH_COUNT_CAP if searched else None,
                     export=("opportunities.csv", header, partial(_csv_row, sources, reasons)),
                     form=form, sources=sources)


def _csv_row(sources: dict, reasons: dict, o: Opportunity) -> list:
    return [o.id, o.customer_name, o.summary, sources.get(o.source, o.source), o.probability,
            o.amount if o.amount is not None else "", o.close_date or "", o.status_label,
            o.stage.label if o.stage else "", o.assignee or "", o.assigned_at.date() if o.assigned_at else "",
            o.creator or "", o.created_at.date(), o.contact, o.contact_phone,
            reasons.get(o.lost_reason, o.lost_reason)]


@blueprint.route("/<int:opportunity_id>")
@require_permission("marketing.opportunity.view")
def opportunity_detail(opportunity_id: int):
    from plugins.marketing.views.workflow import render_detail

    return render_detail(opportunity_or_404(opportunity_id))


def history_of(opportunity: Opportunity) -> list[StageChange]:
    return list(db.session.scalars(
        select(StageChange).where(StageChange.opportunity_id == opportunity.id)
        .options(joinedload(StageChange.from_stage), joinedload(StageChange.to_stage),
                 joinedload(StageChange.changed_by))
        .order_by(StageChange.changed_at.desc(), StageChange.id.desc())))


def plan_of(opportunity: Opportunity) -> list[PlanItem]:
    return list(db.session.scalars(select(PlanItem).where(PlanItem.opportunity_id == opportunity.id)
                                   .order_by(PlanItem.date, PlanItem.id)))


def _fill_choices(form: OpportunityForm) -> None:
    form.source.choices = [("", "—")] + basedata.choices(basedata.OPPORTUNITY_SOURCE)


@blueprint.route("/new", methods=["GET", "POST"])
@require_permission("marketing.opportunity.create")
def opportunity_create():
    form = OpportunityForm()
    _fill_choices(form)
    if request.method == "GET":
        form.probability.data = 10
        customer_id = id_or_none(request.args.get("customer"))
        if customer_id is not None:  # "New opportunity" on a customer's page: a repeat sale
            customer = customers.visible_customer(customer_id)
            form.customer_id.data, form.customer_name.data = customer.id, customer.name
    if form.validate_on_submit():
        opportunity = Opportunity()
        form.apply_to(opportunity)
        db.session.add(opportunity)
        db.session.commit()
        flash(_("Sales opportunity created."), "success")
        return redirect(url_for(".opportunity_detail", opportunity_id=opportunity.id))
    return render_template("marketing/opportunity_form.html", form=form, opportunity=None)


@blueprint.route("/<int:opportunity_id>/edit", methods=["GET", "POST"])
@require_permission("marketing.opportunity.create")
def opportunity_edit(opportunity_id: int):
    opportunity = opportunity_or_404(opportunity_id)
    if not flow.may_edit(opportunity):
        flash(_("Only unassigned opportunities can be edited, by their creator or a sales director."), "warning")
        return redirect(url_for(".opportunity_detail", opportunity_id=opportunity.id))
    form = OpportunityForm(obj=opportunity)
    _fill_choices(form)
    if request.method == "GET":
        form.version.data = opportunity.version
    if form.validate_on_submit():
        if is_stale(opportunity, form.version.data):
            form.form_errors.append(flow.stale_message())
        else:
            form.apply_to(opportunity)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                form.form_errors.append(flow.stale_message())
                return render_template("marketing/opportunity_form.html", form=form, opportunity=opportunity), 409
            flash(_("Sales opportunity saved."), "success")
            return redirect(url_for(".opportunity_detail", opportunity_id=opportunity.id))
    return render_template("marketing/opportunity_form.html", form=form, opportunity=opportunity)


@blueprint.route("/<int:opportunity_id>/delete", methods=["POST"])
@require_permission("marketing.opportunity.create")
def opportunity_delete(opportunity_id: int):
    opportunity = opportunity_or_404(opportunity_id)
    if not flow.may_edit(opportunity):
        flash(_("Only unassigned opportunities can be deleted, by their creator or a sales director."), "warning")
        return redirect(url_for(".opportunity_detail", opportunity_id=opportunity.id))
    db.session.delete(opportunity)
    db.session.commit()
    flash(_("Sales opportunity deleted."), "success")
    return redirect(url_for(".opportunity_list"))
