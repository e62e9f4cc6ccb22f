"""Stages (administrators), the lost-reason dictionary type, and the plugin disabled."""
from sqlalchemy import func, select, text

from core.api import db
from core.testing import create_user, log_in
from plugins.basedata.models import DictionaryEntry
from plugins.marketing.models import Stage


def test_an_administrator_edits_stages_and_moves_follow_the_new_probability(app, login_as, add_opportunity, stage_ids):
    admin = login_as("admin")
    page = admin.get("/marketing/stages").get_data(as_text=True)
    assert "初步接洽" in page and "Negotiation" in page
    with app.app_context():
        version = db.session.get(Stage, stage_ids[2]).version
    assert admin.post(f"/marketing/stages/{stage_ids[2]}/edit", data={
        "name": "Quotation", "name_zh": "报价", "sort_order": "30", "probability": "55", "version": version}).status_code == 302
    response = admin.post(f"/marketing/stages/{stage_ids[2]}/edit", data={
        "name": "Stale", "name_zh": "旧", "sort_order": "30", "probability": "101", "version": version})
    assert "Enter a probability from 0 to 100." in response.get_data(as_text=True)
    response = admin.post(f"/marketing/stages/{stage_ids[2]}/edit", data={
        "name": "Stale", "name_zh": "旧", "sort_order": "30", "probability": "60", "version": version})
    assert "changed by someone else" in response.get_data(as_text=True)
    assert admin.post("/marketing/stages/new", data={"name": "Contract", "name_zh": "签约", "sort_order": "50",
                                                     "probability": "90"}).status_code == 302
    manager = login_as("account_manager")
    opportunity_id = add_opportunity("developing", stage_ids[0], manager.user_id)
    manager.post(f"/marketing/{opportunity_id}/move", data={"to": f"stage-{stage_ids[2]}", "version": 1})
    with app.app_context():
        assert db.session.scalar(text("SELECT probability FROM marketing_opportunity")) == 55
        new_stage = db.session.scalar(select(Stage.id).where(Stage.name == "Contract"))
    # A stage that holds (or held) opportunities stays; an unused one can go.
    admin.post(f"/marketing/stages/{stage_ids[2]}/delete")
    admin.post(f"/marketing/stages/{stage_ids[0]}/delete")
    admin.post(f"/marketing/stages/{new_stage}/delete")
    with app.app_context():
        assert set(db.session.scalars(select(Stage.id))) == set(stage_ids)
    assert "Quotation" in manager.get("/marketing/pipeline").get_data(as_text=True)


def test_lost_reasons_are_an_editable_dictionary_type_protected_while_used(app, login_as, add_opportunity, stage_ids):
    admin = login_as("admin")
    page = admin.get("/basedata/dictionary?type=lost_reason").get_data(as_text=True)
    assert "Opportunity lost reason" in page and "选择了竞争对手" in page
    with app.app_context():
        entry = db.session.scalar(select(DictionaryEntry).where(DictionaryEntry.type == "lost_reason",
                                                                DictionaryEntry.value == "price"))
        entry_id, version, editable = entry.id, entry.version, entry.editable
    assert editable
    add_opportunity("lost", stage_ids[0], lost_reason="price")
    assert admin.post(f"/basedata/dictionary/{entry_id}/edit", data={
        "type": "lost_reason", "item": "价格太高", "item_en": "Too expensive", "value": "price", "sort_order": "10",
        "editable": "y", "version": version}).status_code == 302
    response = admin.post(f"/basedata/dictionary/{entry_id}/delete", follow_redirects=True)
    assert "Sales opportunities" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DictionaryEntry, entry_id).item == "价格太高"


def test_without_marketing_the_rest_works_and_its_tables_stay(make_app, app, add_opportunity):
    opportunity_id = add_opportunity()
    without = make_app(plugins="basedata,customers")
    create_user(without, "sales_director", username="boss")
    client = without.test_client()
    log_in(client, "boss")
    assert client.get("/customers/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/marketing/").status_code == 404
    assert client.get(f"/marketing/{opportunity_id}").status_code == 404
    assert "Sales pipeline" not in client.get("/").get_data(as_text=True)
    assert "marketing.opportunity.view" not in without.extensions["crm"].permissions
    with without.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM marketing_opportunity")) == 1
        assert db.session.scalar(text("SELECT count(*) FROM marketing_stage")) == 4
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stage)) == 4
