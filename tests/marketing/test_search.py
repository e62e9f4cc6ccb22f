"""The opportunity list's "customer name contains": exact results from the search index at any length
(华 and 华信 included), kept in step with edits, read from indexes rather than every opportunity."""
import re

import pytest

from core.api import TextIndex, db
from core.text_search import POSTINGS_COUNTED
from plugins.marketing.models import Opportunity

ROW = re.compile(r'href="/marketing/(\d+)"')
# sqlite_stat1 at a million customers (bench/generate.py: 300,016 opportunities, 50 managers): rows, then
# rows per leading value(s); SQLite plans the search as it does at that size (PostgreSQL: no sequential scans).
OPPORTUNITIES = "marketing_opportunity"
MILLION = [(OPPORTUNITIES, index, figures) for index, figures in [
    ("ix_marketing_opportunity_amount_id", "300016 76 1"),
    ("ix_marketing_opportunity_assignee_id_id", "300016 5883 1"),
    ("ix_marketing_opportunity_close_date_id", "300016 232 1"),
    ("ix_marketing_opportunity_closed", "300016 75004 2 2 2"),
    ("ix_marketing_opportunity_column", "300016 75004 25002 1 1 1"),
    ("ix_marketing_opportunity_created_at_id", "300016 1 1"),
    ("ix_marketing_opportunity_assignee_scope", "300016 5883 1987 1"),
    ("ix_marketing_opportunity_created_by_scope", "300016 5883 1471 65 1"),
    ("ix_marketing_opportunity_customer_closed", "300016 2 2"),
    ("ix_marketing_opportunity_customer_created", "300016 2 1"),
    ("ix_marketing_opportunity_customer_name_id", "300016 2 1"),
    ("ix_marketing_opportunity_forecast", "300016 75004 114 1 1"),
    ("ix_marketing_opportunity_probability_id", "300016 50003 1"),
    ("ix_marketing_opportunity_source", "300016 60004"),
    ("ix_marketing_opportunity_stage_id_id", "300016 60004 1"),
    ("ix_marketing_opportunity_status_id", "300016 75004 1"),
]] + [("marketing_opportunity_gram", "marketing_opportunity_gram", "6714798 1768 1")]
NAMES = ["北京华信科技有限公司", "上海华联贸易有限公司", "华信", "信华实业", "Sunrise Trading Co.", "深圳SUNRISE电子",
         "百分之100%纯", "下划_线公司", "华", "广州宏达 机械"]
QUERIES = ["华", "华信", "华信科技", "信", "sunrise", "SunRise", "rise tr", "%", "_", "100%", "下划_", "宏达 机", "公司",
           "不存在", "a", '"', "OR", "NEAR(", "华*"]


@pytest.fixture
def opportunities(add_opportunity):
    return {add_opportunity(customer_name=name): name for name in NAMES}


def listed(client, query: str) -> set[int]:
    response = client.get("/marketing/", query_string={"customer": query, "per_page": 100})
    assert response.status_code == 200
    return {int(i) for i in ROW.findall(response.get_data(as_text=True))}


def expected(opportunities: dict, query: str) -> set[int]:
    q = query.strip().lower()
    return {id_ for id_, name in opportunities.items() if q in name.lower()}


def test_the_list_finds_exactly_the_opportunities_whose_customer_name_contains_the_text(opportunities, login_as):
    director = login_as("sales_director")
    for query in QUERIES:
        assert listed(director, query) == expected(opportunities, query), query


def test_edits_and_deletes_keep_the_index_in_step(opportunities, app, login_as):
    director = login_as("sales_director")
    first, second = list(opportunities)[:2]
    with app.app_context():
        db.session.get(Opportunity, first).customer_name = "杭州新星电子有限公司"
        db.session.delete(db.session.get(Opportunity, second))
        db.session.commit()
    assert first not in listed(director, "华信") and first in listed(director, "新星")
    assert second not in listed(director, "华联") and second not in listed(director, "华")


