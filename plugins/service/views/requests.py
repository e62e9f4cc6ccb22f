"""The request lists (assign, handle, feedback, archive query), create and the request page."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.api import (
    SEARCH_COUNT_CAP, _, can, current_user, db, id_or_none, list_page, require_permission, scoped, search_term,
    to_utc, user_choices,
)

from plugins.basedata import services as basedata
from plugins.customers import services as customers
from plugins.service import flow, sla
from plugins.service.forms import RequestFilter, RequestForm
from plugins.service.models import ASSIGNED, HANDLED, NEW, REQUEST_TEXT, SLA_STATES, Round, ServiceRequest
from plugins.service.views import blueprint

R = ServiceRequest
# Priority is a filter, not a sort: its codes do not sort by urgency.
SORTS = {"created": R.created_at, "status": R.status, "type": R.type, "summary": R.summary,
         "assignee": R.assignee_id, "customer": R.customer_id, "due": R.resolution_due_at}
DEFAULT_SORT = "-created"

# The list pages and the statuses each shows (the archive query: any).
PAGES = {
    "assign": (NEW,), "handle": (ASSIGNED,), "feedback": (HANDLED,), "archive": None,
}


def visible_requests():
    """``select(ServiceRequest)`` within the user's data scope: own = created, assigned or the customer's manager."""
    return scoped(select(ServiceRequest), ServiceRequest)


def request_or_404(request_id: int) -> ServiceRequest:
    found = db.session.scalar(visible_requests().where(ServiceRequest.id == request_id)
                              .options(joinedload(R.assignee), joinedload(R.creator), joinedload(R.handler)))
    if found is None:
        abort(404)
    return found


def _filtered(stmt, form: RequestFilter):
    if form.customer.data:
        stmt = stmt.where(R.customer_id == form.customer.data)
    if form.summary.data:
        # Where the database can best choose to start (core.api.TextIndex.filter): a term's few postings,
        # or an account manager's requests probed for it when the term is common (发票: 51,875 summaries);
        # a longer term by a pair of its characters (服务器间歇: 器间), the FTS index checking the rows found.
        stmt = REQUEST_TEXT.filter(stmt, R, search_term(form.summary.data), pairs=True)
    status = form.status.data if form.status is not None else None
    for column, value in ((R.type, form.type.data), (R.priority, form.priority.data), (R.status, status)):
        if value:
            stmt = stmt.where(column == value)
    if id_or_none(form.assignee.data) is not None:
        stmt = stmt.where(R.assignee_id == id_or_none(form.assignee.data))
    # Dates are the user's days in CRM_TIMEZONE; creation times are stored in UTC.
    if form.created_from.data:
        stmt = stmt.where(R.created_at >= to_utc(_midnight(form.created_from.data)))
    if form.created_to.data:
        stmt = stmt.where(R.created_at < to_utc(_midnight(form.created_to.data, next_day=True)))
    if form.overdue.data:
        stmt = stmt.where(sla.overdue_clause(sla.now()))
    return stmt


def _midnight(day, next_day=False) -> datetime:
    return datetime.combine(day + timedelta(days=1) if next_day else day, time())


def _mine(page: str, stmt):
    """What each work list shows the current user: handle = assigned to me; feedback = mine to confirm."""
    if page == "handle":
        return stmt.where(R.assignee_id == current_user.id)
    if page == "feedback" and not can(flow.MANAGE):
        return stmt.where(R.awaiting_feedback_of(current_user.id))
    return stmt


def _list(page: str):
    form = RequestFilter(request.args)
    any_ = [("", _("Any"))]
    form.type.choices = any_ + basedata.choices(basedata.SERVICE_TYPE)
    form.assignee.choices = any_ + user_choices(flow.HANDLE)
    statuses = PAGES[page]
    if statuses is not None:
        del form.status  # the work lists are one status each
    stmt = visible_requests()
    if statuses is not None:
        stmt = _mine(page, stmt.where(R.status.in_(statuses)))
    stmt = _filtered(stmt, form) if form.validate() else stmt.where(False)
    if request.args.get("export") == "csv" and not can("service.request.export"):
        abort(403)
    stmt = stmt.options(joinedload(R.assignee), joinedload(R.creator))
    types = basedata.labels(basedata.SERVICE_TYPE)
    header = [_("ID"), _("Service type"), _("Priority"), _("Summary"), _("Customer"), _("Status"), _("Created by"),
              _("Created"), _("Assigned to"), _("Assigned on"), _("Handled by"), _("Handled on"), _("Round"),
              _("Service result"), _("Satisfaction"), _("Response due"), _("Response SLA"), _("Resolution due"),
              _("Resolution SLA"), _("Request"), _("Handling")]
    at = sla.now()
    context = dict(form=form, types=types, list_name=page, sla_state=lambda r: sla.overall(r, at),
                   bulk_form=_bulk_form() if page == "assign" and can(flow.ASSIGN) else None)
    # An outer join (every request has its customer, so the rows are the same): the count, which reads
    # no customer column, then leaves the customers out altogether (both databases drop such a join).
    stmt = customers.with_customer(stmt.options(joinedload(R.handler)), R.customer_id, outer=True)
    # walk: past the cap (an account manager's 10,000 requests of 500,000) SQLite reads a page along the
    # order's index, checking each row's scope, instead of sorting all of them (core/paging.py).
    searched = bool(form.summary.data) and not form.errors
    return list_page(stmt, SORTS, DEFAULT_SORT, R.id, walk=True, cap=SEARCH_COUNT_CAP if searched else None,
                     template="service/request_list.html",
                     export=(f"service-requests-{page}.csv", header, partial(_csv_row, types)), **context)


def _bulk_form():
    from plugins.service.forms import BulkAssignForm

    form = BulkAssignForm(formdata=None)
    form.assignee_id.choices = [(int(id_), name) for id_, name in user_choices(flow.HANDLE)]
    return form


def _csv_row(types: dict, row) -> list:
    r, customer_name, customer_number = row
    return [r.id, types.get(r.type, r.type), r.priority_label, r.summary, f"{customer_name} ({customer_number})",
            r.status_label,
            r.creator or "", r.created_at, r.assignee or "", r.assigned_at or "", r.handler or "", r.handled_at or "",
            r.round, r.result, r.satisfaction or "", r.response_due_at or "",
            SLA_STATES.get(r.response_state, r.response_state), r.resolution_due_at or "",
            SLA_STATES.get(r.resolution_state, r.resolution_state), r.text, r.handling]


@blueprint.route("/")
@require_permission("service.request.view")
def request_list():
    """服务归档: query every request in scope, any status (read-only)."""
    return _list("archive")


@blueprint.route("/assign")
@require_permission("service.request.assign")
def assign_list():
    """服务分配: new requests waiting for an assignee."""
    return _list("assign")


@blueprint.route("/handle")
@require_permission("service.request.handle")
def handle_list():
    """服务处理: requests assigned to me."""
    return _list("handle")


@blueprint.route("/feedback")
@require_permission("service.request.feedback")
def feedback_list():
    """服务反馈: handled requests waiting for my feedback."""
    return _list("feedback")


@blueprint.route("/new", methods=["GET", "POST"])
@require_permission("service.request.create")
def request_create():
    form = RequestForm()
    form.type.choices = [("", "—")] + basedata.choices(basedata.SERVICE_TYPE)
    if request.method == "GET":
        customer_id = id_or_none(request.args.get("customer"))
        if customer_id is not None:  # "New service request" on a customer's page
            form.customer_id.data = customers.visible_customer(customer_id).id
    if form.validate_on_submit():
        try:
            created = flow.create(type=form.type.data, priority=form.priority.data, summary=form.summary.data,
                                  customer_id=form.customer_id.data, text=form.text.data, at=sla.now())
        except flow.Refused as refused:
            db.session.rollback()
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            flash(_("Service request created."), "success")
            return redirect(url_for(".request_detail", request_id=created.id))
    return render_template("service/request_form.html", form=form), 200 if request.method == "GET" else 400


@blueprint.route("/<int:request_id>")
@require_permission("service.request.view")
def request_detail(request_id: int):
    from plugins.service.views.workflow import render_detail

    return render_detail(request_or_404(request_id))


def rounds_of(service_request: ServiceRequest) -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.request_id == service_request.id)
                                   .options(joinedload(Round.handler), joinedload(Round.feedback_by))
                                   .order_by(Round.number)))

