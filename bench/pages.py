"""The pages the benchmark opens, as each user would: lists, searches, filters, sorts, deep pages."""
from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import text

PER_PAGE = 20  # the list's default page size
CUSTOMER_SORTS = ["number", "name", "region", "manager", "level", "status", "created", "-name"]
CHURN_SORTS = ["customer", "last_order", "status", "lost"]


def facts(conn, manager_id: int | None) -> dict:
    """What the URLs need from the data: counts, a customer, a number, a phone, a manager."""
    where = "status != 'deleted'" + (f" AND manager_id = {int(manager_id)}" if manager_id else "")
    one = conn.execute(text(f"SELECT id, number, phone, manager_id FROM customers_customer WHERE {where} "
                            "ORDER BY id LIMIT 1 OFFSET 37")).one()
    total = conn.execute(text(f"SELECT count(*) FROM customers_customer WHERE {where}")).scalar()
    return {"customer": one.id, "number": one.number, "phone": one.phone.split("-")[-1][:6],
            "manager": one.manager_id, "total": total}


def customer_pages(f: dict) -> list[tuple[str, str]]:
    middle = max(1, f["total"] // PER_PAGE // 2)
    pages = [
        ("customers: first page", "/customers/"),
        ("customers: page 2", "/customers/?page=2"),
        ("customers: middle page", f"/customers/?page={middle}"),
        ("customers: last page", "LAST:/customers/"),
        ("customers: 100 per page", "/customers/?per_page=100"),
        ("search: name 华信 (2 chars)", "/customers/?name=" + quote("华信")),
        ("search: name 华 (1 char)", "/customers/?name=" + quote("华")),
        ("search: name 华信科技 (4 chars)", "/customers/?name=" + quote("华信科技")),
        ("search: name sunrise (Latin)", "/customers/?name=sunrise"),
        ("search: 华信, last page", "LAST:/customers/?name=" + quote("华信")),
        ("search: number", f"/customers/?number={f['number']}"),
        ("search: phone fragment", "/customers/?name=" + f["phone"]),
        ("autocomplete: 华信", "/customers/search.json?q=" + quote("华信")),
        ("filter: region", "/customers/?region=north_china"),
        ("filter: level", "/customers/?level=3"),
        ("filter: manager", f"/customers/?manager={f['manager']}"),
        ("filter: status lost", "/customers/?status=lost"),
        ("filter: region + level, sort name", "/customers/?region=west&level=2&sort=name"),
        ("filter: region, last page", "LAST:/customers/?region=north_china"),
    ]
    pages += [(f"sort: {key}", f"/customers/?sort={key}") for key in CUSTOMER_SORTS]
    pages += [("sort: -name, last page", "LAST:/customers/?sort=-name")]
    pages += [
        ("customer 360", f"/customers/{f['customer']}"),
        ("contacts of a customer", f"/customers/{f['customer']}/contacts"),
        ("orders of a customer", f"/customers/{f['customer']}/orders"),
        ("churn: list", "/customers/churn/"),
        ("churn: status warning", "/customers/churn/?status=warning"),
        ("churn: customer 华信", "/customers/churn/?customer=" + quote("华信")),
        ("churn: last page", "LAST:/customers/churn/"),
    ]
    pages += [(f"churn: sort {key}", f"/customers/churn/?sort={key}") for key in CHURN_SORTS]
    pages += [("dashboard", "/")]
    pages += [
        ("reports: index", "/reports/"),
        ("report: contribution, all years", "/reports/customers.contribution"),
        ("report: contribution, one year", "/reports/customers.contribution?year=2025"),
        ("report: contribution, name 华信", "/reports/customers.contribution?name=" + quote("华信")),
        ("report: composition by level", "/reports/customers.composition?dimension=level"),
        ("report: composition by credit", "/reports/customers.composition?dimension=credit"),
        ("report: churn analysis", "/reports/customers.churn"),
        ("report: lost per year", "/reports/customers.churn_per_year"),
        ("report: RFM, 12 months", "/reports/customers.rfm"),
        ("report: RFM, 36 months", "/reports/customers.rfm?window=36"),
    ]
    return pages


_LAST = re.compile(r'href="([^"]+)"[^>]*aria-label="(?:Last|最后一页|末页)"')


def resolve(session, base: str, url: str) -> str:
    """``LAST:<url>``: the target of the "last page" link the list page itself shows."""
    if not url.startswith("LAST:"):
        return url
    first = url[len("LAST:"):]
    html = session.get(base + first).text
    match = _LAST.search(html)
    return match.group(1).replace("&amp;", "&") if match else first
