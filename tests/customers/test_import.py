"""CSV import of customers and orders: command line and upload page, all or nothing."""
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from core.api import analyze, db, local_today
from core.audit import AuditEntry
from core.testing import create_user, wait_for_job
from plugins.basedata import services as basedata
from plugins.customers import numbering
from plugins.customers.churn import ChurnRecord
from plugins.customers.models import Customer, Order, OrderLine


@pytest.fixture(autouse=True)
def seeded(app):
    with app.app_context():
        basedata.seed_dictionary()


@pytest.fixture
def manager(app):
    return create_user(app, "account_manager", username="zhang")


@pytest.fixture
def printer(app):
    with app.app_context():
        product = basedata.Product(name="Printer", model="P-100", unit="台", price=Decimal("1999.00"))
        db.session.add_all([product, basedata.Product(name="Toner", model="T-1", unit="box", price=Decimal("80")),
                            basedata.Product(name="Toner", model="T-2", unit="box", price=Decimal("95"))])
        db.session.commit()
        return product.id


def run(app, tmp_path, kind, content: bytes):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    return app.test_cli_runner().invoke(args=["import", kind, str(path)])


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def customers(app) -> list[Customer]:
    with app.app_context():
        found = list(db.session.scalars(select(Customer).order_by(Customer.id)))
        db.session.expunge_all()
        return found


# -- customers from the command line -------------------------------------------------------------


def test_import_customers_utf8_with_bom(app, tmp_path, manager):
    content = ("name,region,manager,level,satisfaction,phone,postcode,capital\n"
               "Acme Trading,beijing,zhang,2,5,010-88886666,100080,1200.50\n"
               "北方贸易,北京,ZHANG,大客户,,,,\n").encode("utf-8-sig")
    result = run(app, tmp_path, "customers", content)
    assert result.exit_code == 0, result.output
    assert "Imported 2 customers." in result.output
    acme, north = customers(app)
    today = local_today().strftime("%Y%m%d")
    assert acme.number.startswith("KH" + today) and north.number > acme.number
    assert (acme.region, acme.manager_id, acme.level, acme.satisfaction, acme.credit) == ("beijing", manager, "2", "5", "3")
    assert acme.capital == Decimal("1200.50") and acme.status == "normal"
    assert (north.name, north.region, north.level) == ("北方贸易", "beijing", "3")


def test_import_customers_gbk_with_chinese_headers(app, tmp_path, manager):
    content = "客户名称,地区,客户经理,客户等级,电话\n华北机械厂,华北,zhang,1,13800138000\n".encode("gbk")
    result = run(app, tmp_path, "customers", content)
    assert result.exit_code == 0, result.output
    [customer] = customers(app)
    assert (customer.name, customer.region, customer.phone) == ("华北机械厂", "north_china", "13800138000")


def test_each_bad_row_is_reported_and_nothing_is_saved(app, tmp_path, manager):
    create_user(app, "account_manager", username="gone", active=False)
    content = ("name,region,manager,level,phone,postcode,website\n"
               "Good Ltd,beijing,zhang,1,010-88886666,100080,www.good.cn\n"
               ",mars,nobody,9,abc,12,\n"
               f"{'x' * 300},beijing,gone,1,,,\n"
               "<script>alert(1)</script>,beijing,zhang,1,,,\n").encode()
    result = run(app, tmp_path, "customers", content)
    assert result.exit_code == 1
    output = result.output
    assert "Refused, nothing was imported: 9 error(s)" in output
    for expected in ("line 3, Name: This field is required.",
                     'line 3, Region: "mars" is not an entry of the data dictionary (Region).',
                     'line 3, Account manager: No active account manager has the login "nobody".',
                     'line 3, Level: "9" is not an entry',
                     "line 3, Phone: Enter a phone number", "line 3, Postcode: A postcode has 6 digits.",
                     "line 4, Name: Field cannot be longer than 200 characters.",
                     'line 4, Account manager: No active account manager has the login "gone".',
                     "line 5, Name: HTML tags and scripts are not allowed here."):
        assert expected in output
    assert "line 2" not in output
    assert count(app, Customer) == 0


