"""The examples of the "Testing" section of docs/plugins.md, run as the guide shows them."""
import os

import pytest
from sqlalchemy import text

from core.api import db
from core.plugins import parse_enabled
from core.testing import create_user, log_in

SESSION_PLUGINS = parse_enabled(os.environ.get("CRM_PLUGINS"))
pytestmark = pytest.mark.skipif(SESSION_PLUGINS is not None and "notes" not in SESSION_PLUGINS,
                                reason="CRM_PLUGINS leaves out 'notes'")


def test_admin_creates_a_note(app, login_as):
    client = login_as("admin")
    assert client.post("/notes/new", data={"title": "Call Acme"}).status_code == 302
    assert "Call Acme" in client.get("/notes/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM notes_note")) == 1


def test_users_without_the_permission_are_refused(app, login_as):
    assert login_as(permissions=[]).get("/notes/").status_code == 403


def test_a_reader_of_an_app_with_chosen_plugins(make_app):
    app = make_app(plugins="basedata,customers,notes")      # notes and what it requires
    user_id = create_user(app, permissions=["notes.note.view"], scope="own", username="reader")
    client = app.test_client()
    assert log_in(client, "reader").status_code == 302      # the login page redirects on success
    assert client.get("/notes/").status_code == 200
    assert client.post("/notes/new", data={"title": "No"}).status_code == 403
    assert isinstance(user_id, int)
