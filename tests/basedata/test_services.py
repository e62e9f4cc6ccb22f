"""The public service other plugins code against (plugins/basedata/services.py)."""
from decimal import Decimal

from sqlalchemy import func, select

from core.api import db
from plugins.basedata import services
from plugins.basedata.models import DictionaryEntry, Product, Stock


def in_language(app, language):
    return app.test_request_context(headers={"Accept-Language": language})


def test_choices_and_labels_follow_the_users_language(app):
    with in_language(app, "zh-CN"):
        assert services.choices(services.CUSTOMER_LEVEL) == [
            ("1", "普通客户"), ("2", "重点开发客户"), ("3", "大客户"), ("4", "合作伙伴"), ("5", "战略合作伙伴")]
        assert services.label(services.REGION, "beijing") == "北京"
        assert services.type_label(services.REGION) == "地区"
    with in_language(app, "en"):
        assert [v for v, _label in services.choices(services.REGION)] == [
            "beijing", "north_china", "central_south", "northeast", "west"]
        assert services.labels(services.SERVICE_TYPE) == {
            "consultation": "Consultation", "suggestion": "Suggestion", "complaint": "Complaint"}
        assert services.label(services.CREDIT, "5") == "5 stars ★★★★★"
        assert services.label(services.REGION, None) == ""
        assert services.label(services.REGION, "atlantis") == "atlantis"
        assert services.type_label("my_type") == "my_type"
    every_type = [services.CUSTOMER_LEVEL, services.CREDIT, services.SATISFACTION, services.REGION,
                  services.SERVICE_TYPE, services.OPPORTUNITY_SOURCE, services.ENTERPRISE_TYPE,
                  services.ENTERPRISE_NATURE, services.BANK]
    with in_language(app, "en"):
        assert all(len(services.choices(key)) >= 3 for key in every_type)


def test_an_entry_without_english_label_shows_its_item(app):
    with app.app_context():
        db.session.add(DictionaryEntry(type=services.REGION, item="华东", item_en="", value="east", sort_order=1))
        db.session.commit()
    with in_language(app, "en"):
        assert services.choices(services.REGION)[0] == ("east", "华东")


def test_where_used_and_products(app, other_records):
    with app.app_context():
        product = Product(name="打印机", model="M404", batch="A级", unit="台", price=Decimal("2399.00"))
        other = Product(name="复印纸", model="", batch="", unit="箱", price=Decimal("168.00"))
        db.session.add_all([product, other])
        db.session.commit()
        product_id, other_id = product.id, other.id
    other_records(region="north_china", product_id=product_id)
    with in_language(app, "en"):
        assert services.where_used(services.REGION, "north_china") == ["Other records"]
        assert services.where_used(services.REGION, "beijing") == []
        assert services.where_used(None, product_id) == ["Order lines"]
        db.session.add(Stock(product_id=other_id, warehouse="北京总仓", quantity=1))
        db.session.commit()
        assert services.where_used(None, other_id) == ["Stock"]
        assert services.get_product(product_id).price == Decimal("2399.00")
        assert services.get_product(None) is None and services.get_product(999999) is None
        assert services.product_choices() == [(other_id, "复印纸"), (product_id, "打印机 M404 A级")]


def test_usage_of_a_table_missing_from_the_database_is_ignored(app):
    # `other_records` is not requested: its table does not exist, as for a plugin that was never migrated.
    with app.app_context():
        assert services.where_used(services.REGION, "north_china") == []


def test_seeding_is_idempotent(app):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(DictionaryEntry))
        assert services.seed_dictionary() == 0
        assert db.session.scalar(select(func.count()).select_from(DictionaryEntry)) == before == 44


def test_a_plugin_seeds_its_own_type_once_and_names_it(app):
    entries = [("a", "甲", "First"), ("b", "乙", "Second")]
    services.register_type("test_own_type", "Own type")
    with app.app_context():
        assert services.seed_type("test_own_type", entries) == 2
        db.session.commit()
        assert services.seed_type("test_own_type", entries + [("c", "丙", "Third")]) == 0  # it has entries: nothing added
        db.session.execute(DictionaryEntry.__table__.delete().where(DictionaryEntry.value == "b"))
        db.session.commit()
        assert services.seed_type("test_own_type", entries) == 0  # an administrator's deletion stays
        rows = db.session.execute(select(DictionaryEntry.value, DictionaryEntry.editable, DictionaryEntry.sort_order)
                                  .where(DictionaryEntry.type == "test_own_type")).all()
        assert rows == [("a", True, 10)]
    with in_language(app, "en"):
        assert services.type_label("test_own_type") == "Own type"
        assert services.labels("test_own_type") == {"a": "First"}
    services.TYPE_LABELS.pop("test_own_type")
