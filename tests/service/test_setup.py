"""The plugin disabled, and the service type dictionary protected while requests use it."""
from sqlalchemy import select, text

from core.api import db
from core.testing import create_user, log_in
from plugins.basedata.models import DictionaryEntry


def test_without_service_the_rest_works_and_its_tables_stay(make_app, app, add_customer, add_request):
    request_id = add_request(add_customer())
    without = make_app(plugins="basedata,customers,marketing")
    create_user(without, "sales_director", username="boss")
    client = without.test_client()
    log_in(client, "boss")
    assert client.get("/customers/").status_code == 200
    assert client.get("/marketing/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/service/").status_code == 404
    assert client.get(f"/service/{request_id}").status_code == 404
    assert "Service archive" not in client.get("/").get_data(as_text=True)
    assert "service.request.view" not in without.extensions["crm"].permissions
    assert "service-sla-scan" not in without.extensions["crm"].jobs
    with without.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM service_request")) == 1
        assert db.session.scalar(text("SELECT count(*) FROM service_sla_target")) == 4


def test_a_service_type_in_use_cannot_be_deleted(app, login_as, add_customer, add_request):
    admin = login_as("admin")
    add_request(add_customer(), type="suggestion")
    with app.app_context():
        entry_id = db.session.scalar(select(DictionaryEntry.id).where(DictionaryEntry.type == "service_type",
                                                                      DictionaryEntry.value == "suggestion"))
    response = admin.post(f"/basedata/dictionary/{entry_id}/delete", follow_redirects=True)
    assert "Service requests" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(DictionaryEntry, entry_id) is not None
