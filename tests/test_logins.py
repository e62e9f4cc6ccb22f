"""Each login is a row on the server: logout and expiry end it, cookies replayed afterwards log nobody in."""
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import func, select, update

from core.auth.logins import Login
from core.db import db
from core.models import utcnow
from core.testing import TEST_PASSWORD, create_user

REMEMBER = "remember_token"


def remembered_login(app, username="mia"):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return client, response


def cookies(client) -> dict:
    return {name: client.get_cookie(name).value for name in ("session", REMEMBER) if client.get_cookie(name)}


def replay(app, saved: dict):
    """A new browser carrying copies of another one's cookies."""
    thief = app.test_client()
    for name, value in saved.items():
        thief.set_cookie(name, value)
    return thief


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_logout_deletes_the_remember_cookie(app):
    create_user(app, "account_manager", username="mia")
    client, _response = remembered_login(app)
    assert client.get_cookie(REMEMBER) is not None
    response = client.post("/logout")
    set_cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"{REMEMBER}=;") and "Expires=Thu, 01 Jan 1970" in c for c in set_cookies), set_cookies
    assert client.get_cookie(REMEMBER) is None
    assert not logged_in(client)


def test_cookies_saved_before_logout_are_worthless_after_it(app):
    create_user(app, "account_manager", username="mia")
    client, _response = remembered_login(app)
    assert logged_in(client)
    saved = cookies(client)
    assert set(saved) == {"session", REMEMBER}
    client.post("/logout")
    assert not logged_in(replay(app, saved))
    assert not logged_in(replay(app, {REMEMBER: saved[REMEMBER]}))  # a browser restart with the old cookie
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Login)) == 0


def test_every_login_has_its_own_token_and_logout_ends_only_that_one(app):
    create_user(app, "account_manager", username="mia")
    laptop, _response = remembered_login(app)
    phone, _response = remembered_login(app)
    assert laptop.get_cookie(REMEMBER).value != phone.get_cookie(REMEMBER).value
    laptop.post("/logout")
    assert not logged_in(laptop)
    assert logged_in(phone)


def test_remember_lifetime_is_configurable_and_enforced_on_the_server(make_app):
    app = make_app(CRM_REMEMBER_DAYS=3)
    create_user(app, "account_manager", username="mia")
    client, response = remembered_login(app)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0]).replace(tzinfo=None)
    assert timedelta(days=3) - timedelta(minutes=1) < expires - utcnow() <= timedelta(days=3)
    with app.app_context():
        login = db.session.scalar(select(Login))
        assert timedelta(days=3) - timedelta(minutes=1) < login.expires_at - utcnow() <= timedelta(days=3)
        assert login.remember
        # Three days later the cookie may still be in the browser; the login is over.
        db.session.execute(update(Login).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert not logged_in(replay(app, {REMEMBER: client.get_cookie(REMEMBER).value}))
    assert not logged_in(client)


def test_a_login_without_remember_lasts_the_session_hours(make_app):
    app = make_app(CRM_SESSION_HOURS=2)
    create_user(app, "account_manager", username="mia")
    client = app.test_client()
    response = client.post("/login", data={"username": "mia", "password": TEST_PASSWORD})
    assert not any(c.startswith(REMEMBER) for c in response.headers.getlist("Set-Cookie"))
    with app.app_context():
        login = db.session.scalar(select(Login))
        assert not login.remember
        assert timedelta(hours=2) - timedelta(minutes=1) < login.expires_at - utcnow() <= timedelta(hours=2)
    assert logged_in(client)
    with app.app_context():
        db.session.execute(update(Login).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_expired_logins_are_swept_at_the_next_login(app):
    create_user(app, "account_manager", username="mia")
    remembered_login(app)
    with app.app_context():
        db.session.execute(update(Login).values(expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    remembered_login(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Login)) == 1


def test_a_forged_or_oversized_cookie_logs_nobody_in(app):
    create_user(app, "account_manager", username="mia")
    client, _response = remembered_login(app)
    assert not logged_in(replay(app, {REMEMBER: "1|" + "0" * 128}))
    assert not logged_in(replay(app, {REMEMBER: client.get_cookie(REMEMBER).value + "x"}))
    assert not logged_in(replay(app, {REMEMBER: "x" * 4000}))
