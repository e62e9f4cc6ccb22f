"""Stock through HTTP: CRUD, totals per product computed by the database, bad input, permissions."""
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db
from plugins.basedata.models import Product, Stock


def add_product(app, name, model="M1", unit="台"):
    with app.app_context():
        product = Product(name=name, model=model, batch="", unit=unit, price=Decimal("1.00"))
        db.session.add(product)
        db.session.commit()
        return product.id


def add_stock(app, product_id, warehouse, quantity, location=""):
    with app.app_context():
        record = Stock(product_id=product_id, warehouse=warehouse, location=location, quantity=quantity)
        db.session.add(record)
        db.session.commit()
        return record.id


def get(app, stock_id):
    with app.app_context():
        record = db.session.get(Stock, stock_id)
        if record is not None:
            db.session.expunge(record)
        return record


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Stock))


def stock_data(product_id, **fields):
    return {"product_id": str(product_id), "warehouse": "北京总仓", "location": "A-01", "quantity": "12",
            "memo": "", **fields}


def test_administrator_creates_edits_and_deletes(app, login_as):
    admin = login_as("admin")
    product_id = add_product(app, "显示器")
    form = admin.get("/basedata/stock/new").get_data(as_text=True)
    assert "显示器 M1" in form
    assert admin.post("/basedata/stock/new", data=stock_data(product_id)).status_code == 302
    with app.app_context():
        stock_id = db.session.scalar(select(Stock.id))
    record = get(app, stock_id)
    assert (record.product_id, record.warehouse, record.quantity) == (product_id, "北京总仓", 12)
    assert admin.post(f"/basedata/stock/{stock_id}/edit",
                      data=stock_data(product_id, quantity="0", version=record.version)).status_code == 302
    assert get(app, stock_id).quantity == 0
    stale = admin.post(f"/basedata/stock/{stock_id}/edit", data=stock_data(product_id, quantity="5", version=1))
    assert "changed by someone else" in stale.get_data(as_text=True) and get(app, stock_id).quantity == 0
    assert admin.post(f"/basedata/stock/{stock_id}/delete", data={}).status_code == 302
    assert get(app, stock_id) is None


def test_bad_input_saves_nothing(app, login_as):
    admin = login_as("admin")
    product_id = add_product(app, "显示器")
    cases = [
        (stock_data(product_id, warehouse="", quantity=""), ["warehouse-error", "quantity-error"]),
        (stock_data(product_id, quantity="-3"), ["quantity-error"]),
        (stock_data(product_id, quantity="many"), ["quantity-error"]),
        (stock_data(product_id, quantity="1.5"), ["quantity-error"]),
        (stock_data(product_id, quantity="99999999999"), ["quantity-error"]),
        (stock_data(product_id, memo="x" * 10_000), ["memo-error"]),
        (stock_data(product_id, location="x" * 10_000), ["location-error"]),
        (stock_data(product_id + 999), ["product_id-error"]),
    ]
    for data, errors in cases:
        response = admin.post("/basedata/stock/new", data=data)
        assert response.status_code == 200, data
        for error in errors:
            assert f'id="{error}"' in response.get_data(as_text=True), (data, error)
    assert count(app) == 0
    script = "<script>alert(1)</script>"
    assert admin.post("/basedata/stock/new", data=stock_data(product_id, warehouse=script)).status_code == 302
    page = admin.get("/basedata/stock").get_data(as_text=True)
    assert script not in page and "&lt;script&gt;" in page


def test_lists_totals_and_exports(app, login_as):
    printer = add_product(app, "打印机", unit="台")
    paper = add_product(app, "复印纸", unit="箱")
    add_stock(app, printer, "北京总仓", 35, "A-01")
    add_stock(app, printer, "上海仓", 18, "B-02")
    add_stock(app, printer, "上海仓", 2, "B-03")
    add_stock(app, paper, "北京总仓", 400)
    user = login_as("account_manager")
    assert "1–4 of 4" in user.get("/basedata/stock").get_data(as_text=True)
    assert "1–3 of 3" in user.get("/basedata/stock?product=打印").get_data(as_text=True)
    assert "1–2 of 2" in user.get("/basedata/stock?warehouse=上海").get_data(as_text=True)
    page = user.get("/basedata/stock?sort=-quantity").get_data(as_text=True)
    assert page.index("400") < page.index("35")
    totals = user.get("/basedata/stock/totals?sort=-total").get_data(as_text=True)
    assert "1–2 of 2" in totals
    assert totals.index("复印纸") < totals.index("打印机") and "55" in totals
    shanghai = user.get("/basedata/stock/totals?warehouse=上海").get_data(as_text=True)
    assert "1–1 of 1" in shanghai and ">20 <" in shanghai
    response = user.get("/basedata/stock/totals?export=csv&sort=product")
    lines = response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "Product,Model,Grade / batch,Warehouses,Total quantity,Unit"
    assert sorted(lines[1:]) == sorted(["打印机,M1,,2,55,台", "复印纸,M1,,1,400,箱"])
    response = user.get("/basedata/stock?export=csv&warehouse=北京")
    lines = response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "Product,Model,Grade / batch,Warehouse,Location,Quantity,Unit,Memo" and len(lines) == 3


def test_read_only_roles_cannot_change_stock(app, login_as):
    product_id = add_product(app, "显示器")
    stock_id = add_stock(app, product_id, "北京总仓", 5)
    for role in ("sales_director", "account_manager", "executive"):
        user = login_as(role)
        page = user.get("/basedata/stock").get_data(as_text=True)
        assert "显示器" in page and f"/basedata/stock/{stock_id}/edit" not in page
        assert user.get("/basedata/stock/new").status_code == 403
        assert user.post("/basedata/stock/new", data=stock_data(product_id)).status_code == 403
        assert user.post(f"/basedata/stock/{stock_id}/edit", data=stock_data(product_id, version=1)).status_code == 403
        assert user.post(f"/basedata/stock/{stock_id}/delete", data={}).status_code == 403
    assert count(app) == 1 and get(app, stock_id).quantity == 5
