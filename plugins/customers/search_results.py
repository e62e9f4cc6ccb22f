"""What the customers plugin contributes to the top bar's search: customers and contacts."""
from __future__ import annotations

from flask import url_for

from core.api import SearchGroup, SearchResult, _, can

from plugins.customers import services


def global_search(term: str, limit: int) -> list[SearchGroup]:
    groups = []
    if can("customers.customer.view"):
        found = services.customer_search(term, limit=limit)
        groups.append(SearchGroup(_("Customers"), [
            SearchResult(row["name"], url_for("customers.customer_detail", customer_id=row["id"]),
                         " · ".join(filter(None, (row["number"], row.get("phone"))))) for row in found],
            icon="building", order=10, more_url=url_for("customers.customer_list", name=term)))
    if can("customers.customer.view") and can("customers.contact.view"):
        found = services.contact_search(term, limit=limit)
        groups.append(SearchGroup(_("Contacts"), [
            SearchResult(row["name"], url_for("customers.contact_list", customer_id=row["customer_id"]),
                         " · ".join(filter(None, (row["customer_name"], row["phone"], row["mobile"], row["email"]))))
            for row in found], icon="person-lines-fill", order=20))
    return groups
