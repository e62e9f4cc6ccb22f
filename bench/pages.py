"""The pages the benchmark opens, as each user would: lists, searches, filters, sorts, deep pages."""
from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import text

PER_PAGE = 20  # the list's default page size
CUSTOMER_SORTS = ["number", "name", "region", "manager", "level", "status", "created", "-name"]
CHURN_SORTS = ["customer", "last_order", "status", "lost"]
OPPORTUNITY_SORTS = ["probability", "-amount", "status", "stage", "assignee"]  # besides customer and -close
REQUEST_SORTS = ["status", "type", "assignee", "customer", "due"]  # besides summary


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
    # The top bar's search asks every plugin (customers, contacts, opportunities, service requests).
    pages += [("top bar search: 华信", "/search?q=" + quote("华信")),
              ("top bar search: 北京华信科技", "/search?q=" + quote("北京华信科技")),
              ("top bar search: a term nothing holds", "/search?q=" + quote("不存在的词")),
              ("top bar search: phone fragment", "/search?q=" + f["phone"]),
              ("follow-ups", "/customers/follow-ups")]
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


def sales_facts(conn, manager_id: int | None) -> dict:
    """What the marketing and service URLs need: an opportunity in development with its plan, a
    service request, the first stage, the largest opportunity id; within the user's data scope."""
    own = f" AND assignee_id = {int(manager_id)}" if manager_id else ""
    opportunity = conn.execute(text("SELECT id FROM marketing_opportunity WHERE status = 'developing'"
                                    f"{own} ORDER BY id LIMIT 1 OFFSET 3")).scalar()
    request = conn.execute(text(f"SELECT id FROM service_request WHERE status = 'archived'{own} "
                                "ORDER BY id LIMIT 1 OFFSET 3")).scalar()
    stage = conn.execute(text("SELECT id FROM marketing_stage ORDER BY sort_order, id LIMIT 1")).scalar()
    last = conn.execute(text("SELECT max(id) FROM marketing_opportunity")).scalar()
    return {"opportunity": opportunity, "request": request, "stage": stage, "last_opportunity": last or 0,
            "manager_role": manager_id is not None}


def sales_service_pages(f: dict) -> list[tuple[str, str]]:
    """The marketing and service lists, the pipeline, a request and an opportunity, their reports.
    Pages a user's role cannot open are left out (an account manager neither assigns requests nor
    reads the service reports)."""
    pages = [
        ("opportunities: first page", "/marketing/"),
        ("opportunities: last page", "LAST:/marketing/"),
        ("opportunities: status developing", "/marketing/?status=developing"),
        ("opportunities: stage, sort amount", f"/marketing/?status=developing&stage={f['stage']}&sort=-amount"),
        ("opportunities: sort customer", "/marketing/?sort=customer"),
        ("opportunities: sort close date", "/marketing/?sort=-close"),
        *((f"opportunities: sort {key}", f"/marketing/?sort={key}") for key in OPPORTUNITY_SORTS),
        ("opportunities: customer 华信", "/marketing/?customer=" + quote("华信")),
        ("opportunities: customer 华信, last page", "LAST:/marketing/?customer=" + quote("华信")),
        ("opportunities: customer 华信科技", "/marketing/?customer=" + quote("华信科技")),
        ("opportunity with plan and history", f"/marketing/{f['opportunity']}" if f["opportunity"] else ""),
        ("pipeline", "/marketing/pipeline"),
        ("pipeline: totals", "/marketing/pipeline/totals.json"),
        ("pipeline: more cards", f"/marketing/pipeline/cards?column=stage-{f['stage']}&after={f['last_opportunity']}"),
        ("service archive: first page", "/service/"),
        ("service archive: last page", "LAST:/service/"),
        ("service archive: status handled", "/service/?status=handled"),
        ("service archive: sort summary", "/service/?sort=summary"),
        *((f"service archive: sort {key}", f"/service/?sort={key}") for key in REQUEST_SORTS),
        ("service archive: summary 发票 (2 chars)", "/service/?summary=" + quote("发票")),
        ("service archive: summary 服务器间歇", "/service/?summary=" + quote("服务器间歇")),
        ("service: feedback list", "/service/feedback"),
        ("service request", f"/service/{f['request']}" if f["request"] else ""),
    ]
    if f["manager_role"]:
        pages += [("service: handle list", "/service/handle")]
    else:
        pages += [("service: assign list", "/service/assign"), ("service: handle list", "/service/handle")]
    reports = ["marketing.funnel", "marketing.win_rate", "marketing.lost_reasons", "marketing.forecast"]
    if not f["manager_role"]:  # service reports are for directors and executives
        reports += ["service.by_type", "service.satisfaction_by_type", "service.satisfaction_by_handler",
                    "service.sla_attainment"]
    pages += [(f"report: {key}", f"/reports/{key}") for key in reports]
    return [(name, url) for name, url in pages if url]


_LAST = re.compile(r'href="([^"]+)"[^>]*aria-label="(?:Last|最后一页|末页)"')


def resolve(session, base: str, url: str) -> str:
    """``LAST:<url>``: the target of the "last page" link the list page itself shows."""
    if not url.startswith("LAST:"):
        return url
    first = url[len("LAST:"):]
    html = session.get(base + first).text
    match = _LAST.search(html)
    return match.group(1).replace("&amp;", "&") if match else first
