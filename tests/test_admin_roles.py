"""Roles pages: list, create, edit permissions per plugin, delete, the last-administrator rule."""
import pytest
from flask import Blueprint
from sqlalchemy import func, select

from core.api import Permission, hookimpl
from core.db import db
from core.rbac.models import Role, User
from core.testing import create_user, log_in

GOOD = {"name": "Auditor", "description": "Reads the audit log", "data_scope": "all",
        "permissions": ["core.audit.view", "core.dashboard.view"]}


class StickiesPlugin:
    """A small plugin that registers permissions, to see them grouped under its title."""

    name = "stickies"
    title = "Sticky notes"

    @hookimpl
    def register_permissions(self):
        return [Permission("stickies.note.view", "Read notes"), Permission("stickies.note.edit", "Write notes")]

    @hookimpl
    def register_blueprints(self):
        return [Blueprint("stickies", __name__)]


def role(app, **where):
    with app.app_context():
        found = db.session.scalar(select(Role).filter_by(**where))
        if found is not None:
            found.codes = found.permissions  # read while the session is open
            db.session.expunge(found)
        return found


def role_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Role))


def edit_data(app, role_id, **changes):
    found = role(app, id=role_id)
    data = {"name": found.name, "description": found.description, "data_scope": found.data_scope,
            "permissions": sorted(found.codes), "version": found.version}
    data.update(changes)
    return data


@pytest.mark.parametrize("url", ["/admin/roles", "/admin/roles/new"])
def test_pages_open_for_administrators(login_as, url):
    assert login_as("admin").get(url).status_code == 200


def test_account_manager_is_refused(app, login_as):
    client = login_as("account_manager")
    admin_role = role(app, key="admin").id
    for url in ("/admin/roles", "/admin/roles/new", f"/admin/roles/{admin_role}/edit"):
        assert client.get(url).status_code == 403, url
    before = role_count(app)
    assert client.post("/admin/roles/new", data=GOOD).status_code == 403
    assert client.post(f"/admin/roles/{admin_role}/delete", data={}).status_code == 403
    assert role_count(app) == before


