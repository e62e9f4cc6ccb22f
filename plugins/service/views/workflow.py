"""The request page and its workflow: assign (one or many), delete, handle, feedback."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.api import _, User, can, commit_unless_stale, db, id_or_none, require_permission

from plugins.basedata import services as basedata
from plugins.customers import services as customers
from plugins.service import flow, sla
from plugins.service.forms import AssignForm, BulkAssignForm, DeleteForm, FeedbackForm, HandleForm
from plugins.service.models import SLA_STATES, ServiceRequest
from plugins.service.views import blueprint
from plugins.service.views.requests import request_or_404, rounds_of, visible_requests

BULK_MAX = 100  # the longest page of the list
CONCURRENT = (StaleDataError, IntegrityError)  # raised by a flush (also an autoflush) that lost a race


def _assignees() -> list[tuple[int, str]]:
    users = db.session.execute(flow.assignable_users().with_only_columns(User.id, User.display_name)
                               .order_by(User.display_name, User.id))
    return [(id_, name) for id_, name in users]


def assign_form(service_request, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata, prefix="assign", version=service_request.version,
                      assignee_id=service_request.assignee_id)
    form.assignee_id.choices = _assignees()
    return form


def render_detail(service_request: ServiceRequest, status=200, **forms):
    r = service_request
    customer = db.session.execute(customers.with_customer(select(ServiceRequest.id), ServiceRequest.customer_id)
                                  .where(ServiceRequest.id == r.id)).one()
    at = sla.now()
    context = dict(
        r=r, rounds=rounds_of(r), customer_label=f"{customer.customer_name} ({customer.customer_number})",
        customer_visible=can("customers.customer.view"),
        types=basedata.labels(basedata.SERVICE_TYPE), sla_states=SLA_STATES,
        response_state=sla.state(r, sla.RESPONSE, at), resolution_state=sla.state(r, sla.RESOLUTION, at),
        assign_form=forms.get("assign_form") or (assign_form(r) if flow.may_assign(r) else None),
        delete_form=DeleteForm(formdata=None, version=r.version) if flow.may_delete(r) else None,
        handle_form=forms.get("handle_form") or (
            HandleForm(formdata=None, prefix="handle", version=r.version) if flow.may_handle(r) else None),
        feedback_form=forms.get("feedback_form") or (
            FeedbackForm(formdata=None, prefix="feedback", version=r.version) if flow.may_feedback(r) else None),
        rating_link=forms.get("rating_link"),
    )
    return render_template("service/request_detail.html", **context), status


def _back(service_request):
    return redirect(url_for(".request_detail", request_id=service_request.id))


def _act(request_id: int, form, action, done_message, form_key):
    """Validate ``form``, run ``action(service_request)``, commit once; on a refusal or a stale save
    the page again with the message (409) and nothing saved."""
    service_request = request_or_404(request_id)
    if not form.validate():
        return render_detail(service_request, 400, **{form_key: form})
    try:
        message = action(service_request)
        problem = None if commit_unless_stale() else flow.stale_message()
    except CONCURRENT:  # someone else's save landed between our read and our write
        db.session.rollback()
        problem = flow.stale_message()
    except flow.Refused as refused:
        db.session.rollback()
        problem = str(refused)
    if problem:
        form.form_errors.append(problem)
        return render_detail(request_or_404(request_id), 409, **{form_key: form})
    flash(message or done_message, "success")
    return _back(service_request)


@blueprint.route("/<int:request_id>/assign", methods=["POST"])
@require_permission("service.request.assign")
def request_assign(request_id: int):
    form = AssignForm(request.form, prefix="assign")
    form.assignee_id.choices = _assignees()

    def action(r):
        flow.assign(r, form.assignee_id.data, form.version.data, sla.now())
        return _("Service request assigned to %(name)s.", name=r.assignee)

    return _act(request_id, form, action, None, "assign_form")


@blueprint.route("/<int:request_id>/handle", methods=["POST"])
@require_permission("service.request.handle")
def request_handle(request_id: int):
    form = HandleForm(request.form, prefix="handle")
    return _act(request_id, form, lambda r: flow.handle(r, form.handling.data, form.version.data, sla.now()),
                _("Handling recorded; the request now waits for the customer's feedback."), "handle_form")


@blueprint.route("/<int:request_id>/feedback", methods=["POST"])
@require_permission("service.request.feedback")
def request_feedback(request_id: int):
    form = FeedbackForm(request.form, prefix="feedback")

    def action(r):
        archived = flow.feedback(r, form.result.data, form.satisfaction.data, form.version.data, sla.now())
        return _("Feedback recorded; the request is archived.") if archived else \
            _("Feedback recorded; the customer is not satisfied, so the request goes back to %(name)s "
              "for another round.", name=r.assignee or _("its assignee"))

    return _act(request_id, form, action, None, "feedback_form")


@blueprint.route("/<int:request_id>/delete", methods=["POST"])
@require_permission("service.request.assign")
def request_delete(request_id: int):
    service_request = request_or_404(request_id)
    form = DeleteForm(request.form)
    try:
        if not form.validate():
            raise flow.Refused(_("The form has expired; reload the page and try again."))
        flow.delete(service_request, form.version.data)
        problem = None if commit_unless_stale() else flow.stale_message()
    except CONCURRENT:
        db.session.rollback()
        problem = flow.stale_message()
    except flow.Refused as refused:
        db.session.rollback()
        problem = str(refused)
    if problem:
        flash(problem, "danger")
        return _back(service_request)
    flash(_("Service request deleted."), "success")
    return redirect(url_for(".assign_list"))


@blueprint.route("/assign", methods=["POST"])
@require_permission("service.request.assign")
def bulk_assign():
    """Assign the requests ticked on the list of new requests to one account manager."""
    form = BulkAssignForm(request.form)
    form.assignee_id.choices = _assignees()
    ids = {id_ for id_ in map(id_or_none, request.form.getlist("ids")[:BULK_MAX]) if id_ is not None}
    back = redirect(url_for(".assign_list"))
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return back
    if not ids:
        flash(_("Tick the requests to assign."), "warning")
        return back
    chosen = list(db.session.scalars(visible_requests().where(ServiceRequest.id.in_(ids))
                                     .with_for_update()))
    try:
        count = flow.assign_many(chosen, form.assignee_id.data, sla.now())
        problem = None if commit_unless_stale() else flow.stale_message()
    except CONCURRENT:
        db.session.rollback()
        problem = flow.stale_message()
    except flow.Refused as refused:
        db.session.rollback()
        problem = str(refused)
    if problem:
        flash(problem, "danger")
        return back
    skipped = len(ids) - count
    flash(_("%(count)s service requests assigned.", count=count), "success")
    if skipped:
        flash(_("%(count)s of the ticked requests were no longer new (or not found) and were left as they are.",
                count=skipped), "warning")
    return back

