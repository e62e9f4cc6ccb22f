"""The migration that adds the duplicate keys computes them for the customers already there."""
from sqlalchemy import text

from core import create_app, migrate
from core.api import db


def test_existing_customers_get_their_keys(tmp_path):
    from core.testing import test_config

    app = create_app({**test_config(f"sqlite:///{tmp_path / 'old.db'}"), "CRM_PLUGINS": "basedata,customers"})
    with app.app_context():
        for name, _folder in migrate.components():
            migrate.upgrade_component(name, "e71bb5decb12" if name == "customers" else "head")
        with db.engine.begin() as connection:
            for n, (name, phone) in enumerate([("北京华信科技有限公司", "010-88886666"), ("Acme Co., Ltd.", "")] * 3000):
                connection.execute(text(
                    "INSERT INTO customers_customer (number, name, region, level, satisfaction, credit, address, "
                    "postcode, phone, fax, website, licence_no, legal_person, bank, bank_account, local_tax_no, "
                    "national_tax_no, status, created_at, updated_at, version) VALUES (:number, :name, 'beijing', "
                    "'1', '3', '3', '', '', :phone, '', '', '', '', '', '', '', '', 'normal', '2026-01-01', "
                    "'2026-01-01', 1)"), {"number": f"KH{n:08d}", "name": name, "phone": phone})
        migrate.upgrade()
        with db.engine.connect() as connection:
            keys = connection.execute(text("SELECT name_key, phone_key, count(*) FROM customers_customer "
                                           "GROUP BY name_key, phone_key ORDER BY name_key")).all()
            indexes = {row[1] for row in connection.execute(text("PRAGMA index_list('customers_customer')"))}
        db.engine.dispose()
    assert keys == [("acme", "", 3000), ("北京华信科技", "1088886666", 3000)]
    assert {"ix_customers_customer_name_key", "ix_customers_customer_phone_key"} <= indexes
