"""E-mail on customers and contacts (validated) and one main contact per customer."""
import pytest
from sqlalchemy import func, select

from core.api import db
from plugins.customers.models import Contact, Customer

CONTACT = {"name": "王伟", "sex": "male", "position": "采购经理", "office_phone": "010-88886666", "mobile": "",
           "email": "wang.wei@huaxin.cn", "memo": ""}


def _contacts(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(select(Contact.name, Contact.email, Contact.is_main).order_by(Contact.id)).all()


def test_a_customer_keeps_a_valid_e_mail_shown_as_a_mail_link(app, login_as, customer_form):
    manager = login_as("account_manager")
    response = manager.post("/customers/new", data=customer_form(manager.user_id, email=" sales@hongda.cn "))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Customer.email)) == "sales@hongda.cn"
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="mailto:sales@hongda.cn"' in page


@pytest.mark.parametrize("email", ["not-an-address", "wang@", "@huaxin.cn", "javascript:alert(1)@x.cn",
                                   "a@b", "wang wei@huaxin.cn", "<script>@x.cn", "x" * 250 + "@huaxin.cn"])
def test_a_malformed_e_mail_is_refused_and_nothing_is_saved(app, login_as, customer_form, add_customer, email):
    manager = login_as("account_manager")
    response = manager.post("/customers/new", data=customer_form(manager.user_id, email=email))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter an e-mail address" in page or "longer than 254" in page
    customer_id = add_customer(manager.user_id)
    response = manager.post(f"/customers/{customer_id}/contacts/new", data={**CONTACT, "email": email})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == 1
    assert _contacts(app) == []


def test_one_main_contact_per_customer_and_the_360_header_shows_it(app, login_as, add_customer):
    manager = login_as("account_manager")
    customer_id = add_customer(manager.user_id)
    base = f"/customers/{customer_id}/contacts"
    assert manager.post(f"{base}/new", data={**CONTACT, "name": "张三", "email": ""}).status_code == 302
    assert manager.post(f"{base}/new", data={**CONTACT, "is_main": "y"}).status_code == 302
    header = manager.get(f"/customers/{customer_id}").get_data(as_text=True).split('id="customer-tabs"')[0]
    assert "王伟" in header and 'href="mailto:wang.wei@huaxin.cn"' in header
    response = manager.post(f"{base}/new", data={**CONTACT, "name": "李娜", "email": "li.na@huaxin.cn", "is_main": "y"})
    assert response.headers["Location"] == f"/customers/{customer_id}#tab-contacts"
    assert _contacts(app) == [("张三", "", False), ("王伟", "wang.wei@huaxin.cn", False),
                              ("李娜", "li.na@huaxin.cn", True)]
    with app.app_context():
        first = db.session.scalar(select(Contact).where(Contact.name == "张三"))
        first_id, version = first.id, first.version
    form = {**CONTACT, "name": "张三", "email": "", "is_main": "y", "version": str(version)}
    assert manager.post(f"{base}/{first_id}/edit", data=form).status_code == 302
    assert manager.post(f"{base}/{first_id}/edit", data=form).status_code == 200  # a double submit: stale
    assert [main for _name, _email, main in _contacts(app)] == [True, False, False]
    header = manager.get(f"/customers/{customer_id}").get_data(as_text=True).split('id="customer-tabs"')[0]
    assert "张三" in header


def test_main_contacts_of_different_customers_do_not_interfere(app, login_as, add_customer):
    manager = login_as("account_manager")
    first, second = add_customer(manager.user_id), add_customer(manager.user_id, name="上海宏达")
    for customer_id in (first, second):
        assert manager.post(f"/customers/{customer_id}/contacts/new",
                            data={**CONTACT, "is_main": "y"}).status_code == 302
    assert [main for _name, _email, main in _contacts(app)] == [True, True]


def test_two_people_marking_two_main_contacts_at_once_both_succeed(app, login_as, add_customer):
    """Each saves; the one saved last is the main contact, and nobody sees an error."""
    import threading

    manager, director = login_as("account_manager"), login_as("sales_director")
    customer_id = add_customer(manager.user_id)
    base = f"/customers/{customer_id}/contacts"
    for _round in range(3):
        start, results = threading.Barrier(2), []

        def send(client, name):
            start.wait()
            results.append(client.post(f"{base}/new", data={**CONTACT, "name": name, "is_main": "y"}).status_code)

        threads = [threading.Thread(target=send, args=(manager, "甲")), threading.Thread(target=send, args=(director, "乙"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [302, 302]
    assert len(_contacts(app)) == 6
    assert sum(main for _name, _email, main in _contacts(app)) == 1