def test_a_repeated_cell_is_checked_on_every_row_and_absent_columns_take_their_defaults(app, tmp_path, manager):
    """The importer keeps the answers of repeated cells and works out the absent columns once: a bad
    cell is still reported on each row it is in, and a good file gets every default of the form."""
    bad = ("name,region,manager,postcode,address\n"
           + "".join(f"Shop {n},beijing,zhang,12,<b>x</b>\n" for n in range(3))).encode()
    result = run(app, tmp_path, "customers", bad)
    assert result.exit_code == 1
    assert "6 error(s)" in result.output
    for line in (2, 3, 4):
        assert f"line {line}, Postcode: A postcode has 6 digits." in result.output
        assert f"line {line}, Address: HTML tags and scripts are not allowed here." in result.output
    good = ("name,region,manager\n" + "".join(f"Shop {n},beijing,zhang\n" for n in range(3))).encode()
    result = run(app, tmp_path, "customers", good)
    assert result.exit_code == 0, result.output
    for customer in customers(app):
        assert (customer.level, customer.satisfaction, customer.credit, customer.bank) == ("1", "3", "3", "")
        assert (customer.address, customer.postcode, customer.capital, customer.manager_id) == ("", "", None, manager)


def test_missing_column_is_refused(app, tmp_path, manager):
    result = run(app, tmp_path, "customers", b"name,manager\nAcme,zhang\n")
    assert result.exit_code == 1
    assert "Missing column(s): Region." in result.output
    assert count(app, Customer) == 0


def test_unknown_and_repeated_columns_are_refused(app, tmp_path, manager):
    result = run(app, tmp_path, "customers", b"name,region,manager,colour,name\nA,beijing,zhang,red,B\n")
    assert result.exit_code == 1
    assert "Unknown column(s): colour." in result.output and "Repeated column(s): Name." in result.output


@pytest.mark.parametrize("content", [
    "name,region,manager\nAcme,beijing,zhang\n".encode("utf-16"),
    "name,region,manager\nAcme,beijing,zhang\n".encode("utf-16-le"),
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01",
])
def test_a_file_that_is_neither_utf8_nor_gbk_is_refused(app, tmp_path, manager, content):
    result = run(app, tmp_path, "customers", content)
    assert result.exit_code == 1
    assert "neither UTF-8 nor GBK" in result.output
    assert count(app, Customer) == 0


def test_empty_file_and_header_only_are_refused(app, tmp_path):
    assert "The file is empty." in run(app, tmp_path, "customers", b"").output
    assert "no rows" in run(app, tmp_path, "customers", b"name,region,manager\n").output


def test_50000_rows_with_one_bad_row_are_refused_whole(app, tmp_path, manager):
    lines = ["name,region,manager,level,phone,postcode"]
    lines += [f"Customer {i},beijing,zhang,{i % 5 + 1},010-8{i:07d},100080" for i in range(50_000)]
    lines[31_416] = "Customer bad,beijing,zhang,1,010-88886666,1000800"
    result = run(app, tmp_path, "customers", ("\n".join(lines) + "\n").encode())
    assert result.exit_code == 1
    assert "1 error(s)" in result.output and "line 31417, Postcode: A postcode has 6 digits." in result.output
    assert count(app, Customer) == 0


def test_many_good_rows_go_in_with_consecutive_numbers(app, tmp_path, manager):
    lines = ["name,region,manager"] + [f"Customer {i},west,zhang" for i in range(3000)]
    result = run(app, tmp_path, "customers", ("\n".join(lines) + "\n").encode())
    assert result.exit_code == 0, result.output
    with app.app_context():
        numbers = list(db.session.scalars(select(Customer.number).order_by(Customer.id)))
    assert len(set(numbers)) == 3000 and numbers == sorted(numbers)
    assert numbers[-1].endswith("03000")


def audited(app, table_name) -> list[tuple]:
    with app.app_context():
        return [(e.action, e.user_id, e.record_id, e.changed_fields) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == table_name).order_by(AuditEntry.id))]


def test_imported_customers_are_audited(app, tmp_path, manager):
    result = run(app, tmp_path, "customers", b"name,region,manager,phone\nAcme,beijing,zhang,010-88886666\nBeta,west,zhang,\n")
    assert result.exit_code == 0, result.output
    acme, beta = customers(app)
    entries = audited(app, "customers_customer")
    assert [(action, who, record) for action, who, record, _changes in entries] == [
        ("create", None, str(acme.id)), ("create", None, str(beta.id))]
    changes = entries[0][3]
    assert changes["number"] == [None, acme.number] and changes["phone"] == [None, "010-88886666"]
    assert changes["manager_id"] == [None, manager] and "fax" in changes


