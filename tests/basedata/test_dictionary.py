"""The data dictionary through HTTP: seeded entries, protection, usage, bad input, list features."""
from sqlalchemy import func, select, text

from core.api import db
from plugins.basedata import services
from plugins.basedata.models import DictionaryEntry

SEEDED = {
    "customer_level": ["普通客户", "重点开发客户", "大客户", "合作伙伴", "战略合作伙伴"],
    "region": ["北京", "华北", "中南", "东北", "西部"],
    "service_type": ["咨询", "建议", "投诉"],
}


def entry(app, type_key, value):
    with app.app_context():
        found = db.session.scalar(select(DictionaryEntry).where(DictionaryEntry.type == type_key,
                                                               DictionaryEntry.value == value))
        if found is not None:
            db.session.expunge(found)
        return found


def count(app, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(DictionaryEntry).filter_by(**where)
        return db.session.scalar(stmt)


def new_entry(**fields):
    return {"type": "region", "item": "华东", "item_en": "East China", "value": "east", "sort_order": "60",
            "editable": "y", **fields}


def test_seeded_types_items_and_flags(app):
    with app.app_context():
        for type_key, items in SEEDED.items():
            stored = db.session.scalars(select(DictionaryEntry.item).where(DictionaryEntry.type == type_key)
                                        .order_by(DictionaryEntry.sort_order)).all()
            assert stored == items
        for type_key in ("customer_level", "credit", "satisfaction"):
            rows = db.session.scalars(select(DictionaryEntry).where(DictionaryEntry.type == type_key)).all()
            assert [r.value for r in rows] == ["1", "2", "3", "4", "5"] and not any(r.editable for r in rows)
        for type_key in ("region", "service_type", "opportunity_source", "enterprise_type",
                         "enterprise_nature", "bank"):
            rows = db.session.scalars(select(DictionaryEntry).where(DictionaryEntry.type == type_key)).all()
            assert len(rows) >= 3 and all(r.editable and r.item and r.item_en for r in rows)
        assert services.seed_dictionary() == 0  # idempotent


def test_list_shows_both_languages_and_locks(app, login_as):
    admin = login_as("admin")
    page = admin.get("/basedata/dictionary?type=customer_level").get_data(as_text=True)
    assert "普通客户" in page and "Ordinary customer" in page and "Customer level" in page
    level = entry(app, "customer_level", "1")
    assert f"/basedata/dictionary/{level.id}/edit" not in page
    assert f"/basedata/dictionary/{level.id}/delete" not in page
    region = entry(app, "region", "beijing")
    page = admin.get("/basedata/dictionary?type=region").get_data(as_text=True)
    assert f"/basedata/dictionary/{region.id}/edit" in page and f"/basedata/dictionary/{region.id}/delete" in page
    admin.post("/language/zh_CN")
    page = admin.get("/basedata/dictionary?type=customer_level").get_data(as_text=True)
    assert "数据字典" in page and "客户等级" in page


def test_non_editable_entry_is_refused_by_the_server(app, login_as):
    admin = login_as("admin")
    level = entry(app, "customer_level", "3")
    refused = admin.get(f"/basedata/dictionary/{level.id}/edit")
    assert refused.status_code == 403 and "not editable" in refused.get_data(as_text=True)
    response = admin.post(f"/basedata/dictionary/{level.id}/edit",
                          data=new_entry(type="customer_level", item="Hacked", value="3", version=level.version))
    assert response.status_code == 403
    assert admin.post(f"/basedata/dictionary/{level.id}/delete", data={}).status_code == 403
    after = entry(app, "customer_level", "3")
    assert (after.item, after.version) == ("大客户", level.version)


def test_create_edit_delete_as_administrator(app, login_as):
    admin = login_as("admin")
    form = admin.get("/basedata/dictionary/new").get_data(as_text=True)
    assert 'list="basedata-types"' in form and '<option value="region">' in form
    assert admin.post("/basedata/dictionary/new", data=new_entry()).status_code == 302
    created = entry(app, "region", "east")
    assert (created.item, created.item_en, created.sort_order, created.editable) == ("华东", "East China", 60, True)
    assert created.created_by_id == admin.user_id
    response = admin.post(f"/basedata/dictionary/{created.id}/edit",
                          data=new_entry(item="华东地区", version=created.version))
    assert response.status_code == 302
    assert entry(app, "region", "east").item == "华东地区"
    response = admin.post(f"/basedata/dictionary/{created.id}/delete", data={}, follow_redirects=True)
    assert "Deleted." in response.get_data(as_text=True)
    assert entry(app, "region", "east") is None
    with app.app_context():
        actions = db.session.execute(text(
            "SELECT action FROM core_audit_log WHERE table_name = 'basedata_dictionary' ORDER BY id")).scalars().all()
    assert actions == ["create", "update", "delete"]


def test_entry_in_use_cannot_be_deleted_or_recoded(app, login_as, other_records):
    admin = login_as("admin")
    west = entry(app, "region", "west")
    other_records(region="west")
    response = admin.post(f"/basedata/dictionary/{west.id}/delete", data={}, follow_redirects=True)
    assert "cannot be deleted: it is used in Other records" in response.get_data(as_text=True)
    assert entry(app, "region", "west") is not None
    response = admin.post(f"/basedata/dictionary/{west.id}/edit",
                          data=new_entry(item="西部", value="far_west", version=west.version))
    assert response.status_code == 200
    assert "cannot change while records use this entry (Other records)" in response.get_data(as_text=True)
    assert entry(app, "region", "west").version == west.version
    # Relabelling a used entry is fine: records keep the value.
    response = admin.post(f"/basedata/dictionary/{west.id}/edit",
                          data=new_entry(item="西部地区", item_en="West", value="west", version=west.version))
    assert response.status_code == 302
    unused = entry(app, "region", "northeast")
    assert admin.post(f"/basedata/dictionary/{unused.id}/delete", data={}).status_code == 302
    assert entry(app, "region", "northeast") is None


def test_bad_input_gets_a_message_beside_the_field_and_saves_nothing(app, login_as):
    admin = login_as("admin")
    before = count(app)
    cases = [
        (new_entry(type="", item="", value=""), ["type-error", "item-error", "value-error"]),
        (new_entry(item="x" * 10_000), ["item-error"]),
        (new_entry(item_en="x" * 10_000), ["item_en-error"]),
        (new_entry(item="北京", value="beijing2"), ["item-error"]),
        (new_entry(item="北京2", value="beijing"), ["value-error"]),
        (new_entry(type="Region <b>"), ["type-error"]),
        (new_entry(sort_order="first"), ["sort_order-error"]),
    ]
    for data, errors in cases:
        response = admin.post("/basedata/dictionary/new", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, data
        for error in errors:
            assert f'id="{error}"' in page, (data, error)
    assert count(app) == before
    assert "This type already has an item with this name." in admin.post(
        "/basedata/dictionary/new", data=new_entry(item="北京", value="b2")).get_data(as_text=True)


def test_html_is_shown_as_text(app, login_as):
    admin = login_as("admin")
    script = "<script>alert(1)</script>"
    assert admin.post("/basedata/dictionary/new",
                      data=new_entry(item=script, item_en=script, value="xss")).status_code == 302
    page = admin.get("/basedata/dictionary?value=xss").get_data(as_text=True)
    assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_stale_edit_is_refused(app, login_as):
    admin = login_as("admin")
    source = entry(app, "opportunity_source", "online")
    first = admin.post(f"/basedata/dictionary/{source.id}/edit",
                       data=new_entry(type="opportunity_source", item="网络营销", value="online",
                                      version=source.version))
    assert first.status_code == 302
    second = admin.post(f"/basedata/dictionary/{source.id}/edit",
                        data=new_entry(type="opportunity_source", item="互联网", value="online",
                                       version=source.version))
    assert "changed by someone else" in second.get_data(as_text=True)
    assert entry(app, "opportunity_source", "online").item == "网络营销"


def test_filters_sorting_pagination_and_export(app, login_as):
    admin = login_as("admin")
    page = admin.get("/basedata/dictionary?type=region&sort=-value").get_data(as_text=True)
    assert "1–5 of 5" in page
    assert page.index("west") < page.index("north_china") < page.index("beijing")
    assert "1–1 of 1" in admin.get("/basedata/dictionary?item=beijing").get_data(as_text=True)
    assert "1–1 of 1" in admin.get("/basedata/dictionary?value=complaint").get_data(as_text=True)
    total = count(app)
    assert f"21–40 of {total}" in admin.get("/basedata/dictionary?page=2&per_page=20").get_data(as_text=True)
    response = admin.get("/basedata/dictionary?type=service_type&export=csv")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "Type,Item,English label,Value,Sort order,Editable"
    assert len(lines) == 4 and "咨询" in response.get_data(as_text=True)
