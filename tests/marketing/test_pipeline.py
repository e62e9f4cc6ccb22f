"""The pipeline kanban: column figures are SQL sums of the whole column, more cards on demand, no query per card."""
import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Engine

from core.api import db, utcnow
from plugins.marketing.models import Opportunity


def _figures(page: str, key: str) -> tuple[str, str, str]:
    column = page.split(f'data-column="{key}"', 1)[1].split("</header>", 1)[0]
    found = [re.search(rf'data-figure="{name}">([^<]*)<', column).group(1) for name in ("count", "total", "weighted")]
    return tuple(found)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_column_totals_are_the_sql_sums_of_the_whole_column(app, login_as, stage_ids):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    rows = [dict(status="developing", stage_id=stage_ids[1], assignee_id=manager.user_id, customer_name=f"客户{n}",
                 summary="采购", description="", amount=Decimal(f"{1000 + n * 37}.{n % 100:02d}"), probability=(n * 7) % 101,
                 source="exhibition", contact="", contact_phone="", lost_reason="", lost_note="", version=1,
                 created_at=utcnow(), updated_at=utcnow(), close_date=date(2027, 1 + n % 3, 10)) for n in range(45)]
    rows[3]["amount"] = None  # no expected amount yet: counted, adds nothing
    with app.app_context():
        db.session.execute(insert(Opportunity), rows)
        db.session.commit()
        count, total, weighted_cents = db.session.execute(text(
            "SELECT count(*), sum(amount), sum(amount * probability) FROM marketing_opportunity "
            "WHERE status = 'developing' AND stage_id = :stage"), {"stage": stage_ids[1]}).one()
    expected_total = sum((r["amount"] for r in rows if r["amount"] is not None), Decimal("0"))
    expected_weighted = (sum((r["amount"] * r["probability"] for r in rows if r["amount"] is not None), Decimal("0"))
                         / 100).quantize(Decimal("0.01"))
    assert count == 45 and Decimal(str(total)).quantize(Decimal("0.01")) == expected_total
    page = director.get("/marketing/pipeline").get_data(as_text=True)
    assert _figures(page, f"stage-{stage_ids[1]}") == ("45", _money(expected_total), _money(expected_weighted))
    assert _figures(page, "unassigned") == ("0", "0.00", "0.00")
    column = page.split(f'data-drop="stage-{stage_ids[1]}"', 1)[1].split("</section>", 1)[0]
    assert column.count('class="card crm-card') == 20 and "Load more" in column
    # The JSON totals agree; "load more" gives the next 20, then the last 5.
    assert director.get("/marketing/pipeline/totals.json").get_json()[f"stage-{stage_ids[1]}"] == {
        "count": 45, "total": str(expected_total), "weighted": str(expected_weighted)}
    more_url = re.search(r'data-more-url="([^"]+)"', column).group(1).replace("&amp;", "&")
    second = director.get(more_url).get_data(as_text=True)
    assert second.count('class="card crm-card') == 20
    third = director.get(re.search(r'data-more-url="([^"]+)"', second).group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert third.count('class="card crm-card') == 5 and "Load more" not in third
    # A filter narrows the figures in SQL too.
    page = director.get("/marketing/pipeline?month=2027-01").get_data(as_text=True)
    january = [r for r in rows if r["close_date"].month == 1]
    assert _figures(page, f"stage-{stage_ids[1]}")[0] == str(len(january))


def test_won_and_lost_columns_fold_to_the_last_30_days(app, login_as, add_opportunity, stage_ids):
    director = login_as("sales_director")
    add_opportunity("won", stage_ids[3], amount="100.00", probability=100, closed_at=utcnow() - timedelta(days=3))
    add_opportunity("won", stage_ids[3], amount="900.00", probability=100, closed_at=utcnow() - timedelta(days=40))
    add_opportunity("lost", stage_ids[0], amount="50.00", probability=0, closed_at=utcnow(), lost_reason="price")
    page = director.get("/marketing/pipeline").get_data(as_text=True)
    assert _figures(page, "won") == ("1", "100.00", "100.00")
    assert _figures(page, "lost") == ("1", "50.00", "0.00")


def test_the_board_costs_the_same_statements_with_more_cards(app, login_as, add_opportunity, stage_ids):
    director = login_as("sales_director")
    manager = login_as("account_manager")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    for stage_id in stage_ids:
        add_opportunity("developing", stage_id, manager.user_id)
    add_opportunity()
    urls = ["/marketing/pipeline", "/marketing/?export=csv", "/marketing/", "/"]

    def count(url):
        director.get(url).get_data()  # warm-up: stable data (roles, dictionaries) is cached after it
        statements.clear()
        response = director.get(url)
        assert response.status_code == 200
        response.get_data()
        return len(statements)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        few = {url: count(url) for url in urls}
        for n in range(15):
            add_opportunity("developing", stage_ids[n % 4], manager.user_id)
            add_opportunity()
        many = {url: count(url) for url in urls}
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert many == few


def test_without_javascript_the_card_chooser_moves_and_returns_to_the_board(app, login_as, add_opportunity, stage_ids):
    manager = login_as("account_manager")
    opportunity_id = add_opportunity("developing", stage_ids[0], manager.user_id)
    page = manager.get("/marketing/pipeline?source=").get_data(as_text=True)
    assert f'action="/marketing/{opportunity_id}/move"' in page and 'name="csrf_token"' in page
    response = manager.post(f"/marketing/{opportunity_id}/move", data={
        "to": f"stage-{stage_ids[2]}", "version": 1, "next": "/marketing/pipeline?source="})
    assert response.status_code == 302 and response.headers["Location"] == "/marketing/pipeline?source="
    # An outside address is never a place to return to.
    response = manager.post(f"/marketing/{opportunity_id}/move", data={
        "to": f"stage-{stage_ids[3]}", "version": 2, "next": "//evil.example/"})
    assert response.headers["Location"] == f"/marketing/{opportunity_id}"
    # Without the CSRF token nothing moves.
    assert manager.post(f"/marketing/{opportunity_id}/move", data={"to": f"stage-{stage_ids[0]}", "version": 3},
                        csrf=False).status_code == 400
    with app.app_context():
        assert db.session.get(Opportunity, opportunity_id).stage_id == stage_ids[3]


def test_the_forecast_sums_open_opportunities_by_close_month(app, login_as, add_opportunity, stage_ids):
    director = login_as("sales_director")
    add_opportunity("developing", stage_ids[1], amount="1000.00", probability=30, close_date=date(2027, 2, 1))
    add_opportunity(amount="500.00", probability=10, close_date=date(2027, 2, 28))
    add_opportunity("won", stage_ids[1], amount="999.00", probability=100, close_date=date(2027, 2, 3))
    page = director.get("/marketing/pipeline").get_data(as_text=True)
    row = page.split("<td>2027-02</td>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r">([^<]+)</td>", row) == ["2", "1,500.00", "350.00"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Opportunity.id))) == 3


def test_the_board_reads_two_statements_per_column_and_names_assignees_from_the_cache(app, login_as, add_opportunity,
                                                                                        stage_ids):
    """Each column: its totals and its cards. The cards' assignees are named from the cached user names,
    never by loading User objects (and, with them, each column's users' roles)."""
    director = login_as("sales_director")
    manager = login_as("account_manager")
    for stage_id in stage_ids:
        add_opportunity("developing", stage_id, manager.user_id)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    director.get("/marketing/pipeline").get_data()  # warm-up: roles, names and dictionaries cached
    event.listen(Engine, "before_cursor_execute", record)
    try:
        page = director.get("/marketing/pipeline").get_data(as_text=True)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert not [s for s in statements if "core_user_role" in s or ("FROM core_user " in s and "core_login" not in s)]
    with app.app_context():
        name = db.session.scalar(text("SELECT display_name FROM core_user WHERE id = :id"), {"id": manager.user_id})
    column = page.split(f'data-drop="stage-{stage_ids[0]}"', 1)[1].split("</section>", 1)[0]
    assert name and name in column


def test_unassigned_won_and_lost_cards_come_newest_first_and_load_more(app, login_as, add_opportunity, stage_ids):
    """The columns whose cards are picked from a closing-time or status range and sorted: newest first,
    each card once over "load more", none closed before the last 30 days, within the user's scope."""
    manager = login_as("account_manager")
    other = login_as("account_manager")
    mine = {"unassigned": [], "won": []}
    for n in range(23):
        mine["unassigned"].append(add_opportunity(created_by_id=manager.user_id, customer_name=f"新客户{n}"))
        add_opportunity(created_by_id=other.user_id)
        mine["won"].append(add_opportunity("won", stage_ids[-1], manager.user_id, closed_at=utcnow()))
    add_opportunity("won", stage_ids[-1], manager.user_id, closed_at=utcnow() - timedelta(days=31))
    for key, ids in mine.items():
        page = manager.get("/marketing/pipeline").get_data(as_text=True)
        column = page.split(f'data-drop="{key}"', 1)[1].split("</section>", 1)[0]
        shown = [int(found) for found in re.findall(r'data-id="(\d+)"', column)]
        more = re.search(r'data-more-url="([^"]+)"', column).group(1).replace("&amp;", "&")
        rest = manager.get(more).get_data(as_text=True)
        shown += [int(found) for found in re.findall(r'data-id="(\d+)"', rest)]
        assert shown == sorted(ids, reverse=True) and "Load more" not in rest, key
