"""Customer value analysis (RFM) on a known data set: scores by quintile, segments, shares, links, scope."""
import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.api import db, local_today
from plugins.customers import rfm, services
from plugins.customers.kpis import _first_of_month
from plugins.customers.models import Customer, Order, OrderLine
from plugins.customers.order_summary import OrderMonth
from plugins.customers.rfm import SEGMENTS, RfmScore, segment_of

# name: (months since the last order, orders, amount of all of them); hand-computed below.
DATA = {
    "c0": (0, 10, "10000"), "c1": (0, 9, "9000"), "c2": (1, 1, "50"), "c3": (1, 2, "100"), "c4": (3, 5, "5000"),
    "c5": (4, 3, "3000"), "c6": (6, 8, "8000"), "c7": (7, 7, "7000"), "c8": (10, 4, "200"), "c9": (11, 1, "10"),
}
# R by last month (oldest first, ties by id): c9 c8 | c7 c6 | c5 c4 | c2 c3 | c0 c1
# F by orders: c2 c9 | c3 c5 | c8 c4 | c7 c6 | c1 c0;  M by amount: c9 c2 | c3 c8 | c5 c4 | c7 c6 | c1 c0
# FM = (F + M + 1) // 2;  (R, FM): c0 (5,5) c1 (5,5) c2 (4,1) c3 (4,2) c4 (3,3) c5 (3,3) c6 (2,4) c7 (2,4)
# c8 (1,3) c9 (1,1)
EXPECTED = [  # segment, customers, share of customers, revenue, share of revenue (of 42,360)
    ("Champions", "2", "20.0 %", "19,000.00", "44.9 %"),
    ("Potential loyalist", "1", "10.0 %", "100.00", "0.2 %"),
    ("Promising", "1", "10.0 %", "50.00", "0.1 %"),
    ("Need attention", "2", "20.0 %", "8,000.00", "18.9 %"),
    ("At risk customers", "3", "30.0 %", "15,200.00", "35.9 %"),
    ("Lost", "1", "10.0 %", "10.00", "0.0 %"),
]


def _table(page: str) -> list[list[str]]:
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.fixture
def book(app, login_as, add_customer, add_product):
    li = login_as("account_manager", display_name="Li Ming")
    zhang = login_as("account_manager", display_name="Zhang Wei")
    product = add_product()
    today = local_today()
    ids = {}
    with app.app_context():
        pass
    for n, name in enumerate(DATA):
        ids[name] = add_customer(li.user_id if n < 5 else zhang.user_id, name=name)
    deleted = add_customer(zhang.user_id, name="deleted", status="deleted")
    with app.app_context():
        number = 0
        for name, (back, orders, amount) in DATA.items():
            for _ in range(orders):
                number += 1
                order = Order(customer_id=ids[name], number=f"F{number}", date=_first_of_month(today, back))
                order.lines.append(OrderLine(product_id=product, quantity=Decimal(1), price=Decimal(amount) / orders))
                db.session.add(order)
        # outside the 12-month window, and a deleted customer: neither counts
        old = Order(customer_id=ids["c9"], number="OLD", date=_first_of_month(today, 20))
        old.lines.append(OrderLine(product_id=product, quantity=Decimal(1), price=Decimal("99999")))
        gone = Order(customer_id=deleted, number="GONE", date=today)
        gone.lines.append(OrderLine(product_id=product, quantity=Decimal(1), price=Decimal("5")))
        db.session.add_all([old, gone])
        db.session.commit()
    return li, zhang


def test_the_grid_places_every_score_pair_in_exactly_one_segment():
    cells = [cell for _label, cells in SEGMENTS.values() for cell in cells]
    assert sorted(cells) == [(r, fm) for r in range(1, 6) for fm in range(1, 6)]
    assert len(SEGMENTS) == 11
    assert segment_of(5, 5) == "champions" and segment_of(1, 1) == "lost" and segment_of(2, 5) == "cant_lose"


def test_segments_and_shares_for_the_team(login_as, book):
    page = login_as("sales_director").get("/reports/customers.rfm").get_data(as_text=True)
    assert [tuple(row) for row in _table(page)] == EXPECTED
    assert "<svg" in page and "Champions" in page[page.index("<svg"):page.index("</svg>")]


