"""What marketing contributes to the top bar's search: opportunities by customer, summary or contact."""
from __future__ import annotations

from flask import url_for

from core.api import SearchGroup, SearchResult, _, can

from plugins.marketing.models import OPPORTUNITY_TEXT, Opportunity
from plugins.marketing.services import visible_opportunities_query


def global_search(term: str, limit: int) -> SearchGroup | None:
    if not can("marketing.opportunity.view"):
        return None
    # From the search index (customer name, summary, contact, phone; a term of one or two characters in the
    # customer name), newest first: a term no opportunity holds reads no opportunity.
    stmt = visible_opportunities_query().order_by(Opportunity.id.desc()).limit(limit)
    found = [row[0] for row in OPPORTUNITY_TEXT.first_matches(stmt, Opportunity, term)]
    return SearchGroup(_("Sales opportunities"), [
        SearchResult(o.customer_name, url_for("marketing.opportunity_detail", opportunity_id=o.id),
                     " · ".join(filter(None, (o.summary, o.status_label, o.contact)))) for o in found],
        icon="graph-up-arrow", order=30, more_url=url_for("marketing.opportunity_list", customer=term))
