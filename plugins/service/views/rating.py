"""The customer's rating page (no login; the signed token is the authorisation) and the link for staff."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.api import commit_unless_stale, db, public_view, require_permission

from plugins.service import flow, rating as tokens, sla
from plugins.service.forms import RatingForm
from plugins.service.models import ServiceRequest
from plugins.service.views import blueprint
from plugins.service.views.requests import request_or_404


@blueprint.route("/rate/<token>", methods=["GET", "POST"])
@public_view("the customer's rating link: the signed, expiring, single-use token is the authorisation")
def rating(token: str):
    found = tokens.read_token(token)
    service_request = db.session.get(ServiceRequest, found.request_id) if found.state == tokens.VALID else None
    state = found.state
    if state == tokens.VALID and not tokens.is_open(found, service_request):
        state = tokens.USED if service_request is not None else tokens.INVALID
    if state != tokens.VALID:
        return render_template("service/rating.html", state=state, form=None, r=None), \
            {tokens.USED: 409, tokens.EXPIRED: 410}.get(state, 404)
    form = RatingForm()
    if form.validate_on_submit():
        try:
            flow.feedback(service_request, form.result.data or "", form.satisfaction.data, service_request.version,
                          sla.now(), by_customer=True)
            saved = commit_unless_stale()
        except (flow.Refused, StaleDataError, IntegrityError):  # staff recorded the feedback meanwhile
            db.session.rollback()
            saved = False
        if not saved:
            return render_template("service/rating.html", state=tokens.USED, form=None, r=None), 409
        return render_template("service/rating.html", state="thanks", form=None, r=None)
    return render_template("service/rating.html", state=state, form=form, r=service_request), \
        400 if request.method == "POST" else 200


@blueprint.route("/<int:request_id>/rating-link", methods=["POST"])
@require_permission("service.request.feedback")
def rating_link(request_id: int):
    """Make the link for the customer (it changes nothing); shown on the request's page to copy."""
    from plugins.service.views.workflow import render_detail

    service_request = request_or_404(request_id)
    if not flow.may_feedback(service_request):
        return render_detail(service_request, 409)
    return render_detail(service_request, rating_link=tokens.link_for(service_request))