def test_list_shows_default_roles_translated(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/roles").get_data(as_text=True)
    assert "Account manager" in page and "Sales director" in page
    admin.post("/language/zh_CN")
    page = admin.get("/admin/roles").get_data(as_text=True)
    assert "客户经理" in page and "系统管理员" in page
    assert "开发销售机会，维护自己的客户，处理服务" in page


def test_create_role_with_permissions(app, login_as):
    admin = login_as("admin")
    assert admin.post("/admin/roles/new", data=GOOD).status_code == 302
    created = role(app, name="Auditor")
    assert created.codes == {"core.audit.view", "core.dashboard.view"}
    assert created.data_scope == "all" and created.key is None


@pytest.mark.parametrize("changes, message", [
    ({"name": "administrator"}, "A role with this name already exists."),
    ({"name": ""}, "This field is required."),
    ({"name": "x" * 10_000}, "Field cannot be longer than 80 characters."),
    ({"description": "x" * 10_000}, "Field cannot be longer than 500 characters."),
    ({"permissions": ["core.audit.view", "core.everything.own"]}, "Unknown permission: core.everything.own"),
    ({"data_scope": "galaxy"}, "Not a valid choice"),
])
def test_bad_input_gets_a_message_and_saves_nothing(app, login_as, changes, message):
    admin = login_as("admin")
    before = role_count(app)
    response = admin.post("/admin/roles/new", data={**GOOD, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert role_count(app) == before


def test_html_in_role_names_is_shown_as_text(login_as):
    admin = login_as("admin")
    admin.post("/admin/roles/new", data={**GOOD, "name": "<b onmouseover=alert(1)>x</b>"})
    page = admin.get("/admin/roles").get_data(as_text=True)
    assert "<b onmouseover" not in page and "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;" in page


def test_permissions_are_grouped_by_enabled_plugin(make_app):
    app = make_app(plugins="stickies", extra_plugins=[StickiesPlugin()])
    create_user(app, "admin", username="boss")
    client = app.test_client()
    log_in(client, "boss")
    page = client.get("/admin/roles/new").get_data(as_text=True)
    assert "Sticky notes" in page and "Write notes" in page and "stickies.note.edit" in page
    assert page.index("Core") < page.index("Sticky notes") < page.index("stickies.note.view")


def test_codes_of_disabled_plugins_survive_an_edit(make_app):
    with_stickies = make_app(plugins="stickies", extra_plugins=[StickiesPlugin()])
    with with_stickies.app_context():
        kept = Role(name="Note taker", data_scope="own")
        kept.set_permissions(["stickies.note.view", "core.dashboard.view"])
        db.session.add(kept)
        db.session.commit()
        role_id = kept.id
    app = make_app(plugins="")
    create_user(app, "admin", username="boss")
    client = app.test_client()
    log_in(client, "boss")
    page = client.get(f"/admin/roles/{role_id}/edit").get_data(as_text=True)
    assert "stickies.note.view" not in page  # a disabled plugin leaves no permission on the page
    data = edit_data(app, role_id, permissions=["core.audit.view"])
    assert client.post(f"/admin/roles/{role_id}/edit", data=data).status_code == 302
    assert role(app, id=role_id).codes == {"stickies.note.view", "core.audit.view"}


def test_edit_role(app, login_as):
    admin = login_as("admin")
    manager = role(app, key="account_manager")
    form = admin.get(f"/admin/roles/{manager.id}/edit").get_data(as_text=True)
    assert 'name="version"' in form and 'value="core.profile.edit" checked' in form
    data = edit_data(app, manager.id, description="Field sales", data_scope="all",
                     permissions=["core.dashboard.view", "core.audit.view"])
    assert admin.post(f"/admin/roles/{manager.id}/edit", data=data).status_code == 302
    saved = role(app, id=manager.id)
    assert saved.description == "Field sales" and saved.data_scope == "all"
    assert saved.codes == {"core.dashboard.view", "core.audit.view"}
    assert saved.version == manager.version + 1


def test_stale_edit_is_refused_and_keeps_the_other_change(app, login_as):
    first, second = login_as("admin"), login_as("admin")
    manager = role(app, key="account_manager")
    old = edit_data(app, manager.id)
    assert first.post(f"/admin/roles/{manager.id}/edit",
                      data={**old, "permissions": ["core.audit.view"]}).status_code == 302
    response = second.post(f"/admin/roles/{manager.id}/edit", data={**old, "description": "Mine"})
    assert response.status_code == 200
    assert "changed by someone else" in response.get_data(as_text=True)
    saved = role(app, id=manager.id)
    assert saved.codes == {"core.audit.view"} and saved.description != "Mine"


def test_delete_custom_role_but_not_a_default_one(app, login_as):
    admin = login_as("admin")
    admin.post("/admin/roles/new", data=GOOD)
    auditor = role(app, name="Auditor")
    member = create_user(app, username="reader", permissions=[])
    with app.app_context():
        user = db.session.get(User, member)
        user.roles.append(db.session.get(Role, auditor.id))
        db.session.commit()
    assert admin.post(f"/admin/roles/{auditor.id}/delete", data={}).status_code == 302
    assert role(app, name="Auditor") is None
    with app.app_context():
        assert [r.name for r in db.session.get(User, member).roles] == ["role for reader"]
    default = role(app, key="executive")
    response = admin.post(f"/admin/roles/{default.id}/delete", data={}, follow_redirects=True)
    assert "Default roles cannot be deleted" in response.get_data(as_text=True)
    assert role(app, key="executive") is not None


def test_admin_permissions_cannot_be_removed_from_the_last_admin_role(app, login_as):
    admin = login_as("admin")
    admin_role = role(app, key="admin")
    codes = sorted(admin_role.codes - {"core.role.manage"})
    response = admin.post(f"/admin/roles/{admin_role.id}/edit", data=edit_data(app, admin_role.id, permissions=codes))
    assert response.status_code == 200
    assert "no active user could manage users and roles" in response.get_data(as_text=True)
    assert "core.role.manage" in role(app, id=admin_role.id).codes


def test_the_only_role_making_an_administrator_cannot_be_deleted(app, login_as):
    keeper = login_as(permissions=["core.user.manage", "core.role.manage"])
    with app.app_context():
        only = db.session.get(User, keeper.user_id).roles[0].id
        admin_role = db.session.scalar(select(Role).where(Role.key == "admin"))
        admin_role.set_permissions(admin_role.permissions - {"core.user.manage"})
        db.session.commit()
    response = keeper.post(f"/admin/roles/{only}/delete", data={}, follow_redirects=True)
    assert "no active user could manage users and roles" in response.get_data(as_text=True)
    assert role(app, id=only) is not None


def test_missing_role_is_404(login_as):
    admin = login_as("admin")
    assert admin.get("/admin/roles/999999/edit").status_code == 404
    assert admin.post("/admin/roles/999999/delete", data={}).status_code == 404