def test_data_scope_holds_in_the_search(add_opportunity, login_as):
    manager, other = login_as("account_manager"), login_as("account_manager")
    mine = add_opportunity(customer_name="北京华信科技有限公司", status="developing", assignee_id=manager.user_id)
    theirs = add_opportunity(customer_name="上海华信电子有限公司", status="developing", assignee_id=other.user_id)
    assert listed(manager, "华信") == {mine}
    assert listed(other, "华信") == {theirs}


@pytest.mark.parametrize("query", ["华", "华信", "华信科技", "sunrise"])
@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_the_search_reads_indexes_not_every_opportunity(opportunities, login_as, query_plans, query, role):
    client = login_as(role)
    plans = query_plans(client, f"/marketing/?customer={query}", OPPORTUNITIES, statistics=MILLION)
    assert plans
    for plan in plans:
        assert not query_plans.full_scans(plan, "marketing_opportunity"), plan
        assert not query_plans.full_scans(plan, "marketing_opportunity_gram"), plan
    if role == "account_manager":
        return  # their own opportunities are few: the database may start from those instead
    # Each statement that filters reads the index made for the term's length: the one- and two-character
    # grams (华, 华信), or the trigrams from three characters (SQLite FTS5, PostgreSQL pg_trgm).
    searching = [plan for plan in plans if any(part in plan.sql for part in ("_gram", "_fts", "ILIKE", "@>"))]
    assert searching
    sqlite = "SCAN" in "".join(plans) or "SEARCH" in "".join(plans)
    if not sqlite and len(query) > 2:
        return  # pg_trgm serves these (since 239dc7dc39c6); a table this small is read through any index
    expected = ("marketing_opportunity_gram" if sqlite else "customer_name_grams") if len(query) <= 2 else \
        "marketing_opportunity_fts"
    for plan in searching:
        assert expected in plan, plan


def _top_bar_titles(client, term: str) -> list[str]:
    page = client.get("/search", query_string={"q": term}).get_data(as_text=True)
    section = page.split('aria-label="Sales opportunities"', 1)
    return re.findall(r'<div class="fw-semibold text-break">([^<]+)</div>', section[1].split("</section>", 1)[0]) \
        if len(section) == 2 else []


def test_the_top_bar_finds_opportunities_by_customer_summary_contact_and_phone(add_opportunity, login_as):
    director = login_as("sales_director")
    add_opportunity(customer_name="北京华信科技有限公司", summary="年度服务器采购", contact="王建国",
                    contact_phone="13912345678")
    add_opportunity(customer_name="上海宏达贸易有限公司", summary="办公家具", contact="李四", contact_phone="021-5555")
    assert _top_bar_titles(director, "华信") == ["北京华信科技有限公司"]  # two characters: the customer name
    assert _top_bar_titles(director, "服务器采购") == ["北京华信科技有限公司"]
    assert _top_bar_titles(director, "王建国") == ["北京华信科技有限公司"]
    assert _top_bar_titles(director, "12345") == ["北京华信科技有限公司"]
    assert _top_bar_titles(director, "办公家具") == ["上海宏达贸易有限公司"]
    assert _top_bar_titles(director, "不存在的词") == []


