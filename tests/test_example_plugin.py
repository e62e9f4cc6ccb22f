"""The example third-party plugin (examples/crm_notes, installed with pip) end to end.

Enabled, its page, menu item, permissions, dashboard widget and table work over
HTTP; left out of CRM_PLUGINS, they vanish while its table and rows stay.
"""
import importlib.metadata
import os
import re

import pytest
from sqlalchemy import inspect, select, text

from core.api import db
from core.plugins import installed_plugins, parse_enabled
from core.rbac.models import Role
from core.testing import create_user, log_in

SESSION_PLUGINS = parse_enabled(os.environ.get("CRM_PLUGINS"))

pytestmark = pytest.mark.skipif(
    SESSION_PLUGINS is not None and "notes" not in SESSION_PLUGINS,
    reason="CRM_PLUGINS leaves out 'notes', so the test database has no notes table",
)


def menu_links(html: str) -> list[str]:
    return re.findall(r'class="nav-link[^"]*"\s+href="([^"]+)"', html)


def admin_client(app):
    username = f"admin-{len(app.extensions['crm'].enabled_names)}-{id(app)}"
    create_user(app, "admin", username=username)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


NOTES = "basedata,customers,notes"  # notes requires customers, which requires basedata


def plugins_without_notes() -> str:
    enabled = SESSION_PLUGINS if SESSION_PLUGINS is not None else list(installed_plugins())
    return ",".join(name for name in enabled if name != "notes")


def test_installed_as_a_pip_package_with_an_entry_point():
    dist = importlib.metadata.distribution("crm-notes")
    entry_points = [ep for ep in dist.entry_points if ep.group == "crm.plugins"]
    assert [(ep.name, ep.value) for ep in entry_points] == [("notes", "crm_notes")]
    assert installed_plugins()["notes"].distribution == "crm-notes"


@pytest.mark.parametrize("plugins", [None, NOTES], ids=["CRM_PLUGINS as the session", "CRM_PLUGINS=notes"])
def test_enabled_plugin_shows_page_menu_permission_widget_and_table(make_app, plugins):
    app = make_app() if plugins is None else make_app(plugins=plugins)
    host = app.extensions["crm"]
    assert "notes" in host.enabled_names
    assert host.permissions["notes.note.view"].plugin == "notes"
    assert "notes.note.edit" in host.permissions
    with app.app_context():
        admin_role = db.session.scalar(select(Role).where(Role.key == "admin"))
        assert {"notes.note.view", "notes.note.edit"} <= admin_role.permissions
        assert "notes_note" in inspect(db.engine).get_table_names()

    client = admin_client(app)
    dashboard = client.get("/").get_data(as_text=True)
    assert "/notes/" in menu_links(dashboard)
    assert 'id="notes-widget"' in dashboard

    assert client.get("/notes/").status_code == 200
    response = client.post("/notes/new", data={"title": "Call Acme", "body": "About the renewal."})
    assert response.status_code == 302
    listing = client.get("/notes/").get_data(as_text=True)
    assert "Call Acme" in listing
    assert "Call Acme" in client.get("/").get_data(as_text=True)  # the widget lists the latest notes
    with app.app_context():
        assert db.session.execute(text("SELECT title FROM notes_note")).scalars().all() == ["Call Acme"]
        audit = db.session.execute(text(
            "SELECT action, changes FROM core_audit_log WHERE table_name = 'notes_note'")).all()
        assert [action for action, _changes in audit] == ["create"] and "Call Acme" in audit[0][1]


def test_widget_and_menu_only_for_users_who_may_view_notes(app, login_as):
    reader = login_as(permissions=["core.dashboard.view", "notes.note.view"])
    page = reader.get("/").get_data(as_text=True)
    assert 'id="notes-widget"' in page and "/notes/" in menu_links(page)

    outsider = login_as(permissions=["core.dashboard.view"])
    page = outsider.get("/").get_data(as_text=True)
    assert 'id="notes-widget"' not in page and "/notes/" not in menu_links(page)
    assert outsider.get("/notes/").status_code == 403
    assert outsider.post("/notes/new", data={"title": "x"}).status_code == 403