def test_each_segment_links_to_the_customer_list_filtered_to_it(login_as, book):
    director = login_as("sales_director")
    page = director.get("/reports/customers.rfm?window=12").get_data(as_text=True)
    link = re.search(r'href="(/customers/\?segment=at_risk[^"]*)"', page).group(1).replace("&amp;", "&")
    listed = director.get(link).get_data(as_text=True)
    names = set(re.findall(r'>(c\d)</a>', listed))
    assert names == {"c6", "c7", "c8"}
    champions = director.get("/customers/?segment=champions").get_data(as_text=True)
    assert set(re.findall(r'>(c\d)</a>', champions)) == {"c0", "c1"}


def test_an_account_manager_scores_only_their_customers(book):
    li, _zhang = book
    rows = _table(li.get("/reports/customers.rfm").get_data(as_text=True))
    assert sum(int(row[1]) for row in rows) == 5  # c0..c4, scored among all customers
    listed = li.get("/customers/?segment=champions").get_data(as_text=True)
    assert not set(re.findall(r'>(c\d)</a>', listed)) - {"c0", "c1", "c2", "c3", "c4"}
    page = li.get("/").get_data(as_text=True)
    assert "Customers at risk" in page


def test_a_director_has_no_at_risk_tile_but_the_report(login_as, book):
    assert "Customers at risk" not in login_as("sales_director").get("/").get_data(as_text=True)


@pytest.mark.parametrize("window", ["0", "10000", "abc", "-3", "1.5", "5"])
def test_a_window_out_of_range_is_refused_beside_the_field(login_as, book, window):
    page = login_as("sales_director").get(f"/reports/customers.rfm?window={window}").get_data(as_text=True)
    assert "is-invalid" in page and "<tbody>" not in page


def test_an_unknown_segment_is_refused_on_the_customer_list(login_as, book):
    page = login_as("sales_director").get("/customers/?segment=vip").get_data(as_text=True)
    assert "is-invalid" in page and ">c0<" not in page
    page = login_as("sales_director").get("/customers/?segment=lost&window=0").get_data(as_text=True)
    assert ">c9<" not in page


def test_the_nightly_scores_give_the_same_figures_and_serve_the_default_window(app, login_as, book):
    for _run in range(2):  # a second night's scores and totals replace the first's
        result = app.test_cli_runner().invoke(args=["customers-rfm"])
        assert result.exit_code == 0 and "10 customers scored." in result.output
    director = login_as("sales_director")
    assert [tuple(row) for row in _table(director.get("/reports/customers.rfm").get_data(as_text=True))] == EXPECTED
    assert set(re.findall(r'>(c\d)</a>', director.get("/customers/?segment=at_risk").get_data(as_text=True))) == \
        {"c6", "c7", "c8"}
    li, _zhang = book  # scored among all customers, shown within their own
    rows = _table(li.get("/reports/customers.rfm").get_data(as_text=True))
    assert [(row[0], row[1]) for row in rows] == [("Champions", "2"), ("Potential loyalist", "1"), ("Promising", "1"),
                                                  ("Need attention", "1")]
    with app.app_context():  # the kept scores stay as they were until the next run
        db.session.execute(OrderMonth.__table__.delete())
        db.session.commit()
    assert [tuple(row) for row in _table(director.get("/reports/customers.rfm").get_data(as_text=True))] == EXPECTED
    assert _table(director.get("/reports/customers.rfm?window=6").get_data(as_text=True)) != []  # kept too


