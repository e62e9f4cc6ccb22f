"""What the service plugin contributes to the top bar's search: requests by summary or number (#123)."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import or_

from core.api import SearchGroup, SearchResult, _, can, db, id_or_none

from plugins.service.models import REQUEST_TEXT, ServiceRequest
from plugins.service.services import visible_requests_query


def global_search(term: str, limit: int) -> SearchGroup | None:
    if not can("service.request.view"):
        return None
    R = ServiceRequest
    matches = REQUEST_TEXT.matches(R, term)
    number = id_or_none(term.removeprefix("#"))
    if number is not None:
        matches = or_(matches, R.id == number)
    found = db.session.scalars(visible_requests_query().where(matches).order_by(R.id.desc()).limit(limit))
    return SearchGroup(_("Service requests"), [
        SearchResult(str(r), url_for("service.request_detail", request_id=r.id),
                     " · ".join((r.status_label, r.priority_label))) for r in found],
        icon="headset", order=40, more_url=url_for("service.request_list", summary=term))
