"""Lists longer than CRM_COUNT_CAP: capped totals, keyset pages, every row exactly once, bad page input."""
import re
from datetime import datetime

import pytest
from sqlalchemy import insert

from core.api import db
from core.testing import pager_link, walk_pages
from plugins.customers.models import Customer

ROW = re.compile(r'href="/customers/(\d+)"')
CAP = 40


@pytest.fixture
def many(app, login_as):
    """47 customers with many equal sort values (names, regions, creation times, no manager) over two managers."""
    app.config["CRM_COUNT_CAP"] = CAP
    managers = [login_as("account_manager"), login_as("account_manager")]
    moment = datetime(2026, 3, 1, 9, 30)
    rows = [dict(number=f"KH20260301{n:05d}", name=f"华信{n % 4}号", region=("beijing", "shanghai")[n % 2],
                 manager_id=None if n % 5 == 0 else managers[n % 2].user_id, level=str(n % 3 + 1),
                 status="normal", created_at=moment.replace(minute=n % 3), updated_at=moment, version=1)
            for n in range(47)]
    with app.app_context():
        db.session.execute(insert(Customer), rows)
        db.session.commit()
        ids = [c.id for c in db.session.query(Customer)]
    return ids, managers


def _ids(page_html: str) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ROW.findall(page_html)))


@pytest.mark.parametrize("sort", ["-created", "created", "name", "-name", "manager", "-manager", "region", "level"])
def test_every_row_appears_once_walking_forward_and_backward(many, login_as, sort):
    ids, _ = many
    director = login_as("sales_director")
    forward = walk_pages(director, f"/customers/?sort={sort}", ROW)
    assert sorted(forward) == sorted(ids)
    last = pager_link(director.get(f"/customers/?sort={sort}").get_data(as_text=True), "Last")
    assert "page=-1" in last
    assert walk_pages(director, last, ROW, backwards=True) == forward


def test_a_list_within_the_cap_is_numbered_exactly(many, login_as, app):
    ids, _ = many
    app.config["CRM_COUNT_CAP"] = 1000
    director = login_as("sales_director")
    text = director.get("/customers/").get_data(as_text=True)
    assert "1–20 of 47" in text and "1 / 3" in text
    assert sorted(walk_pages(director, "/customers/", ROW)) == sorted(ids)
    last = director.get("/customers/?page=-1").get_data(as_text=True)
    assert "41–47 of 47" in last and "3 / 3" in last


def test_a_long_list_shows_a_capped_total(many, login_as):
    director = login_as("sales_director")
    first = director.get("/customers/").get_data(as_text=True)
    assert "1–20 of 40+" in first
    last = director.get("/customers/?page=-1").get_data(as_text=True)
    assert "Last page" in last and "40+ rows in all" in last
    assert len(_ids(last)) == 20
    second = director.get(pager_link(first, "Next")).get_data(as_text=True)
    assert "21–40 of 40+" in second


def test_data_scope_holds_on_every_page(many, app):
    ids, managers = many
    manager = managers[0]
    with app.app_context():
        own = {c.id for c in db.session.query(Customer).filter(Customer.manager_id == manager.user_id)}
    forward = walk_pages(manager, "/customers/", ROW)
    assert sorted(forward) == sorted(own)
    # A cursor naming another manager's customer is not followed
    other = (set(ids) - own).pop()
    text = manager.get(f"/customers/?page=3&after={other}").get_data(as_text=True)
    assert f'href="/customers/{other}"' not in text


@pytest.mark.parametrize("query", [
    "page=" + "9" * 20, "page=-" + "9" * 20, "page=abc", "page=0", "per_page=" + str(10**9), "per_page=-5",
    "sort=nosuch", "sort=-", "after=abc", "before=" + "9" * 30, "after=-1&page=5", "page=99999999&after=1",
    "sort=name&page=-3&before=0",  # (page=%00 is refused with 400: tests/test_hostile_query.py)
])
def test_bad_page_arguments_give_a_bounded_page(many, login_as, query):
    director = login_as("sales_director")
    response = director.get(f"/customers/?{query}")
    assert response.status_code == 200
    assert 1 <= len(_ids(response.get_data(as_text=True))) <= 20


def test_a_jump_beyond_the_numbered_pages_says_so(many, login_as):
    director = login_as("sales_director")
    text = director.get("/customers/?page=" + "9" * 20).get_data(as_text=True)
    assert "Pages up to 2 open by number in a list this long" in text
    assert "21–40 of 40+" in text


@pytest.mark.parametrize("role", ["sales_director", "account_manager"])
def test_a_name_search_is_counted_to_its_own_lower_bound(many, login_as, app, monkeypatch, role):
    """A list narrowed by a name search counts to SEARCH_COUNT_CAP (here 5; 1,000 deployed), not to the
    deployment's cap (40 here): each match costs a probe of the name's search index. Past it the pages
    still show every match exactly once, both ways."""
    from sqlalchemy import select

    from plugins.customers.views import customers as views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 5)
    ids, managers = many
    client = managers[1] if role == "account_manager" else login_as(role)
    with app.app_context():
        matching = select(Customer.id).where(Customer.name.contains("华信"))
        if role == "account_manager":
            matching = matching.where(Customer.manager_id == managers[1].user_id)
        expected = set(db.session.scalars(matching))
    first = client.get("/customers/?name=华信").get_data(as_text=True)
    assert "of 5+" in first and len(expected) > 5
    forward = walk_pages(client, "/customers/?name=华信", ROW)
    assert len(forward) == len(set(forward)) and set(forward) == expected
    if len(expected) > 20:  # (the director's: more than a page)
        assert walk_pages(client, pager_link(first, "Last"), ROW, backwards=True) == forward
    assert "of 5+" not in client.get("/customers/").get_data(as_text=True)  # the deployment's cap
