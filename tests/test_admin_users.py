"""Users pages: list, create, edit, deactivate, reset password, the last-administrator rule."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.db import db
from core.rbac.models import Role, User
from core.testing import TEST_PASSWORD, create_user, log_in

GOOD = {"username": "wang.fang", "display_name": "Wang Fang", "email": "wf@example.com",
        "password": "long-enough-1", "active": "y"}


def role_id(app, key):
    with app.app_context():
        return db.session.scalar(select(Role.id).where(Role.key == key))


def get_user(app, **where):
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(**where).options(selectinload(User.roles)))
        if user is not None:
            db.session.expunge(user)  # keep the loaded fields readable after the context ends
        return user


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def edit_data(app, user_id, **changes):
    user = get_user(app, id=user_id)
    data = {"username": user.username, "display_name": user.display_name, "email": user.email or "",
            "roles": [r.id for r in user.roles], "version": user.version}
    if user.active:
        data["active"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new", "/admin/users?export=csv"])
def test_pages_open_for_administrators(login_as, url):
    assert login_as("admin").get(url).status_code == 200


def test_account_manager_is_refused_everywhere(app, login_as):
    target = create_user(app, "executive")
    client = login_as("account_manager")
    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{target}/edit", f"/admin/users/{target}/password"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/users/{target}/deactivate", data={}).status_code == 403
    assert client.post("/admin/users/new", data={**GOOD}).status_code == 403
    assert get_user(app, id=target).active
    assert get_user(app, username="wang.fang") is None


def test_list_filters_sorts_and_pages(app, login_as):
    admin = login_as("admin", username="zz-admin")
    create_user(app, "account_manager", username="li.lei", display_name="Li Lei")
    create_user(app, "executive", username="han.mei", display_name="Han Meimei", active=False)
    for n in range(25):
        create_user(app, "executive", username=f"bulk{n:02d}")
    page = admin.get("/admin/users?q=LEI").get_data(as_text=True)
    assert "li.lei" in page and "han.mei" not in page
    page = admin.get("/admin/users?q=meimei").get_data(as_text=True)
    assert "han.mei" in page and "li.lei" not in page
    page = admin.get(f"/admin/users?role={role_id(app, 'account_manager')}").get_data(as_text=True)
    assert "li.lei" in page and "han.mei" not in page
    page = admin.get("/admin/users?active=0").get_data(as_text=True)
    assert "han.mei" in page and "li.lei" not in page
    first = admin.get("/admin/users?sort=-username").get_data(as_text=True)
    assert first.index("zz-admin") < first.index("li.lei")
    assert "bulk00" not in first  # 28 users, 20 a page
    last = admin.get("/admin/users?sort=-username&page=2").get_data(as_text=True)
    assert "bulk00" in last and "21–28 of 28" in last
    assert "li.lei" in admin.get("/admin/users?q=li.lei&role=nonsense&active=maybe").get_data(as_text=True)


def test_csv_export_follows_the_filters(app, login_as):
    admin = login_as("admin")
    create_user(app, "account_manager", username="li.lei", display_name="Li Lei")
    response = admin.get("/admin/users?export=csv&q=li.lei")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert "li.lei,Li Lei" in text and "Account manager" in text
    assert len(text.strip().splitlines()) == 2


def test_create_user_with_roles(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data={**GOOD, "roles": [role_id(app, "account_manager")]})
    assert response.status_code == 302
    user = get_user(app, username="wang.fang")
    assert user.display_name == "Wang Fang" and user.active
    assert [r.key for r in user.roles] == ["account_manager"]
    assert user.created_by_id == admin.user_id
    fresh = log_in(admin.application.test_client(), "wang.fang", "long-enough-1")
    assert fresh.status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"username": "WANG.FANG"}, "This login name is already taken."),
    ({"username": ""}, "This field is required."),
    ({"display_name": "   "}, "This field is required."),
    ({"password": "short7!"}, "Field must be between 8 and 200 characters long."),
    ({"username": "x" * 10_000}, "Field cannot be longer than 64 characters."),
    ({"display_name": "x" * 10_000}, "Field cannot be longer than 120 characters."),
    ({"email": "not-an-email"}, "Enter a valid email address."),
    ({"username": "two words"}, "A login name cannot contain spaces."),
    ({"username": "WANG.FANG", "password": ""}, "This login name is already taken."),
    ({"roles": ["999999"]}, "Unknown role: 999999"),
])
def test_bad_input_gets_a_message_and_saves_nothing(app, login_as, changes, message):
    admin = login_as("admin")
    create_user(app, "executive", username="wang.fang")
    before = user_count(app)
    response = admin.post("/admin/users/new", data={**GOOD, "username": "new.one", **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert user_count(app) == before


def test_html_in_names_is_shown_as_text(app, login_as):
    admin = login_as("admin")
    hostile = "<script>alert(1)</script>"
    admin.post("/admin/users/new", data={**GOOD, "display_name": hostile})
    page = admin.get("/admin/users").get_data(as_text=True)
    assert hostile not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_edit_user_and_assign_roles(app, login_as):
    admin = login_as("admin")
    target = create_user(app, "account_manager", username="li.lei")
    form = admin.get(f"/admin/users/{target}/edit").get_data(as_text=True)
    assert 'name="version"' in form and "li.lei" in form
    data = edit_data(app, target, display_name="Li Lei Jr", email="li@example.com",
                     roles=[role_id(app, "executive"), role_id(app, "sales_director")])
    assert admin.post(f"/admin/users/{target}/edit", data=data).status_code == 302
    user = get_user(app, id=target)
    assert user.display_name == "Li Lei Jr" and user.email == "li@example.com"
    assert sorted(r.key for r in user.roles) == ["executive", "sales_director"]


def test_roles_change_alone_bumps_the_version(app, login_as):
    admin = login_as("admin")
    target = create_user(app, "account_manager")
    before = get_user(app, id=target).version
    admin.post(f"/admin/users/{target}/edit", data=edit_data(app, target, roles=[role_id(app, "executive")]))
    assert get_user(app, id=target).version == before + 1


def test_stale_edit_is_refused_and_keeps_the_other_change(app, login_as):
    first, second = login_as("admin"), login_as("admin")
    target = create_user(app, "account_manager", username="li.lei")
    old = edit_data(app, target)
    assert first.post(f"/admin/users/{target}/edit", data={**old, "display_name": "First"}).status_code == 302
    response = second.post(f"/admin/users/{target}/edit", data={**old, "display_name": "Second"})
    assert response.status_code == 200
    assert "changed by someone else" in response.get_data(as_text=True)
    assert get_user(app, id=target).display_name == "First"


def test_edit_to_a_taken_login_name_is_refused(app, login_as):
    admin = login_as("admin")
    create_user(app, "executive", username="taken")
    target = create_user(app, "executive", username="mine")
    response = admin.post(f"/admin/users/{target}/edit", data=edit_data(app, target, username="Taken"))
    assert "This login name is already taken." in response.get_data(as_text=True)
    assert get_user(app, id=target).username == "mine"


def test_missing_user_is_404(login_as):
    admin = login_as("admin")
    assert admin.get("/admin/users/999999/edit").status_code == 404
    assert admin.post("/admin/users/999999/deactivate", data={}).status_code == 404


def test_deactivate_ends_sessions_and_activate_restores(app, login_as):
    admin = login_as("admin")
    victim = login_as("account_manager")
    assert victim.get("/").status_code == 200
    assert admin.post(f"/admin/users/{victim.user_id}/deactivate", data={}).status_code == 302
    assert not get_user(app, id=victim.user_id).active
    assert victim.get("/").status_code == 302  # sent to login
    admin.post(f"/admin/users/{victim.user_id}/activate", data={})
    assert get_user(app, id=victim.user_id).active


def test_you_cannot_deactivate_yourself(app, login_as):
    admin = login_as("admin")
    login_as("admin")  # another administrator exists: the refusal is about yourself
    response = admin.post(f"/admin/users/{admin.user_id}/deactivate", data={}, follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert get_user(app, id=admin.user_id).active


def test_reset_password_logs_the_user_out_everywhere(app, login_as):
    admin = login_as("admin")
    victim = login_as("account_manager", username="li.lei")
    response = admin.post(f"/admin/users/{victim.user_id}/password",
                          data={"password": "short", "confirm": "short"})
    assert "Field must be between 8 and 200 characters long." in response.get_data(as_text=True)
    response = admin.post(f"/admin/users/{victim.user_id}/password",
                          data={"password": "brand-new-pass", "confirm": "other-pass-123"})
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert victim.get("/").status_code == 200
    response = admin.post(f"/admin/users/{victim.user_id}/password",
                          data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    client = app.test_client()
    assert log_in(client, "li.lei", TEST_PASSWORD).status_code == 200
    assert log_in(client, "li.lei", "brand-new-pass").status_code == 302


def test_reset_own_password_keeps_this_session(app, login_as):
    admin = login_as("admin")
    admin.post(f"/admin/users/{admin.user_id}/password", data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert admin.get("/admin/users").status_code == 200


def test_another_administrator_can_be_deactivated(app, login_as):
    other_admin = create_user(app, "admin", username="boss")
    admin = login_as("admin")
    assert admin.post(f"/admin/users/{other_admin}/deactivate", data={}).status_code == 302
    assert not get_user(app, id=other_admin).active


def test_nobody_changes_their_own_roles(app, login_as):
    admin = login_as("admin")
    data = edit_data(app, admin.user_id, roles=[role_id(app, "executive")])
    response = admin.post(f"/admin/users/{admin.user_id}/edit", data=data)
    assert response.status_code == 200
    assert "You cannot change your own roles" in response.get_data(as_text=True)
    assert [r.key for r in get_user(app, id=admin.user_id).roles] == ["admin"]
    page = admin.get(f"/admin/users/{admin.user_id}/edit").get_data(as_text=True)
    assert f'id="role-{role_id(app, "admin")}" value="{role_id(app, "admin")}" checked disabled' in page
    assert admin.post(f"/admin/users/{admin.user_id}/edit", data=edit_data(app, admin.user_id)).status_code == 302


def test_search_treats_wildcards_as_text(app, login_as):
    admin = login_as("admin")
    create_user(app, "executive", username="plain")
    create_user(app, "executive", username="with%percent")
    page = admin.get("/admin/users?q=%25").get_data(as_text=True)
    assert "with%percent" in page and "plain" not in page