def test_audit_entries_hold_the_columns_a_file_lacks_as_a_form_save_would(app, tmp_path, manager):
    """A file with few columns: the values of those it lacks (the same in every row) are written as constants,
    and each entry still holds every audited column as stored, as record_bulk writes them from the rows."""
    from core.audit import record_bulk

    result = run(app, tmp_path, "customers", "name,region,manager\nAcme,beijing,zhang\n华信科技,west,zhang\n".encode())
    assert result.exit_code == 0, result.output
    result = run(app, tmp_path, "customers", "name,region,manager,level,satisfaction,credit,address,postcode,phone,"
                 "fax,website,licence_no,legal_person,capital,turnover,bank,bank_account,local_tax_no,"
                 "national_tax_no\nGamma,northeast,zhang,3,4,5,上海市,200000,021-1234,021-5678,gamma.cn,L1,王伟,"
                 "1200.5,,icbc,6222,T1,T2\n".encode())
    assert result.exit_code == 0, result.output
    columns = [c.key for c in Customer.__table__.c if c.key not in ("created_at", "updated_at", "version", "email")]
    with app.app_context():
        stored = [dict(row._mapping) for row in db.session.execute(
            select(*(Customer.__table__.c[key] for key in columns)).order_by(Customer.id))]
        entries = [json.loads(text_) for text_ in db.session.scalars(
            select(AuditEntry.changes).where(AuditEntry.table_name == "customers_customer").order_by(AuditEntry.id))]
        record_bulk("create", Customer, stored)
        written = [json.loads(text_) for text_ in db.session.scalars(
            select(AuditEntry.changes).where(AuditEntry.table_name == "customers_customer")
            .order_by(AuditEntry.id).offset(len(stored)))]
        db.session.rollback()
    assert len(entries) == 3 and entries == written
    assert entries[0]["satisfaction"] == [None, "3"] and entries[0]["fax"] == [None, ""]
    assert "capital" not in entries[0] and entries[2]["capital"] == [None, "1200.50"]


def test_audit_entries_built_in_the_database_hold_amounts_as_entered(app, tmp_path, manager):
    result = run(app, tmp_path, "customers", "name,region,manager,capital,address\n"
                 "Acme,beijing,zhang,1200.5,北京市\n".encode())
    assert result.exit_code == 0, result.output
    [(_, _, _, changes)] = audited(app, "customers_customer")
    assert changes["capital"] == [None, "1200.50"] and changes["address"] == [None, "北京市"]
    assert "turnover" not in changes and "name_key" not in changes  # None left out, excluded columns too


def found_by_search(app, term) -> list[str]:
    from plugins.customers.models import CUSTOMER_TEXT

    with app.app_context():
        return sorted(db.session.scalars(select(Customer.name).where(CUSTOMER_TEXT.matches(Customer, term))))


def test_imported_customers_are_searchable_and_later_ones_too(app, tmp_path, manager, monkeypatch):
    """The import indexes its rows for search after inserting them (SQLite: not row by row);
    a refused import leaves the index as it was, and customers added later are indexed as before."""
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 2)
    good = "name,region,manager,phone\n华信科技,beijing,zhang,010-81234567\n北方华信,beijing,zhang,\nAcme,west,zhang,\n"
    assert run(app, tmp_path, "customers", good.encode()).exit_code == 0
    assert found_by_search(app, "华信") == ["北方华信", "华信科技"] == found_by_search(app, "华")[:2]
    assert found_by_search(app, "信科技") == ["华信科技"] == found_by_search(app, "81234567")
    assert found_by_search(app, "acm") == ["Acme"]
    [number] = [c.number for c in customers(app) if c.name == "Acme"]
    assert found_by_search(app, number) == ["Acme"]

    refused = "name,region,manager\n华信贸易,beijing,zhang\n华信物流,beijing,zhang\n华信坏行,mars,zhang\n"
    assert run(app, tmp_path, "customers", refused.encode()).exit_code == 1
    assert found_by_search(app, "华信") == ["北方华信", "华信科技"] and count(app, Customer) == 3
    with app.app_context():
        db.session.add(Customer(number="KH-LATER", name="华信后来", region="beijing", manager_id=manager))
        db.session.commit()
    assert found_by_search(app, "华信") == ["北方华信", "华信后来", "华信科技"]


