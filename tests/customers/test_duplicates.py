"""Possible duplicates caught on the new-customer form: same normalised name or phone, confirm, scope."""
import html
import re
import threading

from sqlalchemy import func, select

from core.api import db
from plugins.customers.models import Customer
from plugins.customers.normalise import name_key, phone_key


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Customer.id)))


def _token(client):
    page = client.get("/customers/new").get_data(as_text=True)
    return re.search(r'name="submission" type="hidden" value="([^"]+)"', page).group(1)


def _confirmation(page: str) -> str:
    return html.unescape(re.search(r'name="confirm_duplicates" value="([^"]*)"', page).group(1))


def test_names_are_compared_without_case_spaces_width_punctuation_and_company_suffixes():
    same = ["北京华信科技有限公司", " 北京 华信科技股份有限公司", "北京华信科技集团", "北京华信科技（集团）有限公司",
            "北京华信科技有限责任公司", "北京华信科技"]
    assert {name_key(name) for name in same} == {"北京华信科技"}
    assert len({name_key(n) for n in ["Acme Trading Co., Ltd.", "ACME trading", "Ａｃｍｅ Ｔｒａｄｉｎｇ Ltd",
                                      "acme-trading co ltd"]}) == 1
    assert name_key("Costco") == "costco" and name_key("集团") == "集团"  # a word's own letters stay
    assert name_key("%") == "%" != name_key("_") == "_"
    assert name_key("x" * 300) == "x" * 200
    assert phone_key("010-88886666") == phone_key("(010) 8888 6666") == phone_key("+86 10 8888 6666")
    assert phone_key("+86 138 0013 8000") == phone_key("13800138000") == phone_key("0086 13800138000")
    assert phone_key("12345") == "" and phone_key(None) == ""


def test_a_possible_duplicate_is_shown_and_created_only_when_confirmed(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    existing = add_customer(director.user_id, name="北京华信科技有限公司", number="KH2026010100001")
    form = customer_form(director.user_id, name=" 北京 华信科技股份有限公司", phone="", submission=_token(director))
    page = director.post("/customers/new", data=form).get_data(as_text=True)
    assert "This customer may already exist" in page and "KH2026010100001" in page
    assert f"/customers/{existing}" in page
    assert _count(app) == 1
    confirmed = {**form, "confirm_duplicates": _confirmation(page)}
    response = director.post("/customers/new", data=confirmed)
    assert response.status_code == 302 and _count(app) == 2
    again = director.post("/customers/new", data=confirmed)  # the confirmed form sent a second time
    assert again.status_code == 302 and again.headers["Location"] == response.headers["Location"]
    assert "already saved" in director.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(app) == 2


def test_the_phone_number_alone_makes_a_possible_duplicate(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    add_customer(director.user_id, name="上海宏达", number="KH2026010100002", phone="021-66668888")
    page = director.post("/customers/new", data=customer_form(
        director.user_id, name="完全不同的名字", phone="+86 21 6666 8888")).get_data(as_text=True)
    assert "KH2026010100002" in page and _count(app) == 1


def test_a_confirmation_covers_only_the_name_and_phone_it_was_given_for(app, login_as, add_customer,
                                                                         customer_form):
    director = login_as("sales_director")
    add_customer(director.user_id, name="甲公司", number="KH2026010100003")
    add_customer(director.user_id, name="乙公司", number="KH2026010100004")
    form = customer_form(director.user_id, name="甲", phone="")
    confirmation = _confirmation(director.post("/customers/new", data=form).get_data(as_text=True))
    page = director.post("/customers/new", data={**form, "name": "乙", "confirm_duplicates": confirmation})
    assert "KH2026010100004" in page.get_data(as_text=True) and _count(app) == 2
    forged = director.post("/customers/new", data={**form, "confirm_duplicates": "anything|"})
    assert "This customer may already exist" in forged.get_data(as_text=True) and _count(app) == 2


def test_deleted_customers_are_no_duplicates_and_lost_ones_are(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    add_customer(director.user_id, name="丙公司", status="deleted")
    add_customer(director.user_id, name="丁公司", status="lost", number="KH2026010100005")
    assert director.post("/customers/new", data=customer_form(director.user_id, name="丙", phone="")).status_code == 302
    page = director.post("/customers/new", data=customer_form(director.user_id, name="丁", phone="")).get_data(
        as_text=True)
    assert "KH2026010100005" in page and "Lost" in page


def test_another_managers_customer_is_counted_but_never_shown(app, login_as, add_customer, customer_form):
    other = login_as("account_manager", display_name="别人经理")
    add_customer(other.user_id, name="华信科技有限公司", number="KH2026010100006", phone="010-12345678",
                 address="秘密地址")
    manager = login_as("account_manager")
    page = manager.post("/customers/new", data=customer_form(manager.user_id, name="华信科技", phone="")).get_data(
        as_text=True)
    assert "1 customer with the same name or phone number is managed by someone else" in page
    for secret in ("KH2026010100006", "华信科技有限公司", "010-12345678", "别人经理", "秘密地址", "/customers/1"):
        assert secret not in page
    confirmed = customer_form(manager.user_id, name="华信科技", phone="", confirm_duplicates=_confirmation(page))
    assert manager.post("/customers/new", data=confirmed).status_code == 302 and _count(app) == 2


def test_names_from_users_stay_text_in_the_warning(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    add_customer(director.user_id, name="O'Brien & Sons Co., Ltd.")
    page = director.post("/customers/new", data=customer_form(director.user_id, name="o'brien & sons", phone=""))
    text = page.get_data(as_text=True)
    assert "O&#39;Brien &amp; Sons Co., Ltd." in text and _count(app) == 1


def test_a_form_sent_twice_at_once_creates_one_customer(app, login_as, customer_form):
    director = login_as("sales_director")
    form = customer_form(director.user_id, name="并发公司", phone="", submission=_token(director))
    start = threading.Barrier(4)
    results = []

    def send():
        start.wait()
        results.append(director.post("/customers/new", data=form).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [302] * 4 and _count(app) == 1


def test_edits_and_every_write_keep_the_keys(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id, name="旧名字有限公司", phone="010-88886666")
    form = customer_form(director.user_id, name="New Name Co., Ltd.", phone="13800138000", version="1")
    assert director.post(f"/customers/{customer_id}/edit", data=form).status_code == 302
    with app.app_context():
        customer = db.session.get(Customer, customer_id)
        assert (customer.name_key, customer.phone_key) == ("newname", "13800138000")
