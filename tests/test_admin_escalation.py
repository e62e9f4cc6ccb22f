"""Nobody grants a permission they do not hold, or changes their own roles (no way up to administrator)."""
from sqlalchemy import select

from core.db import db
from core.rbac.models import Role, User
from core.testing import TEST_PASSWORD, create_user, log_in
from test_admin_roles import edit_data as role_edit_data, role
from test_admin_users import edit_data as user_edit_data, get_user, role_id

NEW_USER = {"username": "newbie", "display_name": "Newbie", "password": "long-enough-1", "active": "y"}


def roles_of(app, user_id) -> set:
    with app.app_context():
        return {r.key or r.name for r in db.session.get(User, user_id).roles}


def own_role_id(app, user_id) -> int:
    with app.app_context():
        return db.session.get(User, user_id).roles[0].id


def test_a_user_manager_cannot_make_themselves_administrator(app, login_as):
    manager = login_as(permissions=["core.user.manage"])
    admin_role = role_id(app, "admin")
    data = user_edit_data(app, manager.user_id, roles=[own_role_id(app, manager.user_id), admin_role])
    response = manager.post(f"/admin/users/{manager.user_id}/edit", data=data)
    assert "You cannot change your own roles" in response.get_data(as_text=True)
    assert "admin" not in roles_of(app, manager.user_id)


def test_a_user_manager_gives_only_roles_within_their_own_permissions(app, login_as):
    manager = login_as(permissions=["core.user.manage", "core.dashboard.view", "core.profile.edit"])
    accomplice = create_user(app, permissions=["core.dashboard.view"], username="accomplice")
    response = manager.post(f"/admin/users/{accomplice}/edit",
                            data=user_edit_data(app, accomplice, roles=[role_id(app, "admin")]))
    assert response.status_code == 200
    assert "You cannot give the role Administrator" in response.get_data(as_text=True)
    assert roles_of(app, accomplice) == {"role for accomplice"}
    response = manager.post("/admin/users/new", data={**NEW_USER, "roles": [role_id(app, "admin")]})
    assert "You cannot give the role Administrator" in response.get_data(as_text=True)
    assert get_user(app, username="newbie") is None
    # A role granting nothing beyond the manager's own permissions may be given.
    with app.app_context():
        modest = Role(name="Modest", data_scope="all")
        modest.set_permissions(["core.dashboard.view"])
        db.session.add(modest)
        db.session.commit()
        modest_id = modest.id
    assert manager.post("/admin/users/new", data={**NEW_USER, "roles": [modest_id]}).status_code == 302
    assert roles_of(app, get_user(app, username="newbie").id) == {"Modest"}


def test_a_user_manager_cannot_take_over_an_administrator(app, login_as):
    admin = create_user(app, "admin", username="boss")
    manager = login_as(permissions=["core.user.manage"])
    new = "taken-over-123"
    for response in (manager.post(f"/admin/users/{admin}/password", data={"password": new, "confirm": new}),
                     manager.post(f"/admin/users/{admin}/edit", data=user_edit_data(app, admin, email="me@evil.example")),
                     manager.post(f"/admin/users/{admin}/deactivate", data={})):
        assert response.status_code == 302
    assert "holds permissions you do not hold" in manager.get("/admin/users").get_data(as_text=True)
    stored = get_user(app, id=admin)
    assert stored.active and stored.email is None
    assert log_in(app.test_client(), "boss", TEST_PASSWORD).status_code == 302
    assert log_in(app.test_client(), "boss", new).status_code == 200
    # The list offers no edit or deactivate button for a user one cannot manage.
    listed = manager.get("/admin/users?q=boss").get_data(as_text=True)
    assert "boss" in listed and f"/admin/users/{admin}/" not in listed


def test_a_role_manager_cannot_tick_permissions_they_lack(app, login_as):
    manager = login_as(permissions=["core.role.manage"])
    own = own_role_id(app, manager.user_id)
    data = role_edit_data(app, own, permissions=["core.role.manage", "core.user.manage", "core.audit.view"])
    response = manager.post(f"/admin/roles/{own}/edit", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You cannot grant permissions you do not hold yourself: core.audit.view, core.user.manage" in page
    assert role(app, id=own).codes == {"core.role.manage"}
    response = manager.post("/admin/roles/new", data={"name": "Shadow admin", "data_scope": "all",
                                                      "permissions": ["core.user.manage"]})
    assert "You cannot grant permissions you do not hold yourself" in response.get_data(as_text=True)
    assert role(app, name="Shadow admin") is None
    page = manager.get("/admin/roles/new").get_data(as_text=True)
    assert 'value="core.user.manage" \n                     disabled' in page or \
        ('value="core.user.manage"' in page and "greyed out" in page)


def test_a_role_manager_keeps_what_they_cannot_touch(app, login_as):
    create_user(app, "admin", username="boss")  # someone can still manage users and roles
    manager = login_as(permissions=["core.role.manage", "core.dashboard.view"])
    executive = role_id(app, "executive")
    before = role(app, id=executive).codes
    # The browser does not send greyed-out boxes: the role keeps those codes.
    data = role_edit_data(app, executive, permissions=[])
    response = manager.post(f"/admin/roles/{executive}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert role(app, id=executive).codes == before - {"core.dashboard.view"}


def test_only_a_user_who_sees_all_can_widen_a_role_to_all_records(app, login_as):
    create_user(app, "admin", username="boss")
    manager = login_as(permissions=["core.role.manage", "core.dashboard.view"], scope="own")
    account_manager = role_id(app, "account_manager")
    data = role_edit_data(app, account_manager, data_scope="all")
    response = manager.post(f"/admin/roles/{account_manager}/edit", data=data)
    assert "Only a user who sees all records" in response.get_data(as_text=True)
    assert role(app, id=account_manager).data_scope == "own"
