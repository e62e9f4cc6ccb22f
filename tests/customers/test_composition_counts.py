"""The customers' composition counts (``customers_composition``) stay equal to the customers through every
write a user makes: the form, an edit, a handover, a deletion, an import (the command's and a refused one);
the composition report reads them, everyone's or an account manager's."""
import re

import pytest
from sqlalchemy import func, select, text

from core.api import db
from plugins.basedata import services as basedata
from plugins.customers.composition import COMPOSITION, CustomerComposition
from plugins.customers.models import Customer


@pytest.fixture(autouse=True)
def seeded(app):
    with app.app_context():
        basedata.seed_dictionary()


def _kept(app) -> dict:
    with app.app_context():
        return {tuple(row[:4]): row[4] for row in db.session.execute(select(
            CustomerComposition.manager_id, CustomerComposition.level, CustomerComposition.credit,
            CustomerComposition.satisfaction, CustomerComposition.customers))}


def _recounted(app) -> dict:
    with app.app_context():
        return {key: values[0] for key, values in COMPOSITION.totals(db.session.connection()).items()}


def _report(client, dimension="level") -> list[tuple[str, str]]:
    page = client.get(f"/reports/customers.composition?dimension={dimension}").get_data(as_text=True)
    body = page[page.index("<tbody>"):page.index("</tbody>")] if "<tbody>" in page else ""
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))[1:]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _import(app, tmp_path, lines: list[str]):
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path)])
    with app.app_context():  # the statistics the import's ANALYZE wrote of these few rows: forgotten
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("DELETE FROM sqlite_stat1"))
            db.session.commit()
            db.engine.dispose()  # (each connection loaded them)
    return result


def test_the_counts_follow_every_write_and_serve_the_report(app, tmp_path, login_as, customer_form):
    director = login_as("sales_director")
    li = login_as("account_manager", username="li")
    zhang = login_as("account_manager", username="zhang")
    for n, (manager, level, credit) in enumerate([(li, "2", "4"), (li, "2", "4"), (li, "3", "1"), (zhang, "2", "4")]):
        assert director.post("/customers/new", data=customer_form(manager.user_id, name=f"客户{n}", phone="",
                                                                  level=level, credit=credit)).status_code == 302
    assert _kept(app) == _recounted(app) == {(li.user_id, "2", "4", "3"): 2, (li.user_id, "3", "1", "3"): 1,
                                             (zhang.user_id, "2", "4", "3"): 1}
    with app.app_context():
        first, second, third, _fourth = db.session.scalars(select(Customer.id).order_by(Customer.id)).all()
    # an edit of the level, a handover, a deletion
    edited = customer_form(li.user_id, name="客户0", phone="", level="1", credit="4", version="1")
    assert director.post(f"/customers/{first}/edit", data=edited).status_code == 302
    handed = customer_form(zhang.user_id, name="客户1", phone="", level="2", credit="4", version="1")
    assert director.post(f"/customers/{second}/edit", data=handed).status_code == 302
    assert director.post(f"/customers/{third}/delete").status_code == 302
    assert _kept(app) == _recounted(app) == {(li.user_id, "1", "4", "3"): 1, (zhang.user_id, "2", "4", "3"): 2}
    # an import: counted in its transaction; a refused one leaves the counts as they were
    good = ["name,region,manager,level,credit"] + [f"导入{n},beijing,li,{n % 2 + 1},2" for n in range(5)]
    assert _import(app, tmp_path, good).exit_code == 0
    refused = ["name,region,manager,level"] + [f"拒绝{n},beijing,zhang,1" for n in range(4)] + ["坏行,mars,zhang,1"]
    assert _import(app, tmp_path, refused).exit_code == 1
    assert _kept(app) == _recounted(app) == {(li.user_id, "1", "4", "3"): 1, (zhang.user_id, "2", "4", "3"): 2,
                                             (li.user_id, "1", "2", "3"): 3, (li.user_id, "2", "2", "3"): 2}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer).where(Customer.status != "deleted")) == 8
    # the report: everyone's, then an account manager's own
    assert _report(director) == [("4", "50.0 %"), ("4", "50.0 %")]
    assert _report(director, "credit") == [("5", "62.5 %"), ("3", "37.5 %")]
    assert _report(li) == [("4", "66.7 %"), ("2", "33.3 %")]
    assert _report(zhang, "credit") == [("2", "100.0 %")]
