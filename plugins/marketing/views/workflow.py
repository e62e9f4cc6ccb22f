"""The opportunity page and its workflow: assign, move to a stage, won, lost (every way in)."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for

from core.api import _, User, can, commit_unless_stale, db, require_permission, local_today

from plugins.basedata import services as basedata
from plugins.marketing import flow
from plugins.marketing.forms import AssignForm, LostForm, MoveForm, PlanItemForm, WonForm
from plugins.marketing.models import DEVELOPING, LOST_REASON, STATUSES, UNASSIGNED, Stage
from plugins.marketing.views import blueprint
from plugins.marketing.views.opportunities import history_of, opportunity_or_404, plan_of


def assign_form(opportunity, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata, prefix="assign", version=opportunity.version,
                      assignee_id=opportunity.assignee_id, stage_id=opportunity.stage_id)
    users = db.session.execute(flow.assignable_users().with_only_columns(User.id, User.display_name)
                               .order_by(User.display_name))
    form.assignee_id.choices = [(id_, name) for id_, name in users]
    form.stage_id.choices = [(stage.id, stage.label) for stage in flow.stages()]
    if formdata is None and request.args.get("stage", "").isdigit():
        form.stage_id.data = int(request.args["stage"])
    return form


def lost_form(opportunity, formdata=None) -> LostForm:
    form = LostForm(formdata=formdata, prefix="lost", version=opportunity.version)
    form.reason.choices = [("", "—")] + basedata.choices(LOST_REASON)
    return form


def move_choices(opportunity, stages=None) -> list[tuple[str, str]]:
    """Where the user may move the opportunity from its card or page (the no-JavaScript chooser);
    pass ``stages`` when rendering many cards (one query for all)."""
    if opportunity.status == UNASSIGNED and flow.may_assign(opportunity) or flow.may_develop(opportunity):
        choices = [(f"stage-{stage.id}", stage.label) for stage in (flow.stages() if stages is None else stages)
                   if not (opportunity.status == DEVELOPING and stage.id == opportunity.stage_id)]
        if flow.may_develop(opportunity):
            choices += [("won", _("Won")), ("lost", _("Failed"))]
        return choices
    return []


def render_detail(opportunity, status=200, **forms):
    context = dict(
        opportunity=opportunity, history=history_of(opportunity), plan=plan_of(opportunity),
        assign_form=forms.get("assign_form") or (assign_form(opportunity) if flow.may_assign(opportunity) else None),
        lost_form=forms.get("lost_form") or (lost_form(opportunity) if flow.may_develop(opportunity) else None),
        plan_form=forms.get("plan_form") or PlanItemForm(formdata=None, prefix="plan"),
        result_form=forms.get("result_form"),
        move_form=MoveForm(formdata=None, version=opportunity.version), moves=move_choices(opportunity),
        may_edit=flow.may_edit(opportunity), may_develop=flow.may_develop(opportunity),
        sources=basedata.labels(basedata.OPPORTUNITY_SOURCE), reasons=basedata.labels(LOST_REASON),
        today=local_today(), statuses=STATUSES,
    )
    return render_template("marketing/opportunity_detail.html", **context), status


def _back(opportunity):
    return redirect(url_for(".opportunity_detail", opportunity_id=opportunity.id))


def _commit() -> str | None:
    """Commit; the stale message when a concurrent save won the race (then nothing of ours is saved)."""
    return None if commit_unless_stale() else flow.stale_message()


@blueprint.route("/<int:opportunity_id>/assign", methods=["POST"])
@require_permission("marketing.opportunity.assign")
def opportunity_assign(opportunity_id: int):
    opportunity = opportunity_or_404(opportunity_id)
    form = assign_form(opportunity, request.form)
    if not form.validate():
        return render_detail(opportunity, 400, assign_form=form)
    stage = db.session.get(Stage, form.stage_id.data) if form.stage_id.data else None
    try:
        flow.assign(opportunity, form.assignee_id.data, form.version.data, stage)
    except flow.Refused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused))
        return render_detail(opportunity_or_404(opportunity_id), 409, assign_form=form)
    problem = _commit()
    if problem:
        form.form_errors.append(problem)
        return render_detail(opportunity_or_404(opportunity_id), 409, assign_form=form)
    flash(_("Opportunity assigned to %(name)s.", name=opportunity.assignee), "success")
    return _back(opportunity)


def _answer(opportunity, error=None, next_url=None, status=200):
    """The move's answer: JSON for the kanban's script, else a redirect (or the page with the message)."""
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json:
        body = {"ok": error is None and next_url is None}
        if error:
            body["error"] = error
        if next_url:
            body["next"] = next_url
        if body["ok"]:
            from plugins.marketing.views.pipeline import render_card

            body["version"] = opportunity.version
            body["card"] = render_card(opportunity)  # fresh probability, chooser and version
        return jsonify(body), status
    if next_url:
        return redirect(next_url)
    if error:
        flash(error, "danger")
    return redirect(_return_to(opportunity))


def _return_to(opportunity) -> str:
    """Back where the move came from: the pipeline (with its filters) or the opportunity's page."""
    back = request.form.get("next", "")
    if back.startswith("/") and not back.startswith("//") and "\\" not in back:
        return back
    return url_for(".opportunity_detail", opportunity_id=opportunity.id)


