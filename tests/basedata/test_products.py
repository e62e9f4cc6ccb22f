"""Products through HTTP: CRUD as administrator, read-only roles, money, bad input, refusals while used."""
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db
from plugins.basedata.models import Product, Stock


def product_data(**fields):
    return {"name": "激光打印机", "model": "M404dn", "batch": "A级 2024-03", "unit": "台", "price": "2399.10",
            "memo": "", **fields}


def add_product(app, **fields):
    with app.app_context():
        values = {"name": "打印机", "model": "P1", "batch": "B1", "unit": "台", "price": Decimal("10.00"), **fields}
        product = Product(**values)
        db.session.add(product)
        db.session.commit()
        return product.id


def get(app, product_id):
    with app.app_context():
        product = db.session.get(Product, product_id)
        if product is not None:
            db.session.expunge(product)
        return product


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Product))


def test_administrator_creates_edits_and_deletes(app, login_as):
    admin = login_as("admin")
    assert admin.post("/basedata/products/new", data=product_data()).status_code == 302
    with app.app_context():
        product_id = db.session.scalar(select(Product.id))
    product = get(app, product_id)
    assert product.price == Decimal("2399.10") and isinstance(product.price, Decimal)
    assert product.created_by_id == admin.user_id
    response = admin.post(f"/basedata/products/{product_id}/edit",
                          data=product_data(price="0.30", memo="含税", version=product.version))
    assert response.status_code == 302
    assert get(app, product_id).price == Decimal("0.30")
    assert admin.post(f"/basedata/products/{product_id}/delete", data={}).status_code == 302
    assert get(app, product_id) is None


def test_read_only_roles_see_but_cannot_change(app, login_as):
    product_id = add_product(app)
    for role in ("sales_director", "account_manager", "executive"):
        user = login_as(role)
        page = user.get("/basedata/products")
        assert page.status_code == 200 and "打印机" in page.get_data(as_text=True)
        assert f"/basedata/products/{product_id}/edit" not in page.get_data(as_text=True)
        assert user.get("/basedata/products/new").status_code == 403
        assert user.post("/basedata/products/new", data=product_data()).status_code == 403
        assert user.post(f"/basedata/products/{product_id}/edit", data=product_data(version=1)).status_code == 403
        assert user.post(f"/basedata/products/{product_id}/delete", data={}).status_code == 403
    assert count(app) == 1 and get(app, product_id).name == "打印机"


def test_bad_input_saves_nothing(app, login_as):
    admin = login_as("admin")
    cases = [
        (product_data(name="", unit="", price=""), ["name-error", "unit-error", "price-error"]),
        (product_data(price="-1"), ["price-error"]),
        (product_data(price="abc"), ["price-error"]),
        (product_data(price="1e20"), ["price-error"]),
        (product_data(memo="x" * 10_000), ["memo-error"]),
        (product_data(name="x" * 10_000, model="x" * 10_000, batch="x" * 10_000),
         ["name-error", "model-error", "batch-error"]),
    ]
    for data, errors in cases:
        response = admin.post("/basedata/products/new", data=data)
        assert response.status_code == 200, data
        for error in errors:
            assert f'id="{error}"' in response.get_data(as_text=True), (data, error)
    assert count(app) == 0


def test_html_in_text_fields_is_shown_as_text(app, login_as):
    admin = login_as("admin")
    script = '<img src=x onerror="alert(1)">'
    assert admin.post("/basedata/products/new", data=product_data(name=script, memo=script)).status_code == 302
    page = admin.get("/basedata/products").get_data(as_text=True)
    assert script not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_stale_edit_keeps_the_stored_data(app, login_as):
    admin = login_as("admin")
    product_id = add_product(app)
    assert admin.post(f"/basedata/products/{product_id}/edit",
                      data=product_data(name="新名称", version=1)).status_code == 302
    response = admin.post(f"/basedata/products/{product_id}/edit", data=product_data(name="旧表单", version=1))
    assert "changed by someone else" in response.get_data(as_text=True)
    assert get(app, product_id).name == "新名称"


def test_delete_is_refused_while_an_order_line_or_stock_uses_the_product(app, login_as, other_records):
    admin = login_as("admin")
    used = add_product(app, name="已下单")
    other_records(product_id=used)
    response = admin.post(f"/basedata/products/{used}/delete", data={}, follow_redirects=True)
    assert "cannot be deleted: it is used in Order lines" in response.get_data(as_text=True)
    assert get(app, used) is not None
    stocked = add_product(app, name="有库存")
    with app.app_context():
        db.session.add(Stock(product_id=stocked, warehouse="北京总仓", quantity=3))
        db.session.commit()
    response = admin.post(f"/basedata/products/{stocked}/delete", data={}, follow_redirects=True)
    assert "cannot be deleted: it is used in Stock" in response.get_data(as_text=True)
    assert get(app, stocked) is not None


def test_filters_sorting_pagination_and_export(app, login_as):
    for n in range(25):
        add_product(app, name=f"产品{n:02}", model=f"M-{n % 3}", batch=f"2024-{n % 2}", price=Decimal(n))
    user = login_as("account_manager")
    assert "1–9 of 9" in user.get("/basedata/products?model=M-0").get_data(as_text=True)
    assert "1–5 of 5" in user.get("/basedata/products?model=M-0&batch=2024-0").get_data(as_text=True)
    assert "1–1 of 1" in user.get("/basedata/products?name=产品07").get_data(as_text=True)
    page = user.get("/basedata/products?sort=-price").get_data(as_text=True)
    assert page.index("产品24") < page.index("产品23")
    page = user.get("/basedata/products?page=2").get_data(as_text=True)
    assert "21–25 of 25" in page and "产品24" in page and "产品00" not in page
    response = user.get("/basedata/products?model=M-1&export=csv&sort=price")
    lines = response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "Name,Model,Grade / batch,Unit,Unit price,Memo"
    assert len(lines) == 9 and lines[1].startswith("产品01,M-1,2024-1,台,1.00")
