"""What the service plugin contributes to the top bar's search: requests by summary or number (#123)."""
from __future__ import annotations

from flask import url_for

from core.api import SearchGroup, SearchResult, _, can, db, id_or_none

from plugins.service.models import REQUEST_TEXT, ServiceRequest
from plugins.service.services import visible_requests_query


def global_search(term: str, limit: int) -> SearchGroup | None:
    if not can("service.request.view"):
        return None
    R = ServiceRequest
    stmt = visible_requests_query().order_by(R.id.desc()).limit(limit)
    found = [row[0] for row in REQUEST_TEXT.first_matches(stmt, R, term)]
    number = id_or_none(term.removeprefix("#"))
    if number is not None:  # "#123": that request first, if the user may see it
        numbered = list(db.session.scalars(visible_requests_query().where(R.id == number)))
        found = (numbered + [r for r in found if r.id != number])[:limit]
    return SearchGroup(_("Service requests"), [
        SearchResult(str(r), url_for("service.request_detail", request_id=r.id),
                     " · ".join((r.status_label, r.priority_label))) for r in found],
        icon="headset", order=40, more_url=url_for("service.request_list", summary=term))