def test_imported_names_get_the_grams_the_insert_trigger_writes(app, tmp_path, manager):
    """SQLite: the import writes the grams of its rows set-based; they are exactly those the search
    triggers write for a name (repeated characters, upper case, a name of the longest length)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's gram table")
    names = ["AAbb00测测试试", "Acme Co., Ltd.", "华", "x" * 170 + "华信" * 15, "ÄÖ ßé 1001"]
    content = "name,region,manager\n" + "".join(f"\"{name}\",beijing,zhang\n" for name in names)
    result = run(app, tmp_path, "customers", content.encode())
    assert result.exit_code == 0, result.output
    grams = text("SELECT gram, row_id FROM customers_customer_gram ORDER BY row_id, gram")
    with app.app_context():
        imported = db.session.execute(grams).all()
        # the update trigger deletes a row's grams and writes them again, as the insert trigger does
        db.session.execute(text("UPDATE customers_customer SET name = name"))
        assert db.session.execute(grams).all() == imported
        assert len({row_id for _gram, row_id in imported}) == len(names)


def test_a_refused_file_leaves_no_audit_entries(app, tmp_path, manager):
    assert run(app, tmp_path, "customers", b"name,region,manager\nAcme,mars,zhang\n").exit_code == 1
    assert audited(app, "customers_customer") == []


def test_a_customer_numbered_during_an_import_takes_the_next_number(app, tmp_path, manager, monkeypatch):
    """The import and the form number from the same counter: a customer created between the import's
    reservation and its insert takes the number after the import's, never one of them."""
    reserve, made = numbering.reserve_number_range, []

    def reserve_while_someone_creates_a_customer(count):
        numbers = reserve(count)
        if not made:
            made.append(True)
            numbering.add_numbered(Customer(name="Made in the UI", region="beijing", manager_id=manager))
        return numbers

    monkeypatch.setattr(numbering, "reserve_number_range", reserve_while_someone_creates_a_customer)
    result = run(app, tmp_path, "customers", b"name,region,manager\nAcme,beijing,zhang\nBeta,west,zhang\n")
    assert result.exit_code == 0, result.output
    ui, acme, beta = customers(app)
    assert ui.name == "Made in the UI" and acme.number < beta.number < ui.number
    assert [e[2] for e in audited(app, "customers_customer")] == [str(ui.id), str(acme.id), str(beta.id)]


def test_a_bad_row_in_a_later_chunk_refuses_the_file_whole(app, tmp_path, manager, monkeypatch):
    """Every chunk before the bad row was checked and staged; nothing of them reaches the customers,
    the audit log or the search index, and the report lists both passes' problems by line."""
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 3)
    lines = ["name,region,manager,phone"] + [f"华信{n},beijing,zhang,010-8000{n:04d}" for n in range(10)]
    lines[2] = "华信0有限公司,beijing,zhang,"  # line 3: the name of line 2 (a duplicate within the first chunk)
    lines[9] = "华信坏行,mars,zhang,010-80000001"  # line 10, in the fourth chunk: a bad region (and line 2's phone)
    result = run(app, tmp_path, "customers", ("\n".join(lines) + "\n").encode())
    assert result.exit_code == 1 and "2 error(s)" in result.output
    assert result.output.index("line 3, Name: Possible duplicate: the same name as line 2 of this file.") < \
        result.output.index('line 10, Region: "mars" is not an entry')
    assert count(app, Customer) == 0 and audited(app, "customers_customer") == []
    assert found_by_search(app, "华信") == []
    good = "name,region,manager\n" + "".join(f"华信{n},beijing,zhang\n" for n in range(7))
    assert run(app, tmp_path, "customers", good.encode()).exit_code == 0  # the staging table is gone
    assert len(found_by_search(app, "华信")) == 7


def test_an_import_failing_while_reading_the_file_leaves_nothing(app, tmp_path, manager, monkeypatch):
    from plugins.customers.importer import customer_rows

    monkeypatch.setattr(customer_rows, "CHUNK", 2)
    chunks = []

    def fail_at_the_third_chunk(progress, table):
        chunks.append(table.position)
        if len(chunks) == 3:
            raise RuntimeError("injected fault")

    monkeypatch.setattr(customer_rows, "advance", fail_at_the_third_chunk)
    content = "name,region,manager\n" + "".join(f"Customer {n},beijing,zhang\n" for n in range(10))
    result = run(app, tmp_path, "customers", content.encode())
    assert isinstance(result.exception, RuntimeError) and count(app, Customer) == 0
    monkeypatch.setattr(customer_rows, "advance", lambda progress, table: None)
    assert run(app, tmp_path, "customers", content.encode()).exit_code == 0 and count(app, Customer) == 10