@pytest.mark.parametrize("term", ["服务器采购", "13912345678", "不存在的词"])
def test_the_top_bar_reads_the_index_not_every_opportunity(opportunities, login_as, query_plans, term):
    """A term no opportunity holds must not read every opportunity newest first (~1 s at 300,000).
    (One or two characters: the customer name's grams, as the list's filter reads them.)"""
    director = login_as("sales_director")
    plans = query_plans(director, f"/search?q={term}", OPPORTUNITIES, statistics=MILLION)
    assert plans
    for plan in plans:
        assert not query_plans.full_scans(plan, "marketing_opportunity"), plan
        if "SCAN" in plan or "SEARCH" in plan:  # SQLite; PostgreSQL reads a table this small through any index
            assert "marketing_opportunity_fts" in plan, plan


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_a_short_search_is_counted_from_the_fewer_rows(app, opportunities, login_as, query_plans, monkeypatch, role):
    """SQLite, told how common 华信 is (15,042 of the generated million's 300,000 opportunities; likelihood()):
    an administrator's count reads its postings alone (core.text_search.postings_alone; before: each
    opportunity by its id too); an account manager's starts from their own opportunities, arm after arm of
    their scope, each probed for the gram."""
    app.config["CRM_COUNT_CAP"] = 2
    monkeypatch.setattr(TextIndex, "postings", lambda index, gram: min(15_042, POSTINGS_COUNTED))
    plans = query_plans(login_as(role), "/marketing/?customer=华信", OPPORTUNITIES, statistics=MILLION)
    counts = [plan for plan in plans if plan.bounded_count]
    assert len(counts) == 1, plans
    if "SEARCH" not in counts[0] and "SCAN" not in counts[0]:
        return  # PostgreSQL: the GIN index of the grams, as the test above checks
    steps = [line.strip() for line in counts[0].splitlines() if line.strip().startswith(("SEARCH", "SCAN", "MULTI"))]
    if role == "sales_director":
        assert steps[0] == "SEARCH marketing_opportunity_gram USING PRIMARY KEY (gram=?)", counts[0]
        assert "SEARCH marketing_opportunity " not in counts[0] and "SCAN marketing_opportunity " not in counts[0]
    else:  # arm after arm (Opportunity.owned_by is an ``either``), each from index entries only
        assert steps[0] == ("SEARCH marketing_opportunity USING COVERING INDEX "
                            "ix_marketing_opportunity_assignee_id_id (assignee_id=?)"), counts[0]
        assert ("SEARCH marketing_opportunity USING COVERING INDEX ix_marketing_opportunity_created_by_scope "
                "(created_by_id=?)") in counts[0], counts[0]
        assert "MULTI-INDEX OR" not in counts[0], counts[0]
        assert "SEARCH marketing_opportunity_gram USING PRIMARY KEY (gram=? AND row_id=?)" in counts[0], counts[0]


@pytest.mark.parametrize("cap", [2, 3, 100])
def test_an_administrators_count_from_the_postings_alone_is_the_lists_length(app, opportunities, login_as, cap):
    """The count an administrator's short search reads from its postings alone is that of the rows the list
    holds, below, at and above the cap, after edits and deletes too (the gram table follows them)."""
    app.config["CRM_COUNT_CAP"] = cap
    app.config["CRM_COUNT_CAP_SECONDS"] = 0  # counted again after the edits, not kept from before (core.kept_counts)
    director = login_as("sales_director")

    def shown(query: str) -> str:
        page = director.get("/marketing/", query_string={"customer": query}).get_data(as_text=True)
        summary = re.search(r'crm-page-summary">([^<]*)<', page)  # "1–3 of 3"; no pager for an empty list
        if summary is None:
            return "0"
        summary = summary.group(1)
        return re.search(r"(\d+\+?)(?: rows in all)?\s*$", summary.strip()).group(1)

    def expected_total(query: str) -> str:
        found = len(expected(opportunities, query))
        return f"{cap}+" if found > cap else str(found)

    for query in ("华", "华信", "信", "不存"):
        assert shown(query) == expected_total(query), query
    first, second = [id_ for id_, name in opportunities.items() if "华信" in name][:2]
    with app.app_context():
        db.session.get(Opportunity, first).customer_name = "杭州新星电子有限公司"
        db.session.delete(db.session.get(Opportunity, second))
        db.session.commit()
    opportunities[first] = "杭州新星电子有限公司"
    del opportunities[second]
    for query in ("华", "华信", "新星"):
        assert shown(query) == expected_total(query), query
