"""What marketing contributes to the top bar's search: opportunities by customer, summary or contact."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import or_

from core.api import SearchGroup, SearchResult, _, can, contains, db

from plugins.marketing.models import Opportunity
from plugins.marketing.services import visible_opportunities_query


def global_search(term: str, limit: int) -> SearchGroup | None:
    if not can("marketing.opportunity.view"):
        return None
    # Customer names are matched through their trigram index on PostgreSQL; opportunities are far
    # fewer than customers, and the newest come first.
    stmt = visible_opportunities_query().where(or_(
        contains(Opportunity.customer_name, term), contains(Opportunity.summary, term),
        contains(Opportunity.contact, term), contains(Opportunity.contact_phone, term)))
    found = db.session.scalars(stmt.order_by(Opportunity.id.desc()).limit(limit))
    return SearchGroup(_("Sales opportunities"), [
        SearchResult(o.customer_name, url_for("marketing.opportunity_detail", opportunity_id=o.id),
                     " · ".join(filter(None, (o.summary, o.status_label, o.contact)))) for o in found],
        icon="graph-up-arrow", order=30, more_url=url_for("marketing.opportunity_list", customer=term))