@blueprint.route("/<int:opportunity_id>/move", methods=["POST"])
@require_permission("marketing.opportunity.view")
def opportunity_move(opportunity_id: int):
    """One way in for the kanban's drag and drop, the card's stage chooser and the page's chooser."""
    if not (can(flow.DEVELOP) or can(flow.ASSIGN)):
        abort(403)  # read-only users (executives) move nothing
    opportunity = opportunity_or_404(opportunity_id)
    form = MoveForm()
    if not form.validate():
        return _answer(opportunity, _("Choose where to move the opportunity."), status=400)
    try:
        outcome, stage = flow.move(opportunity, form.to.data, form.version.data)
    except flow.Refused as refused:
        db.session.rollback()
        return _answer(opportunity, str(refused), status=409)
    if outcome == flow.ASK_ASSIGNEE:
        return _answer(opportunity, next_url=url_for(".opportunity_detail", opportunity_id=opportunity.id,
                                                     stage=stage.id, _anchor="assign"))
    if outcome in (flow.ASK_WON, flow.ASK_LOST):
        endpoint = ".opportunity_won" if outcome == flow.ASK_WON else ".opportunity_lost_form"
        return _answer(opportunity, next_url=url_for(endpoint, opportunity_id=opportunity.id))
    problem = _commit()
    if problem:
        return _answer(opportunity, problem, status=409)
    if request.accept_mimetypes.best != "application/json":
        flash(_("Moved to %(stage)s.", stage=stage.label), "success")
    return _answer(opportunity)


@blueprint.route("/<int:opportunity_id>/won", methods=["GET", "POST"])
@require_permission("marketing.opportunity.develop")
def opportunity_won(opportunity_id: int):
    """开发成功: a confirmation page (offering same-named customers to link), then the won workflow."""
    opportunity = opportunity_or_404(opportunity_id)
    form = WonForm(version=opportunity.version)
    error = None
    if opportunity.is_closed or not flow.may_develop(opportunity):
        flash(_("Won and lost opportunities are read-only.") if opportunity.is_closed
              else _("You may not make this change to this opportunity."), "warning")
        return _back(opportunity)
    choices = flow.win_choices(opportunity)
    if form.validate_on_submit():
        try:
            created = flow.win(opportunity, form.version.data, form.customer.data or ("new" if not choices else None))
            error = _commit()
        except flow.Refused as refused:
            db.session.rollback()
            error = str(refused)
        except flow.ChooseCustomer:
            db.session.rollback()
            error = _("Choose a customer to link, or a new customer.")
        if error is None:
            flash(_("Customer developed, new customer record created.") if created
                  else _("Customer developed; the opportunity is linked to the existing customer."), "success")
            return _back(opportunity)
        opportunity = opportunity_or_404(opportunity_id)
        choices = flow.win_choices(opportunity)
    return render_template("marketing/won.html", opportunity=opportunity, form=form, choices=choices,
                           error=error), 200 if error is None else 409


@blueprint.route("/<int:opportunity_id>/lost", methods=["GET"])
@require_permission("marketing.opportunity.develop")
def opportunity_lost_form(opportunity_id: int):
    """The page asking why the opportunity was lost (it changes nothing)."""
    return opportunity_lost(opportunity_id)


@blueprint.route("/<int:opportunity_id>/lost", methods=["POST"])
@require_permission("marketing.opportunity.develop")
def opportunity_lost(opportunity_id: int):
    """终止开发: the reason (dictionary) and details."""
    opportunity = opportunity_or_404(opportunity_id)
    if opportunity.is_closed or not flow.may_develop(opportunity):
        flash(_("Won and lost opportunities are read-only.") if opportunity.is_closed
              else _("You may not make this change to this opportunity."), "warning")
        return _back(opportunity)
    form = lost_form(opportunity, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                flow.lose(opportunity, form.version.data, form.reason.data, form.note.data or "")
                problem = _commit()
            except flow.Refused as refused:
                db.session.rollback()
                problem = str(refused)
            if problem is None:
                flash(_("Development ended: the opportunity is lost."), "success")
                return _back(opportunity)
            form.form_errors.append(problem)
            opportunity = opportunity_or_404(opportunity_id)
            status = 409
    return render_template("marketing/lost.html", opportunity=opportunity, form=form), status
