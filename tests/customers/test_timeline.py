"""The customer timeline: every source merged newest first, paged across sources, within permissions and scope.

``Pipeline`` is a plugin the customers plugin does not know: it contributes
entries through the slot ``customers.timeline`` exactly as marketing and
service do, keeping them in memory so the test controls every time.
"""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.api import can, db, hookimpl
from core.testing import create_user, log_in
from plugins.customers import services as customers
from plugins.customers.churn import ChurnMeasure, ChurnRecord
from plugins.customers.models import Activity, Customer, Order, OrderLine


class Pipeline:
    """Contributes opportunities to customers' timelines; only users holding ``customers.order.view`` see them."""

    name = "pipeline"

    def __init__(self):
        self.entries = {}  # customer id -> [TimelineEntry]

    def add(self, customer_id, when, title, **fields):
        entries = self.entries.setdefault(customer_id, [])
        entry = customers.TimelineEntry(when, "pipeline.opportunity", len(entries) + 1, "Opportunity", title, **fields)
        entries.append(entry)
        return entry

    @hookimpl
    def template_slot(self, slot, context):
        if slot != "customers.timeline" or not can("customers.order.view"):
            return None
        position, limit = context["before"], context["limit"]
        mine = [e for e in self.entries.get(context["customer"].id, []) if position is None or e.position < position]
        return sorted(mine, key=lambda e: e.position, reverse=True)[:limit]


@pytest.fixture
def pipeline():
    return Pipeline()


@pytest.fixture
def pipeline_app(make_app, pipeline):
    return make_app(plugins="basedata,customers,pipeline", extra_plugins=[pipeline])


def client_for(app, role_key=None, **kwargs):
    username = f"tl{next(_users)}"
    user_id = create_user(app, role_key, username=username, **kwargs)
    client = app.test_client()
    log_in(client, username)
    client.user_id = user_id
    return client


_users = iter(range(1, 10**6))


def shown(page: str) -> list[str]:
    return re.findall(r'data-entry="([^"]+)"', page)


def older_link(page: str) -> str | None:
    match = re.search(r'href="(/customers/\d+/timeline\?before=[^"]+)"', page)
    return match.group(1).replace("&amp;", "&") if match else None


def add_history(app, customer_id, product_id):
    """An activity, an order, a churn warning with a measure, at known times; returns their entry keys."""
    with app.app_context():
        activity = Activity(customer_id=customer_id, date=date(2026, 3, 1), place="北京", summary="上门拜访")
        order = Order(customer_id=customer_id, number="DD-TL-1", date=date(2026, 3, 5))
        order.lines.append(OrderLine(product_id=product_id, quantity=Decimal(3), unit="台", price=Decimal("2.50")))
        record = ChurnRecord(customer_id=customer_id, status="postponed", created_at=datetime(2026, 3, 3, 2, 0))
        record.measures.append(ChurnMeasure(text="回访并给予折扣", created_at=datetime(2026, 3, 4, 9, 30)))
        db.session.add_all([activity, order, record])
        db.session.commit()
        return {"activity": f"customers.activity:{activity.id}", "order": f"customers.order:{order.id}",
                "warning": f"customers.churn_warning:{record.id}",
                "measure": f"customers.churn_measure:{record.measures[0].id}"}


def test_the_timeline_merges_every_source_newest_first(pipeline_app, pipeline, add_customer, add_product):
    director = client_for(pipeline_app, "sales_director")
    customer_id = add_customer(director.user_id)
    keys = add_history(pipeline_app, customer_id, add_product())
    pipeline.add(customer_id, datetime(2026, 3, 6, 10, 0), "Opportunity <b>won</b>", link="/pipeline/1")
    pipeline.add(customer_id, date(2026, 3, 2), "Opportunity created", link="javascript:alert(1)")
    page = director.get(f"/customers/{customer_id}").get_data(as_text=True)
    timeline = page[page.index('id="tab-timeline"'):page.index('id="tab-contacts"')]
    assert shown(timeline) == ["pipeline.opportunity:1", keys["order"], keys["measure"], keys["warning"],
                               "pipeline.opportunity:2", keys["activity"]]
    assert "Opportunity &lt;b&gt;won&lt;/b&gt;" in timeline and 'href="/pipeline/1"' in timeline
    assert "javascript:" not in timeline                    # a link outside the CRM is dropped
    assert "Order DD-TL-1, total ¥7.50" in timeline and "回访并给予折扣" in timeline
    assert older_link(timeline) is None                     # everything fits on one page