def test_the_sqlite_write_lock_is_taken_by_the_first_insert_and_never_for_a_file_refused_early(
        app, tmp_path, manager, monkeypatch):
    """Other users' saves go on while a file is read and checked up to its first chunk without a problem:
    SQLite's write lock is taken only when checked rows are written to the customers (each chunk while the
    next is checked), and a file with a problem in its first chunk (a bad row, a re-imported file's
    duplicates) never takes it."""
    import sqlite3

    from plugins.customers.importer import customer_rows

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        path = db.engine.url.database
    monkeypatch.setattr(customer_rows, "CHUNK", 2)
    free = []

    def probe(progress, table):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()

    monkeypatch.setattr(customer_rows, "advance", probe)
    refused = "name,region,manager\nCustomer 0,mars,zhang\n" + "".join(f"Customer {n},beijing,zhang\n"
                                                                       for n in range(1, 9))
    assert run(app, tmp_path, "customers", refused.encode()).exit_code == 1
    assert free == [True] * 5 and count(app, Customer) == 0
    free.clear()
    content = "name,region,manager\n" + "".join(f"Customer {n},beijing,zhang\n" for n in range(9))
    assert run(app, tmp_path, "customers", content.encode()).exit_code == 0
    assert free == [False] * 5 and count(app, Customer) == 9
    free.clear()  # the same file again: every row a possible duplicate, found before the first insert
    assert run(app, tmp_path, "customers", content.encode()).exit_code == 1
    assert free == [True] * 5 and count(app, Customer) == 9


# -- orders from the command line ----------------------------------------------------------------


@pytest.fixture
def customer_numbers(app, tmp_path, manager):
    run(app, tmp_path, "customers", b"name,region,manager\nAcme,beijing,zhang\nBeta,west,zhang\n")
    return [c.number for c in customers(app)]


def test_import_orders_groups_lines_by_order_number(app, tmp_path, printer, customer_numbers):
    acme, beta = customer_numbers
    content = ("order_number,customer_number,date,status,product_id,product_name,product_model,quantity,unit,price\n"
               f"SO-1,{acme},2025-01-15,paid,{printer},,,2,,1999.00\n"
               f"SO-1,{acme},2025-01-15,paid,,Toner,T-2,3,,\n"
               f"SO-2,{beta},2025/02/01,,,printer,p-100,1,piece,1500\n").encode()
    result = run(app, tmp_path, "orders", content)
    assert result.exit_code == 0, result.output
    assert "Imported 2 orders." in result.output
    with app.app_context():
        first, second = db.session.scalars(select(Order).order_by(Order.number))
        assert (first.number, first.date, first.status, first.total) == ("SO-1", date(2025, 1, 15), "paid",
                                                                         Decimal("4283.00"))
        assert [(l.quantity, l.unit, l.price) for l in first.lines] == [
            (Decimal("2"), "台", Decimal("1999.00")), (Decimal("3"), "box", Decimal("95.00"))]
        assert (second.status, second.total, second.lines[0].unit) == ("unpaid", Decimal("1500.00"), "piece")


def test_imported_orders_are_audited_with_their_lines(app, tmp_path, printer, customer_numbers):
    acme, _beta = customer_numbers
    content = (f"order_number,customer_number,date,product_id,quantity,price\n"
               f"SO-1,{acme},2025-01-15,{printer},2,1999\nSO-1,{acme},2025-01-15,{printer},1,10.5\n").encode()
    assert run(app, tmp_path, "orders", content).exit_code == 0
    with app.app_context():
        order_id = db.session.scalar(select(Order.id))
    [(action, who, record, changes)] = audited(app, "customers_order")
    assert (action, who, record) == ("create", None, str(order_id))
    assert changes["number"] == [None, "SO-1"] and changes["total"] == [None, "4008.50"]
    assert changes["lines"] == [None, [f"product #{printer} × 2.00 台 @ 1999.00",
                                       f"product #{printer} × 1.00 台 @ 10.50"]]


