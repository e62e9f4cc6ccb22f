"""Every audited table of the built-in plugins reads as people read it: its own label, its fields' labels,
codes by name, links to the record (marketing's and service's own tests check theirs through their forms)."""
import re

from core.admin.audit_display import COMMON_FIELDS, audited_models
from core.api import db


def test_every_audited_table_names_itself_and_its_changed_fields(app):
    with app.app_context():
        models = {name: model for name, model in audited_models().items()
                  if model.__module__.startswith(("core.", "plugins."))}  # the built-in plugins
        assert {"basedata_product", "marketing_opportunity", "service_request"} <= set(models)
        unlabelled = sorted(name for name, model in models.items() if not getattr(model, "__audit_label__", None))
        assert unlabelled == []
        for name, model in models.items():
            excluded = getattr(model, "__audit_exclude__", set())
            columns = {c.key for c in model.__table__.columns} - excluded - set(COMMON_FIELDS) - {"id"}
            labelled = set(getattr(model, "__audit_fields__", {}))
            assert columns <= labelled, (name, sorted(columns - labelled))


def audit_entries(admin, table):
    """The rows of the audit log of one table, as the page shows them."""
    page = admin.get(f"/admin/audit?table={table}").get_data(as_text=True)
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_a_product_change_reads_in_chinese(app, login_as):
    admin = login_as("admin", language="zh_CN")
    response = admin.post("/basedata/products/new", data={"name": "激光打印机", "unit": "台", "price": "1999.00"})
    assert response.status_code == 302
    table = audit_entries(admin, "basedata_product")
    assert "basedata_product" not in table and "price" not in table
    assert "产品" in table and "单价" in table and "1999.00" in table
    assert re.search(r'href="/basedata/products/\d+/edit"', table)

