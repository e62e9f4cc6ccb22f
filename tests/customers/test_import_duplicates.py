"""Possible duplicates in a customer import: reported per row, refused by default, never leaked."""
import io

import pytest
from sqlalchemy import func, select

from core.api import db
from core.testing import create_user, wait_for_job
from plugins.customers.models import Customer

FILE = ("name,region,manager,phone\n"
        "北京华信科技有限公司,beijing,zhang,010-88886666\n"
        "上海宏达贸易有限公司,beijing,zhang,021-66668888\n").encode()


@pytest.fixture
def manager(app):
    return create_user(app, "account_manager", username="zhang")


def run(app, tmp_path, content: bytes, *options):
    path = tmp_path / "customers.csv"
    path.write_bytes(content)
    return app.test_cli_runner().invoke(args=["import", "customers", str(path), *options])


def names(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Customer.name).order_by(Customer.id)))


def test_importing_the_same_file_twice_imports_it_once(app, tmp_path, manager):
    assert run(app, tmp_path, FILE).exit_code == 0
    with app.app_context():
        numbers = list(db.session.scalars(select(Customer.number).order_by(Customer.id)))
    again = run(app, tmp_path, FILE)
    assert again.exit_code == 1 and "2 error(s)" in again.output
    assert (f"line 2, Name: Possible duplicate of customer {numbers[0]} 北京华信科技有限公司 (the same name)."
            in again.output)
    assert f"line 3, Name: Possible duplicate of customer {numbers[1]}" in again.output
    assert names(app) == ["北京华信科技有限公司", "上海宏达贸易有限公司"]


def test_rows_matching_by_normalised_name_or_phone_or_an_earlier_row_are_reported(app, tmp_path, manager,
                                                                                  add_customer):
    add_customer(None, name="Acme Trading Co., Ltd.", number="KH2026010100001", phone="010-12345678")
    content = ("name,region,manager,phone\n"
               "ACME trading,beijing,zhang,\n"
               "Other name,beijing,zhang,+86 10 1234 5678\n"
               "新公司,beijing,zhang,13800138000\n"
               "新公司股份有限公司,beijing,zhang,\n"
               "另一家,beijing,zhang,138 0013 8000\n"
               "干净的公司,beijing,zhang,\n").encode()
    result = run(app, tmp_path, content)
    assert result.exit_code == 1 and "4 error(s)" in result.output
    for expected in ("line 2, Name: Possible duplicate of customer KH2026010100001 Acme Trading Co., Ltd. (the same name)",
                     "line 3, Phone: Possible duplicate of customer KH2026010100001 Acme Trading Co., Ltd. (the same phone number)",
                     "line 5, Name: Possible duplicate: the same name as line 4 of this file.",
                     "line 6, Phone: Possible duplicate: the same phone number as line 4 of this file."):
        assert expected in result.output
    assert names(app) == ["Acme Trading Co., Ltd."]


def test_duplicates_are_imported_when_asked_and_get_their_keys(app, tmp_path, manager):
    assert run(app, tmp_path, FILE).exit_code == 0
    result = run(app, tmp_path, FILE, "--allow-duplicates")
    assert result.exit_code == 0 and "Imported 2 customers." in result.output
    with app.app_context():
        keys = db.session.execute(select(Customer.name_key, Customer.phone_key).order_by(Customer.id)).all()
    assert keys == [("北京华信科技", "1088886666"), ("上海宏达贸易", "2166668888")] * 2


def test_duplicates_across_chunks_of_a_big_file_are_found(app, tmp_path, manager, monkeypatch):
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 3)
    lines = ["name,region,manager"] + [f"公司{n},beijing,zhang" for n in range(7)] + ["公司1有限公司,beijing,zhang"]
    result = run(app, tmp_path, ("\n".join(lines) + "\n").encode())
    assert "line 9, Name: Possible duplicate: the same name as line 3 of this file." in result.output
    assert names(app) == []


def upload(client, content: bytes, **fields):
    return client.post("/customers/import/customers", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), "customers.csv"), **fields})


def test_an_upload_refuses_duplicates_unless_ticked(app, login_as, manager, worker):
    admin = login_as("admin")
    assert "Import possible duplicates too" in admin.get("/customers/import/customers").get_data(as_text=True)
    assert "Import possible duplicates too" not in admin.get("/customers/import/orders").get_data(as_text=True)
    assert wait_for_job(admin, upload(admin, FILE).location)["state"] == "done"
    second = upload(admin, FILE)
    assert wait_for_job(admin, second.location)["state"] == "failed"
    page = admin.get(second.location).get_data(as_text=True)
    assert "The file was refused: 2 error(s)." in page and "Possible duplicate of customer KH" in page
    third = upload(admin, FILE, allow_duplicates="y")
    assert wait_for_job(admin, third.location)["state"] == "done"
    assert len(names(app)) == 4


def test_a_refused_duplicate_does_not_reveal_another_managers_customer(app, login_as, manager, worker,
                                                                       add_customer):
    add_customer(manager, name="北京华信科技有限公司", number="KH2026010100009", phone="010-88886666",
                 address="秘密地址")
    own = login_as(permissions=["customers.customer.view", "customers.customer.edit", "customers.customer.import",
                                "core.job.view"], scope="own", username="li")
    content = "name,region,manager,phone\n北京 华信科技股份有限公司,beijing,li,\n另一家,beijing,li,010 8888 6666\n".encode()
    job = upload(own, content).location
    assert wait_for_job(own, job)["state"] == "failed"
    page = own.get(job).get_data(as_text=True)
    assert "Possible duplicate of a customer managed by someone else (the same name)." in page
    assert "Possible duplicate of a customer managed by someone else (the same phone number)." in page
    for secret in ("KH2026010100009", "北京华信科技有限公司", "秘密地址", "zhang"):
        assert secret not in page