def test_bad_order_lines_are_reported_and_nothing_is_saved(app, tmp_path, printer, customer_numbers):
    acme, beta = customer_numbers
    run(app, tmp_path, "orders", f"order_number,customer_number,date,product_id,quantity\nOLD-1,{acme},2025-01-01,{printer},1\n".encode())
    content = ("订单号,客户编号,日期,产品名称,型号,数量,单价\n"
               f"SO-1,{acme},2025-01-15,Printer,P-100,2,10\n"
               f"SO-1,{beta},2025-01-15,Printer,P-100,1,10\n"
               f"SO-2,KH-NOPE,2025-02-30,Scanner,,0,-1\n"
               f"SO-3,{acme},2025-03-01,Toner,,1,abc\n"
               f"OLD-1,{acme},2025-03-01,Printer,P-100,1,1\n").encode("gbk")
    result = run(app, tmp_path, "orders", content)
    assert result.exit_code == 1
    output = result.output
    for expected in ("line 3, Customer number: Differs from line 2 of the same order.",
                     'line 4, Customer number: No customer has the number "KH-NOPE".',
                     "line 4, Date: Enter a date as YYYY-MM-DD.",
                     'line 4, Product name: No product is named "Scanner".',
                     "line 4, Quantity: The quantity must be greater than 0.",
                     "line 4, Unit price: Enter an amount from 0 to",
                     'line 5, Product name: Several products match "Toner"',
                     "line 5, Unit price: Enter a number",
                     "line 6, Order number: An order with this number exists already."):
        assert expected in output
    assert count(app, Order) == 1 and count(app, OrderLine) == 1


def test_product_ids_that_cannot_be_ids_are_reported(app, tmp_path, printer, customer_numbers):
    acme, _beta = customer_numbers
    content = ("order_number,customer_number,date,product_id,quantity\n"
               f"SO-1,{acme},2025-01-15,\u00b2,1\nSO-2,{acme},2025-01-15,99999999999999999999,1\n").encode()
    result = run(app, tmp_path, "orders", content)
    assert result.exit_code == 1
    assert "line 2, Product id: No product has the id \u00b2." in result.output
    assert "line 3, Product id: No product has the id 99999999999999999999." in result.output
    assert count(app, Order) == 0


def test_orders_need_a_product_column(app, tmp_path):
    result = run(app, tmp_path, "orders", b"order_number,customer_number,date,quantity\nSO-1,KH1,2025-01-01,1\n")
    assert result.exit_code == 1 and "Give a product id or a product name." in result.output


def test_50000_order_lines_with_one_bad_line_are_refused_whole(app, tmp_path, printer, customer_numbers):
    acme, beta = customer_numbers
    lines = ["order_number,customer_number,date,product_id,quantity,price"]
    lines += [f"SO-{i},{acme if i % 2 else beta},2025-01-{i % 28 + 1:02d},{printer},{line + 1},10"
              for i in range(25_000) for line in range(2)]
    lines[40_001] = lines[40_001].replace(f",{printer},1,10", f",{printer},-3,10")  # line 40002
    result = run(app, tmp_path, "orders", ("\n".join(lines) + "\n").encode())
    assert result.exit_code == 1, result.output
    assert "1 error(s)" in result.output and "line 40002, Quantity: The quantity must be greater than 0." in result.output
    assert count(app, Order) == 0


def test_imported_old_orders_raise_churn_warnings_and_a_new_order_closes_them(app, tmp_path, printer,
                                                                             customer_numbers):
    acme, beta = customer_numbers
    old = (date.today() - timedelta(days=300)).isoformat()
    recent = (date.today() - timedelta(days=10)).isoformat()
    result = run(app, tmp_path, "orders", (f"order_number,customer_number,date,product_id,quantity\n"
                                           f"SO-1,{acme},{old},{printer},1\nSO-2,{beta},{recent},{printer},1\n").encode())
    assert result.exit_code == 0, result.output
    assert "1 churn warning(s)" in app.test_cli_runner().invoke(args=["jobs", "run", "churn-scan"]).output
    run(app, tmp_path, "orders", f"order_number,customer_number,date,product_id,quantity\nSO-3,{acme},{recent},{printer},1\n".encode())
    with app.app_context():
        assert list(db.session.scalars(select(ChurnRecord.status))) == ["closed"]