def test_the_nightly_scores_keep_each_customers_manager_and_follow_a_handover(app, login_as, book, customer_form):
    """A score holds a copy of its customer's account manager (an account manager's scores are read by it);
    handing a customer over moves its scores with it in the same transaction, and a customer deleted since
    scored drops out of its manager's figures."""
    li, zhang = book
    assert app.test_cli_runner().invoke(args=["customers-rfm"]).exit_code == 0
    with app.app_context():
        copied = db.session.execute(select(RfmScore.manager_id, Customer.manager_id)
                                    .join(Customer, Customer.id == RfmScore.customer_id)).all()
        assert copied and all(score == customer for score, customer in copied)
        c6 = db.session.scalar(select(Customer).where(Customer.name == "c6"))
        c6_id, version = c6.id, c6.version
    at_risk = {"Li Ming": [], "Zhang Wei": [("At risk customers", "3")]}
    for client, name in ((li, "Li Ming"), (zhang, "Zhang Wei")):
        rows = _table(client.get("/reports/customers.rfm").get_data(as_text=True))
        assert [(row[0], row[1]) for row in rows if row[0] == "At risk customers"] == at_risk[name]

    director = login_as("sales_director")
    response = director.post(f"/customers/{c6_id}/edit",
                             data=customer_form(li.user_id, name="c6", version=str(version)))
    assert response.status_code == 302
    li_rows = _table(li.get("/reports/customers.rfm").get_data(as_text=True))
    assert ("At risk customers", "1") in [(row[0], row[1]) for row in li_rows]
    assert set(re.findall(r'>(c\d)</a>', li.get("/customers/?segment=at_risk").get_data(as_text=True))) == {"c6"}
    zhang_rows = _table(zhang.get("/reports/customers.rfm").get_data(as_text=True))
    assert ("At risk customers", "2") in [(row[0], row[1]) for row in zhang_rows]
    assert set(re.findall(r'>(c\d)</a>', zhang.get("/customers/?segment=at_risk").get_data(as_text=True))) == \
        {"c7", "c8"}
    with app.app_context():
        assert set(db.session.scalars(select(RfmScore.manager_id).where(RfmScore.customer_id == c6_id))) == \
            {li.user_id}
        db.session.get(Customer, c6_id).status = "deleted"
        db.session.commit()
    li_rows = _table(li.get("/reports/customers.rfm").get_data(as_text=True))
    assert "At risk customers" not in [row[0] for row in li_rows]


def test_a_scoring_begun_during_a_handover_waits_and_copies_the_new_manager(app, book):
    """The handover has moved the customer (and its old scores) but not committed yet when the nightly scoring
    begins: the scoring waits for it (``manager_copies_lock``, or SQLite's write lock), and the customer's new
    scores name the new manager."""
    li, zhang = book
    with app.app_context():
        rfm.store_scores()
        db.session.commit()
        c0 = db.session.scalar(select(Customer.id).where(Customer.name == "c0"))
    scored = threading.Event()

    def run_scoring():
        with app.app_context():
            rfm.store_scores()
            db.session.commit()
        scored.set()

    scoring = threading.Thread(target=run_scoring)
    with app.app_context():
        db.session.get(Customer, c0).manager_id = zhang.user_id
        db.session.flush()
        services.customers_reassigned([c0], zhang.user_id)
        scoring.start()
        assert not scored.wait(0.5)  # the scoring waits for the handover
        db.session.commit()
    scoring.join(20)
    assert scored.is_set()
    with app.app_context():
        managers = set(db.session.scalars(select(RfmScore.manager_id).where(RfmScore.customer_id == c0)))
    assert managers == {zhang.user_id}


def test_a_handover_during_a_scoring_moves_the_new_scores(app, login_as, book, customer_form):
    """The scoring has written its scores but not committed yet when a customer is handed over: the handover
    waits for it and moves the new scores too (on PostgreSQL its UPDATE could not see them otherwise)."""
    li, zhang = book
    director = login_as("sales_director")
    with app.app_context():
        c0 = db.session.scalar(select(Customer).where(Customer.name == "c0"))
        c0_id, version = c0.id, c0.version
    written, go_on, responses = threading.Event(), threading.Event(), []

    def run_scoring():
        with app.app_context():
            rfm.store_scores()
            written.set()
            go_on.wait(10)
            db.session.commit()

    def hand_over():
        responses.append(director.post(f"/customers/{c0_id}/edit",
                                       data=customer_form(zhang.user_id, name="c0", version=str(version))))

    scoring, handover = threading.Thread(target=run_scoring), threading.Thread(target=hand_over)
    scoring.start()
    assert written.wait(10)
    handover.start()
    handover.join(0.5)
    assert handover.is_alive()  # the handover waits for the scoring
    go_on.set()
    scoring.join(20)
    handover.join(20)
    assert [response.status_code for response in responses] == [302]
    with app.app_context():
        managers = set(db.session.scalars(select(RfmScore.manager_id).where(RfmScore.customer_id == c0_id)))
    assert managers == {zhang.user_id}
