"""Customers: create, edit, soft delete, list, export, as the real roles, with the refusals."""
import re
import threading

from sqlalchemy import func, select

from core.api import db, local_today
from plugins.customers.models import Customer


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Customer.id)))


def test_account_manager_creates_a_customer_with_a_server_number(app, login_as, customer_form):
    manager = login_as("account_manager")
    response = manager.post("/customers/new", data=customer_form(manager.user_id, number="HACKED"))
    assert response.status_code == 302
    with app.app_context():
        customer = db.session.scalar(select(Customer))
        assert re.fullmatch(r"KH\d{8}\d{5}", customer.number)
        assert customer.manager_id == manager.user_id
        assert customer.created_by_id == manager.user_id
        assert (customer.level, customer.credit, str(customer.capital)) == ("2", "4", "500.00")
        assert customer.status == "normal"
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "上海宏达贸易有限公司" in page and customer.number in page


def test_numbers_follow_each_other_and_are_never_edited(app, login_as, customer_form):
    director = login_as("sales_director")
    director.post("/customers/new", data=customer_form(director.user_id))
    director.post("/customers/new", data=customer_form(director.user_id, name="第二家", phone=""))
    with app.app_context():
        first, second = db.session.scalars(select(Customer).order_by(Customer.id)).all()
        numbers = (first.number, second.number)
        first_id = first.id
    assert int(numbers[1][-5:]) == int(numbers[0][-5:]) + 1
    form = customer_form(director.user_id, name="改名", number="KH000", version="1")
    assert director.post(f"/customers/{first_id}/edit", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Customer, first_id).number == numbers[0]


def test_two_concurrent_creates_get_two_numbers(app, login_as, customer_form):
    clients = [login_as("sales_director") for _ in range(2)]
    start = threading.Barrier(2)
    results = []

    def create(client):
        start.wait()
        for n in range(4):
            results.append(client.post("/customers/new", data=customer_form(client.user_id, name=f"并发{client.user_id}-{n}",
                                                                    phone="")).status_code)

    threads = [threading.Thread(target=create, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302] * 8
    with app.app_context():
        numbers = list(db.session.scalars(select(Customer.number)))
    assert len(numbers) == len(set(numbers)) == 8


def test_bad_input_is_refused_beside_the_field(app, login_as, customer_form):
    from core.testing import create_user

    manager = login_as("sales_director")
    inactive = create_user(app, "account_manager", active=False)
    cases = {
        "name": ("", "This field is required."),
        "postcode": ("12345", "A postcode has 6 digits."),
        "phone": ("call me", "Enter a phone number"),
        "address": ("<script>alert(1)</script>", "HTML tags and scripts are not allowed here."),
        "manager_id": (str(inactive), "Choose an active account manager."),
        "capital": ("-5", "Enter an amount from 0"),
        "region": ("atlantis", "Not a valid choice"),
    }
    for field, (value, message) in cases.items():
        response = manager.post("/customers/new", data=customer_form(manager.user_id, **{field: value}))
        page = response.get_data(as_text=True)
        assert response.status_code == 200, field
        assert message in page, field
        assert 'id="%s-error"' % field in page, field
    huge = manager.post("/customers/new", data=customer_form(manager.user_id, name="名" * 10_000))
    assert "Field cannot be longer than 200 characters." in huge.get_data(as_text=True)
    assert _count(app) == 0


def test_manager_choices_are_active_account_managers(app, login_as, customer_form):
    from core.testing import create_user

    create_user(app, "account_manager", display_name="在职经理")
    create_user(app, "account_manager", display_name="离职经理", active=False)
    create_user(app, "executive", display_name="高管甲")
    page = login_as("sales_director").get("/customers/new").get_data(as_text=True)
    assert "在职经理" in page and "离职经理" not in page and "高管甲" not in page
    own = login_as("account_manager", display_name="自己")
    page = own.get("/customers/new").get_data(as_text=True)
    assert "自己" in page and "在职经理" not in page  # scope own: only themselves


def test_stale_edit_is_refused_and_keeps_the_stored_data(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id)
    first = director.post(f"/customers/{customer_id}/edit", data=customer_form(director.user_id, name="甲", version="1"))
    assert first.status_code == 302
    second = director.post(f"/customers/{customer_id}/edit", data=customer_form(director.user_id, name="乙", version="1"))
    assert second.status_code == 200
    assert "changed by someone else" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Customer, customer_id).name == "甲"