def test_reader_cannot_create(app, login_as):
    reader = login_as(permissions=["notes.note.view"])
    assert "/notes/new" not in reader.get("/notes/").get_data(as_text=True)
    assert reader.post("/notes/new", data={"title": "Sneaky"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM notes_note")) == 0


@pytest.mark.parametrize("title, message", [
    ("", "This field is required."),
    ("x" * 10_000, "Field cannot be longer than 200 characters."),
])
def test_bad_input_is_refused_beside_the_field(app, login_as, title, message):
    client = login_as("admin")
    response = client.post("/notes/new", data={"title": title, "body": "b"})
    assert response.status_code == 200
    assert 'id="title-error"' in response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM notes_note")) == 0


def test_hostile_input_is_stored_as_text_and_escaped(app, login_as):
    client = login_as("admin")
    client.post("/notes/new", data={"title": "<script>alert(1)</script>", "body": "<b>x</b>"})
    page = client.get("/notes/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_stale_edit_is_refused_and_keeps_the_stored_text(app, login_as):
    first, second = login_as("admin"), login_as("admin")
    first.post("/notes/new", data={"title": "Original"})
    with app.app_context():
        note_id = db.session.scalar(text("SELECT id FROM notes_note"))
    assert first.post(f"/notes/{note_id}/edit", data={"title": "First edit", "version": "1"}).status_code == 302
    response = second.post(f"/notes/{note_id}/edit", data={"title": "Second edit", "version": "1"})
    assert "changed by someone else" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(text("SELECT title, version FROM notes_note")).one() == ("First edit", 2)


def test_own_scope_sees_only_own_notes(app, login_as):
    mine = login_as(permissions=["notes.note.view", "notes.note.edit"], scope="own")
    other = login_as(permissions=["notes.note.view", "notes.note.edit"], scope="own")
    mine.post("/notes/new", data={"title": "Mine only"})
    other.post("/notes/new", data={"title": "Theirs only"})
    page = mine.get("/notes/").get_data(as_text=True)
    assert "Mine only" in page and "Theirs only" not in page
    assert "Theirs only" not in mine.get("/notes/?export=csv").get_data(as_text=True)
    with app.app_context():
        theirs = db.session.scalar(text("SELECT id FROM notes_note WHERE title = 'Theirs only'"))
    assert mine.get(f"/notes/{theirs}/edit").status_code == 404


def test_list_filters_sorts_and_exports(app, login_as):
    client = login_as("admin")
    for title in ("Bravo", "Alpha", "Charlie"):
        client.post("/notes/new", data={"title": title})
    page = client.get("/notes/?sort=title").get_data(as_text=True)
    assert page.index("Alpha") < page.index("Bravo") < page.index("Charlie")
    filtered = client.get("/notes/?q=rav").get_data(as_text=True)
    assert "Bravo" in filtered and "Alpha" not in filtered
    export = client.get("/notes/?export=csv&sort=-title")
    assert export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["Charlie", "Bravo", "Alpha"]


def test_page_is_translated_to_chinese(app, login_as):
    client = login_as("admin", language="zh_CN")
    assert "新建便签" in client.get("/notes/").get_data(as_text=True)


def test_disabled_plugin_vanishes_but_keeps_its_table_and_rows(make_app):
    enabled = make_app(plugins=NOTES)
    admin_client(enabled).post("/notes/new", data={"title": "Kept while disabled"})

    app = make_app(plugins=plugins_without_notes())
    host = app.extensions["crm"]
    assert "notes" not in host.enabled_names and "notes" in host.installed
    assert not [code for code in host.permissions if code.startswith("notes.")]
    assert not [item for item in host.menu_items if item.endpoint.startswith("notes.")]
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/notes")]

    client = admin_client(app)
    assert client.get("/notes/").status_code == 404
    dashboard = client.get("/").get_data(as_text=True)
    assert "/notes/" not in menu_links(dashboard) and 'id="notes-widget"' not in dashboard

    from core import migrate

    with app.app_context():
        migrate.upgrade()  # upgrading without the plugin must not touch its table
        assert "notes_note" in inspect(db.engine).get_table_names()
        assert db.session.scalar(text("SELECT title FROM notes_note")) == "Kept while disabled"
        # The administrator role still stores the grant; it simply grants nothing while disabled.
        admin_role = db.session.scalar(select(Role).where(Role.key == "admin"))
        assert "notes.note.view" in admin_role.permissions


def test_demo_data_adds_notes_by_the_demo_administrator_once(make_app):
    app = make_app(plugins=NOTES)
    for _run in range(2):  # `crm init --demo` may run again: the hook adds only what is missing
        result = app.test_cli_runner().invoke(args=["init", "--demo"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT u.username FROM notes_note n JOIN core_user u ON u.id = n.created_by_id")).scalars().all()
    assert rows == ["admin", "admin"]


def test_a_note_points_at_a_visible_customer_picked_by_name_or_number(app, login_as):
    from plugins.customers.models import Customer

    writer = login_as(permissions=["notes.note.view", "notes.note.edit", "customers.customer.view"], scope="own")
    other = login_as("account_manager")
    with app.app_context():
        mine = Customer(number="KH2026010100001", name="北京华信科技有限公司", region="beijing",
                        manager_id=writer.user_id)
        theirs = Customer(number="KH2026010100002", name="上海博远贸易有限公司", region="beijing",
                          manager_id=other.user_id)
        db.session.add_all([mine, theirs])
        db.session.commit()
        mine_id = mine.id
    refused = writer.post("/notes/new", data={"title": "Visit", "customer_id": "KH2026010100002"})  # not theirs
    assert "No customer you can see has this name or number." in refused.get_data(as_text=True)
    assert writer.post("/notes/new", data={"title": "Visit", "customer_id": "北京华信科技有限公司"}).status_code == 302
    assert writer.post("/notes/new", data={"title": "No customer"}).status_code == 302
    page = writer.get("/notes/?sort=title").get_data(as_text=True)
    assert "北京华信科技有限公司 (KH2026010100001)" in page and "No customer" in page
    export = writer.get("/notes/?export=csv&sort=title").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert [line.split(",")[1:4] for line in export[1:]] == [
        ["No customer", "", ""], ["Visit", "", "北京华信科技有限公司 (KH2026010100001)"]]
    with app.app_context():
        assert db.session.scalar(text("SELECT customer_id FROM notes_note WHERE title = 'Visit'")) == mine_id


def test_report_counts_the_users_own_notes_per_month(app, login_as):
    from flask_login import login_user

    from core.api import User, utcnow

    mine = login_as(permissions=["notes.note.view", "notes.note.edit"], scope="own")
    other = login_as(permissions=["notes.note.view", "notes.note.edit"], scope="own")
    for client, title in ((mine, "one"), (mine, "two"), (other, "three")):
        client.post("/notes/new", data={"title": title})
    report = app.extensions["crm"].reports["notes.per_month"]
    with app.test_request_context():
        login_user(db.session.get(User, mine.user_id))
        rows = db.session.execute(report.query(None)).all()
    assert [(row.month, row.notes) for row in rows] == [(utcnow().strftime("%Y-%m"), 2)]


def test_notes_count_command(app, login_as):
    login_as("admin").post("/notes/new", data={"title": "Counted"})
    result = app.test_cli_runner().invoke(args=["notes-count"])
    assert result.exit_code == 0 and result.output == "1\n"
