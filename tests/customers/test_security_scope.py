"""Data scope at the seams: ids of one customer under another's URL, soft-deleted customers, hostile text."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.api import db
from core.testing import create_user
from plugins.customers.churn import ChurnRecord, scan
from plugins.customers.models import Activity, Contact, Customer, Order

HOSTILE = '<script>alert("x")</script>'


def contact_form(**changes):
    return {"name": "李雷", "sex": "", "position": "经理", "office_phone": "010-12345678", "mobile": "",
            "memo": "", "version": "1", **changes}


def activity_form(**changes):
    return {"date": "2026-01-05", "place": "北京", "summary": "拜访", "details": "", "remark": "", "version": "1",
            **changes}


def order_form(product_id, **changes):
    return {"number": "DD-MIX-1", "date": "2026-01-06", "address": "", "status": "unpaid", "version": "1",
            "lines-0-product_id": str(product_id), "lines-0-quantity": "1", "lines-0-unit": "", "lines-0-price": "",
            **changes}


def test_records_of_another_customer_under_my_customers_url_are_404(app, login_as, add_customer, add_product,
                                                                    add_related):
    mine = login_as("account_manager")
    other = create_user(app, "account_manager")
    own_id = add_customer(mine.user_id, name="我的客户")
    product = add_product()
    # Records of another manager's customer, and of a second customer of my own.
    for foreign_id in (add_customer(other, name="别人的客户"), add_customer(mine.user_id, name="我的另一个客户")):
        contact_id, activity_id, order_id = add_related(foreign_id, product)
        base = f"/customers/{own_id}"
        for url, data in [(f"{base}/contacts/{contact_id}/edit", contact_form(name="改")),
                          (f"{base}/activities/{activity_id}/edit", activity_form(summary="改")),
                          (f"{base}/orders/{order_id}/edit", order_form(product, number="DD-X"))]:
            assert mine.get(url).status_code == 404, url
            assert mine.post(url, data=data).status_code == 404, url
        for url in [f"{base}/contacts/{contact_id}/delete", f"{base}/activities/{activity_id}/delete",
                    f"{base}/orders/{order_id}/delete"]:
            assert mine.post(url).status_code == 404, url
        assert mine.get(f"{base}/orders/{order_id}").status_code == 404
        with app.app_context():
            assert db.session.get(Contact, contact_id).customer_id == foreign_id
            assert db.session.get(Contact, contact_id).name == "王伟"
            assert db.session.get(Activity, activity_id).summary == "上门拜访"
            assert db.session.get(Order, order_id).customer_id == foreign_id


def test_a_soft_deleted_customer_and_everything_on_it_is_gone(app, login_as, add_customer, add_product, add_related):
    mine = login_as("account_manager")
    customer_id = add_customer(mine.user_id, name="将删除的客户", number="KH1999010199999")
    contact_id, activity_id, order_id = add_related(customer_id, add_product())
    with app.app_context():
        db.session.add(Order(customer_id=customer_id, number="DD-OLD", date=date.today() - timedelta(days=900)))
        db.session.query(Order).filter(Order.id == order_id).update({"date": date.today() - timedelta(days=800)})
        db.session.commit()
        scan()
        churn_id = db.session.scalar(select(ChurnRecord.id).where(ChurnRecord.customer_id == customer_id))
    assert churn_id is not None
    assert mine.post(f"/customers/{customer_id}/delete").status_code == 302

    base = f"/customers/{customer_id}"
    for url in [base, f"{base}/edit", f"{base}/contacts", f"{base}/contacts/new", f"{base}/contacts/{contact_id}/edit",
                f"{base}/activities", f"{base}/activities/{activity_id}/edit", f"{base}/orders",
                f"{base}/orders/new", f"{base}/orders/{order_id}", f"{base}/orders/{order_id}/edit",
                f"/customers/churn/{churn_id}"]:
        assert mine.get(url).status_code == 404, url
    for url in [f"{base}/delete", f"{base}/contacts/{contact_id}/delete", f"/customers/churn/{churn_id}/postpone"]:
        assert mine.post(url, data={"postpone-measure": "call", "postpone-version": "1"}).status_code == 404, url
    assert json.loads(mine.get("/customers/search.json?q=将删除").get_data(as_text=True)) == []
    for url in ["/customers/", "/customers/?export=csv", "/customers/churn/", "/customers/churn/?export=csv", "/"]:
        # The page itself, not the top bar: the bell keeps the churn warning the manager received before.
        assert "将删除的客户" not in mine.get(url).get_data(as_text=True).split("<main", 1)[-1], url
    director = login_as("sales_director")
    assert director.get(base).status_code == 404
    with app.app_context():
        assert db.session.get(Contact, contact_id) is not None  # kept for the audit trail and reports


@pytest.mark.parametrize("limit", ["-1", "0", "abc", "100000", "-99999999999999999999"])
def test_autocomplete_limit_is_kept_between_1_and_50(login_as, add_customer, limit):
    director = login_as("sales_director")
    for n in range(3):
        add_customer(name=f"客户{n}")
    response = director.get(f"/customers/search.json?q=客户&limit={limit}")
    assert response.status_code == 200
    assert 1 <= len(response.get_json()) <= 3


def test_hostile_text_stored_by_other_means_is_shown_escaped_everywhere(app, login_as, add_customer, add_product,
                                                                        add_related):
    """Forms refuse markup, but plugins and scripts can store any text: every page escapes it."""
    mine = login_as("account_manager")
    customer_id = add_customer(mine.user_id, name=HOSTILE, address=HOSTILE, website=HOSTILE)
    contact_id, activity_id, order_id = add_related(customer_id, add_product(name=HOSTILE))
    with app.app_context():
        db.session.get(Contact, contact_id).memo = HOSTILE
        db.session.get(Contact, contact_id).name = HOSTILE
        db.session.get(Activity, activity_id).summary = HOSTILE
        db.session.get(Activity, activity_id).date = date.today()
        db.session.get(Order, order_id).address = HOSTILE
        db.session.get(Order, order_id).date = date.today() - timedelta(days=900)
        db.session.commit()
        scan()
        churn_id = db.session.scalar(select(ChurnRecord.id))
    mine.post(f"/customers/churn/{churn_id}/postpone", data={"postpone-measure": "call", "postpone-version": "1"})
    admin = login_as("admin")
    base = f"/customers/{customer_id}"
    pages = [(mine, url) for url in ["/", "/customers/", base, f"{base}/contacts", f"{base}/activities",
                                     f"{base}/orders", f"{base}/orders/{order_id}", f"{base}/orders/{order_id}/edit",
                                     f"{base}/contacts/{contact_id}/edit", f"{base}/edit", "/customers/churn/",
                                     f"/customers/churn/{churn_id}"]]
    pages += [(admin, url) for url in ["/admin/audit", "/basedata/products", "/basedata/stock/totals"]]
    for client, url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
    with app.app_context():
        db.session.get(Customer, customer_id).name = "=HYPERLINK(\"http://evil\")"
        db.session.commit()
    exported = mine.get("/customers/?export=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in exported and "\n=HYPERLINK" not in exported and ",=HYPERLINK" not in exported


@pytest.mark.parametrize("url, data", [
    ("contacts/new", contact_form(memo="x" * 10000)),
    ("contacts/new", contact_form(name="x" * 10000)),
    ("activities/new", activity_form(details="x" * 10000)),
    ("activities/new", activity_form(date="2026-02-30")),
    ("activities/new", activity_form(place=HOSTILE)),
])
def test_huge_malformed_and_hostile_input_is_refused_with_a_message(app, login_as, add_customer, url, data):
    mine = login_as("account_manager")
    customer_id = add_customer(mine.user_id)
    response = mine.post(f"/customers/{customer_id}/{url}", data=data)
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Contact.id)) is None and db.session.scalar(select(Activity.id)) is None


def test_director_edits_anyone_but_cannot_import_and_executive_changes_nothing(app, login_as, add_customer):
    manager = create_user(app, "account_manager")
    customer_id = add_customer(manager)
    director = login_as("sales_director")
    assert director.get(f"/customers/{customer_id}/edit").status_code == 200
    assert director.post(f"/customers/{customer_id}/contacts/new", data=contact_form()).status_code == 302
    assert director.get("/customers/import/customers").status_code == 403
    executive = login_as("executive")
    assert executive.get(f"/customers/{customer_id}/contacts").status_code == 200
    assert executive.post(f"/customers/{customer_id}/contacts/new", data=contact_form()).status_code == 403
    assert executive.post(f"/customers/{customer_id}/delete").status_code == 403
    with app.app_context():
        assert db.session.get(Customer, customer_id).status == "normal"
        assert len(db.session.scalars(select(Contact)).all()) == 1
