from sqlalchemy import select

from core.db import db
from core.rbac.models import User
from core.testing import TEST_PASSWORD, log_in


def _password_form(current=TEST_PASSWORD, new="brand-new-pass", confirm=None):
    return {"current": current, "password": new, "confirm": confirm or new}


def test_change_own_password(app, login_as):
    client = login_as("account_manager", username="mia")
    response = client.post("/account/password", data=_password_form())
    assert response.status_code == 302
    client.post("/logout")
    assert log_in(client, "mia", TEST_PASSWORD).status_code == 200  # old password refused
    assert log_in(client, "mia", "brand-new-pass").status_code == 302


def test_password_change_refuses_bad_input(app, login_as):
    client = login_as("account_manager", username="mia")
    page = client.post("/account/password", data=_password_form(current="wrong-one")).get_data(as_text=True)
    assert "The current password is wrong." in page
    page = client.post("/account/password", data=_password_form(new="short")).get_data(as_text=True)
    assert "Use at least 8 characters." in page
    page = client.post("/account/password", data=_password_form(confirm="different-pass")).get_data(as_text=True)
    assert "The two passwords differ." in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "mia")).check_password(TEST_PASSWORD)


def test_password_change_ends_other_sessions(app, login_as):
    first = login_as("account_manager", username="mia")
    second = app.test_client()
    log_in(second, "mia")
    assert second.get("/").status_code == 200
    first.post("/account/password", data=_password_form())
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_language_follows_browser_then_user_choice(app, login_as):
    client = login_as("account_manager")
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    client.post("/language/en")
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page


def test_error_pages_are_friendly(login_as):
    client = login_as("account_manager")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    response = client.get("/admin/plugins")
    assert response.status_code == 403
    assert "Access denied" in response.get_data(as_text=True)


def test_session_cookie_is_http_only(app, client):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_language_chosen_before_login_is_kept(app, client):
    from core.testing import create_user

    create_user(app, "account_manager", username="lin")
    client.post("/language/zh_CN?next=/login")
    log_in(client, "lin")
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)


def test_guesses_of_the_current_password_are_rate_limited(app, login_as):
    client = login_as("account_manager", username="mia")
    for _ in range(app.config["CRM_LOGIN_MAX_FAILURES"]):
        client.post("/account/password", data=_password_form(current="guess-guess"))
    page = client.post("/account/password", data=_password_form()).get_data(as_text=True)
    assert "Too many failed attempts." in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "mia")).check_password(TEST_PASSWORD)