def test_soft_delete_hides_but_keeps_the_customer(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    customer_id = add_customer(director.user_id, name="要删除的客户")
    assert director.post(f"/customers/{customer_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Customer, customer_id).status == "deleted"
    assert "要删除的客户" not in director.get("/customers/").get_data(as_text=True)
    assert director.get(f"/customers/{customer_id}").status_code == 404
    assert "要删除的客户" not in director.get("/customers/?export=csv").get_data(as_text=True)


def test_executive_reads_but_cannot_change(app, login_as, add_customer, customer_form):
    executive = login_as("executive")
    customer_id = add_customer(None, name="只读客户")
    assert "只读客户" in executive.get("/customers/").get_data(as_text=True)
    assert executive.get(f"/customers/{customer_id}").status_code == 200
    assert executive.get("/customers/new").status_code == 403
    assert executive.post("/customers/new", data=customer_form(executive.user_id)).status_code == 403
    assert executive.get(f"/customers/{customer_id}/edit").status_code == 403
    assert executive.post(f"/customers/{customer_id}/delete").status_code == 403
    assert _count(app) == 1


def test_without_permission_nothing_opens(app, login_as, add_customer, customer_form):
    nobody = login_as(permissions=["core.dashboard.view"])
    customer_id = add_customer(None)
    for url in ["/customers/", f"/customers/{customer_id}", "/customers/search.json?q=x",
                f"/customers/{customer_id}/contacts", f"/customers/{customer_id}/orders"]:
        assert nobody.get(url).status_code == 403, url
    viewer = login_as(permissions=["customers.customer.view"])
    assert viewer.get("/customers/?export=csv").status_code == 403


def test_list_filters_sort_pagination_and_export(app, login_as, add_customer, customer_form):
    director = login_as("sales_director")
    for n in range(25):
        add_customer(director.user_id, name=f"客户{n:02d}", region="west" if n % 5 == 0 else "beijing",
                     level="3" if n == 7 else "1")
    page = director.get("/customers/?sort=name").get_data(as_text=True)
    assert "客户00" in page and "客户24" not in page and "1–20 of 25" in page
    last = director.get("/customers/?sort=name&page=2").get_data(as_text=True)
    assert "客户24" in last and "客户00" not in last
    west = director.get("/customers/?region=west").get_data(as_text=True)
    assert "1–5 of 5" in west
    assert "1–1 of 1" in director.get("/customers/?level=3").get_data(as_text=True)
    assert "1–1 of 1" in director.get("/customers/?name=户07").get_data(as_text=True)
    other = login_as("account_manager")
    add_customer(other.user_id, name="另一位经理的客户")
    by_manager = director.get(f"/customers/?manager={other.user_id}").get_data(as_text=True)
    assert "1–1 of 1" in by_manager and "另一位经理的客户" in by_manager
    csv = director.get("/customers/?region=west&sort=-name&export=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 6 and lines[1].split(",")[1] == "客户20" and "West" in lines[1]
    with app.app_context():
        number = db.session.scalar(select(Customer.number).where(Customer.name == "客户03"))
    assert "1–1 of 1" in director.get(f"/customers/?number={number}").get_data(as_text=True)


def test_numbers_keep_counting_past_five_digits(app, login_as, add_customer, customer_form):
    today = "KH" + local_today().strftime("%Y%m%d")
    add_customer(None, number=today + "99999")
    add_customer(None, number="KH" + str(int(today[2:]) + 1) + "00007")  # another day's number is ignored
    director = login_as("sales_director")
    assert director.post("/customers/new", data=customer_form(director.user_id)).status_code == 302
    with app.app_context():
        newest = db.session.scalar(select(Customer.number).order_by(Customer.id.desc()).limit(1))
    assert newest == today + "100000"


def test_name_filter_takes_wildcards_literally(app, login_as):
    from plugins.customers.services import create_customer_with_contact

    client = login_as("sales_director")
    with app.app_context():
        from core.api import db
        create_customer_with_contact("100% 纯净水公司", None, contact_name="王五", contact_phone="13800000000")
        create_customer_with_contact("华北贸易公司", None, contact_name="赵六", contact_phone="13900000000")
        db.session.commit()
    page = client.get("/customers/?name=100%25").get_data(as_text=True)
    assert "100% 纯净水公司" in page and "华北贸易公司" not in page
    page = client.get("/customers/?name=%25").get_data(as_text=True)
    assert "100% 纯净水公司" in page and "华北贸易公司" not in page