# -- the upload page -----------------------------------------------------------------------------


def upload(client, kind, content: bytes, filename="data.csv"):
    return client.post(f"/customers/import/{kind}", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_upload_page_documents_the_columns(app, login_as):
    admin = login_as("admin")
    page = admin.get("/customers/import/customers").get_data(as_text=True)
    assert "national_tax_no" in page and "客户经理" in page
    page = admin.get("/customers/import/orders").get_data(as_text=True)
    assert "order_number" in page and "客户编号" in page


def test_upload_with_errors_shows_the_report(app, login_as, manager, worker):
    admin = login_as("admin")
    response = upload(admin, "customers", b"name,region,manager\nGood,beijing,zhang\nBad,mars,zhang\n")
    assert response.status_code == 302 and "/jobs/" in response.location
    state = wait_for_job(admin, response.location)
    assert state["state"] == "failed"
    page = admin.get(response.location).get_data(as_text=True)
    assert "The file was refused: 1 error(s). Nothing was imported." in page
    assert "&#34;mars&#34; is not an entry" in page or "&quot;mars&quot; is not an entry" in page
    assert count(app, Customer) == 0


def test_upload_of_a_good_file_imports_it(app, login_as, manager, worker):
    admin = login_as("admin")
    response = upload(admin, "customers", "name,region,manager\n东方公司,beijing,zhang\n".encode("gb18030"))
    assert response.status_code == 302
    assert wait_for_job(admin, response.location)["state"] == "done"
    assert "1 record(s) imported." in admin.get(response.location).get_data(as_text=True)
    assert [c.name for c in customers(app)] == ["东方公司"]
    [customer] = customers(app)
    with app.app_context():
        assert db.session.get(Customer, customer.id).created_by_id == admin.user_id
    page = admin.get(f"/admin/audit?table=customers_customer&record={customer.id}").get_data(as_text=True)
    assert customer.number in page and "东方公司" in page
    assert [(action, who) for action, who, _r, _c in audited(app, "customers_customer")] == [
        ("create", admin.user_id)]


@pytest.mark.parametrize("content, filename, message", [
    (b"", "data.csv", "Choose a CSV file."),
    (b"name\n", "data.xlsx", "Choose a .csv file"),
    ("name,region,manager\nA,beijing,zhang\n".encode("utf-16"), "data.csv", "neither UTF-8 nor GBK"),
    (b"name,manager\nA,zhang\n", "data.csv", "Missing column(s): Region."),
])
def test_upload_refusals_are_shown_beside_the_field(app, login_as, manager, content, filename, message):
    admin = login_as("admin")
    data = {"file": (io.BytesIO(content), filename)} if content else {}
    response = admin.post("/customers/import/customers", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Customer) == 0


def test_only_importers_may_upload(app, login_as, manager):
    for role in ("account_manager", "sales_director", "executive"):
        client = login_as(role)
        assert client.get("/customers/import/customers").status_code == 403
        assert upload(client, "orders", b"order_number\n").status_code == 403
    orders_only = login_as(permissions=["customers.order.import"])
    assert orders_only.get("/customers/import/orders").status_code == 200
    assert upload(orders_only, "customers", b"name,region,manager\nA,beijing,zhang\n").status_code == 403
    assert count(app, Customer) == 0


def test_upload_without_csrf_token_is_refused(app, login_as, manager):
    admin = login_as("admin")
    response = admin.post("/customers/import/customers", csrf=False, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"name,region,manager\nA,beijing,zhang\n"), "a.csv")})
    assert response.status_code == 400
    assert count(app, Customer) == 0


# -- data scope: the rules of the forms ----------------------------------------------------------


@pytest.fixture
def own_scope_importer(login_as):
    return login_as(permissions=["customers.customer.view", "customers.customer.import", "customers.order.import",
                                 "core.job.view"], scope="own", username="li")


def test_an_own_scope_user_cannot_import_customers_for_another_manager(app, own_scope_importer, manager, worker):
    response = upload(own_scope_importer, "customers", b"name,region,manager\nMine,beijing,li\nTheirs,beijing,zhang\n")
    state = wait_for_job(own_scope_importer, response.location)
    assert state["state"] == "failed"
    page = own_scope_importer.get(response.location).get_data(as_text=True)
    assert "No active account manager has the login" in page and "zhang" in page
    assert count(app, Customer) == 0