def test_the_timeline_pages_across_sources_without_gaps_or_repeats(pipeline_app, pipeline, add_customer, add_product):
    """Many entries on the same days in three sources: walking the "older" links shows each exactly once."""
    director = client_for(pipeline_app, "sales_director")
    customer_id = add_customer(director.user_id)
    product_id = add_product()
    expected = []
    with pipeline_app.app_context():
        for n in range(23):
            day = date(2026, 1, 1) + timedelta(days=n % 4)
            db.session.add(Activity(customer_id=customer_id, date=day, place="P", summary=f"A{n}"))
            order = Order(customer_id=customer_id, number=f"DD-PG-{n}", date=day)
            order.lines.append(OrderLine(product_id=product_id, quantity=Decimal(1), unit="台", price=Decimal(1)))
            db.session.add(order)
        db.session.add(ChurnRecord(customer_id=customer_id, status="warning", created_at=datetime(2026, 1, 2)))
        db.session.add(ChurnRecord(customer_id=customer_id, status="closed", created_at=datetime(2026, 1, 2, 13),
                                   closed_at=datetime(2026, 1, 3)))
        db.session.commit()
        for model, source in ((Activity, "customers.activity"), (Order, "customers.order")):
            expected += [(datetime.combine(d, datetime.min.time()), source, i)
                         for i, d in db.session.execute(db.select(model.id, model.date))]
        expected += [(when, "customers.churn_warning", i)
                     for i, when in db.session.execute(db.select(ChurnRecord.id, ChurnRecord.created_at))]
        expected += [(when, "customers.churn_closed", i) for i, when in db.session.execute(
            db.select(ChurnRecord.id, ChurnRecord.closed_at).where(ChurnRecord.closed_at.is_not(None)))]
    for n in range(15):  # midnight exactly (ties with the dated rows) and times within the days
        when = datetime(2026, 1, 1) + timedelta(hours=12 * (n % 8))
        entry = pipeline.add(customer_id, when, f"O{n}")
        expected.append((entry.when, entry.source, entry.id))
    expected = [f"{source}:{id_}" for _when, source, id_ in sorted(expected, reverse=True)]

    seen, url, pages = [], f"/customers/{customer_id}/timeline", 0
    while url:
        page = director.get(url).get_data(as_text=True)
        seen += shown(page)
        url, pages = older_link(page), pages + 1
        assert pages < 10
    assert seen == expected and pages == 4          # 63 entries, 20 a page


def test_malformed_or_hostile_page_tokens_show_the_first_page(app, login_as, add_customer):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id)
    for token in ("x", "2026-13-01~a~1", "~~", "2026-01-01~customers.order~99999999999999999999", "%00" * 10, "9" * 10_000):
        response = director.get(f"/customers/{customer_id}/timeline", query_string={"before": token})
        assert response.status_code == 200


def test_each_source_shows_only_to_users_who_may_see_it(pipeline_app, pipeline, add_customer, add_product):
    customer_id = add_customer(None)
    keys = add_history(pipeline_app, customer_id, add_product())
    pipeline.add(customer_id, datetime(2026, 3, 6), "Opportunity")
    executive = client_for(pipeline_app, "executive")
    assert set(shown(executive.get(f"/customers/{customer_id}/timeline").get_data(as_text=True))) == {
        *keys.values(), "pipeline.opportunity:1"}
    only_activities = client_for(pipeline_app, permissions=["customers.customer.view", "customers.activity.view"])
    assert shown(only_activities.get(f"/customers/{customer_id}/timeline").get_data(as_text=True)) == [keys["activity"]]
    nothing = client_for(pipeline_app, permissions=["customers.customer.view"])
    assert shown(nothing.get(f"/customers/{customer_id}").get_data(as_text=True)) == []


def test_account_managers_see_the_timeline_of_their_own_customers_only(pipeline_app, pipeline, add_customer,
                                                                        add_product):
    mine, other = client_for(pipeline_app, "account_manager"), client_for(pipeline_app, "account_manager")
    customer_id = add_customer(mine.user_id)
    keys = add_history(pipeline_app, customer_id, add_product())
    page = mine.get(f"/customers/{customer_id}/timeline").get_data(as_text=True)
    assert set(shown(page)) == set(keys.values())
    assert other.get(f"/customers/{customer_id}/timeline").status_code == 404
    assert other.get(f"/customers/{customer_id}").status_code == 404
    with pipeline_app.app_context():
        db.session.execute(db.update(Customer).where(Customer.id == customer_id).values(status="deleted"))
        db.session.commit()
    assert mine.get(f"/customers/{customer_id}/timeline").status_code == 404  # deleted customers are gone


def test_timeline_query_reads_only_the_rows_after_the_position(app, add_customer):
    """The helper other plugins use: dates are their day's 00:00, ties go by source then id."""
    customer_id = add_customer(None)
    with app.app_context():
        rows = [Activity(customer_id=customer_id, date=date(2026, 5, d), place="P", summary=str(d)) for d in (1, 2, 2, 3)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]

        def after(when, source, id_):
            stmt = customers.timeline_query(db.select(Activity.id).where(Activity.customer_id == customer_id),
                                            Activity.date, Activity.id, "customers.activity",
                                            customers.TimelinePosition(when, source, id_), 10)
            return list(db.session.scalars(stmt))

        assert after(datetime(2026, 5, 2), "customers.activity", ids[2]) == [ids[1], ids[0]]
        assert after(datetime(2026, 5, 2), "a.earlier.source", 1) == [ids[0]]          # same moment, sorts first
        assert after(datetime(2026, 5, 2), "z.later.source", 1) == [ids[2], ids[1], ids[0]]
        assert after(datetime(2026, 5, 2, 8), "z.later.source", 1) == [ids[2], ids[1], ids[0]]
        assert after(datetime(2026, 5, 1, 23, 59), "customers.activity", 0) == [ids[0]]
        first = customers.timeline_query(db.select(Activity.id), Activity.date, Activity.id, "x", None, 2)
        assert list(db.session.scalars(first)) == [ids[3], ids[2]]