def test_an_own_scope_user_cannot_import_orders_onto_another_managers_customer(
        app, tmp_path, own_scope_importer, printer, customer_numbers, worker):
    acme, _beta = customer_numbers  # managed by zhang
    response = upload(own_scope_importer, "orders",
                      f"order_number,customer_number,date,product_id,quantity\nSO-1,{acme},2024-01-15,{printer},1\n"
                      .encode())
    state = wait_for_job(own_scope_importer, response.location)
    assert state["state"] == "failed"
    assert "No customer has the number" in own_scope_importer.get(response.location).get_data(as_text=True)
    assert count(app, Order) == 0


def test_another_user_cannot_see_an_import_job(app, login_as, manager, worker):
    admin = login_as("admin")
    response = upload(admin, "customers", b"name,region,manager\nAcme,beijing,zhang\n")
    wait_for_job(admin, response.location)
    assert login_as("admin").get(response.location).status_code == 404


def test_lines_of_one_order_far_apart_in_a_file_read_in_chunks_make_one_order(
        app, tmp_path, printer, customer_numbers, monkeypatch):
    from plugins.customers.importer import order_rows

    monkeypatch.setattr(order_rows, "CHUNK", 2)  # every order's lines fall into different chunks
    acme, beta = customer_numbers
    content = ("order_number,customer_number,date,product_id,quantity,price\n"
               f"SO-1,{acme},2024-01-15,{printer},1,10\n"
               f"SO-2,{beta},2024-01-16,{printer},2,10\n"
               f"SO-3,{beta},2024-01-17,{printer},1,5\n"
               f"SO-1,{acme},2024-01-15,{printer},3,10\n"
               f"SO-2,{beta},2024-01-16,{printer},1,1\n").encode()
    result = run(app, tmp_path, "orders", content)
    assert result.exit_code == 0, result.output
    with app.app_context():
        totals = dict(db.session.execute(select(Order.number, Order.total)).all())
        assert totals == {"SO-1": Decimal("40.00"), "SO-2": Decimal("21.00"), "SO-3": Decimal("5.00")}
        assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 5


def test_statistics_are_refreshed_when_an_import_grows_the_table_by_more_than_a_tenth(app, tmp_path, manager,
                                                                                         monkeypatch):
    """ANALYZE reads every index of a big table (seconds at a million customers): an import refreshes the
    statistics of a table without any, or one it grows by more than a tenth, and leaves them otherwise."""
    from plugins.customers.importer import customer_rows

    analysed, real = [], customer_rows.analyze_grown
    monkeypatch.setattr(customer_rows, "analyze_grown", lambda *args, **kwargs: analysed.append(real(*args, **kwargs)))

    def import_rows(first, count):
        lines = ["name,region,manager"] + [f"Customer {n},west,zhang" for n in range(first, first + count)]
        assert run(app, tmp_path, "customers", ("\n".join(lines) + "\n").encode()).exit_code == 0

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:  # earlier tests' statistics: none for the customers now
            if db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
                db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'customers_customer'"))
                db.session.commit()
    import_rows(0, 20)
    if sqlite:
        assert "customers_customer" in analysed[-1]
    with app.app_context():
        analyze(Customer)  # the statistics count 20 customers
    import_rows(20, 2)  # a tenth of the 20 counted: not more
    import_rows(22, 3)
    assert ["customers_customer" in tables for tables in analysed[-2:]] == [False, True]


def test_an_import_leaves_no_pending_entries_in_the_search_indexes(app, tmp_path, manager):
    """PostgreSQL: a GIN index takes new rows' entries into a pending list that every search reads in full
    until it is merged (up to 4 MB; ~7 ms more for 华信 at a million customers). The import merges them:
    nothing is left to merge after it, in the grams index nor in the trigram ones."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("GIN pending lists are PostgreSQL's")
    lines = ["name,region,manager"] + [f"华信客户{n},west,zhang" for n in range(30)]
    assert run(app, tmp_path, "customers", ("\n".join(lines) + "\n").encode()).exit_code == 0
    with app.app_context():
        pending = dict(db.session.execute(text(
            "SELECT c.relname, gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE i.indrelid = CAST('customers_customer' AS regclass) AND a.amname = 'gin'")).all())
        db.session.commit()
    assert "ix_customers_customer_name_grams" in pending, pending
    assert set(pending.values()) == {0}, pending
