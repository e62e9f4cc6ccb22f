"""Login throttling slows guessers down but never locks the owner out (see core/auth/throttle.py)."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from core.auth.throttle import LoginThrottle
from core.db import db
from core.models import utcnow
from core.testing import TEST_PASSWORD, create_user

OWNER_ADDRESS = "192.0.2.10"
ATTACKER_ADDRESS = "198.51.100.66"


def attempt(client, username, password, address):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def fail(app, times, username="boss", address=ATTACKER_ADDRESS):
    client = app.test_client()
    return [attempt(client, username, "wrong-guess", address).status_code for _ in range(times)]


def let_time_pass(app, key_prefix=""):
    """Every delay of the matching counters ends now (instead of waiting for it)."""
    with app.app_context():
        db.session.execute(update(LoginThrottle).where(LoginThrottle.key.startswith(key_prefix))
                           .where(LoginThrottle.blocked_until.is_not(None))
                           .values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_guessing_from_elsewhere_never_locks_the_owner_out(app):
    create_user(app, "admin", username="boss")
    assert fail(app, 20)[-1] == 429
    assert attempt(app.test_client(), "boss", TEST_PASSWORD, OWNER_ADDRESS).status_code == 302


def test_delays_grow_instead_of_a_hard_lock(app):
    create_user(app, "admin", username="boss")
    client = app.test_client()
    limit = app.config["CRM_LOGIN_MAX_FAILURES"]
    assert fail(app, limit) == [200] * limit  # each one a real check: "Invalid login name or password."
    for minutes in (1, 2, 4, 8, 15, 15):
        response = attempt(client, "boss", "wrong-guess", ATTACKER_ADDRESS)
        assert response.status_code == 429
        assert f"Try again in {minutes} minute" in response.get_data(as_text=True)
        let_time_pass(app)
        assert attempt(client, "boss", "wrong-guess", ATTACKER_ADDRESS).status_code == 200  # one more check
    response = attempt(client, "boss", TEST_PASSWORD, ATTACKER_ADDRESS)
    assert response.status_code == 429  # the last failure started another delay
    let_time_pass(app)
    assert attempt(client, "boss", TEST_PASSWORD, ATTACKER_ADDRESS).status_code == 302


def test_concurrent_guesses_get_exactly_the_allowed_checks(app):
    create_user(app, "admin", username="boss")
    start = threading.Barrier(20)

    def guess(_number):
        client = app.test_client()
        start.wait()
        response = attempt(client, "boss", "wrong-guess", ATTACKER_ADDRESS)
        return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = sorted(pool.map(guess, range(20)))
    limit = app.config["CRM_LOGIN_MAX_FAILURES"]
    assert answers == [200] * limit + [429] * (20 - limit)


def test_an_office_behind_one_address_keeps_its_trusted_browsers(app):
    """Someone behind the office NAT sprays passwords; colleagues' browsers that logged in before still get in."""
    create_user(app, "account_manager", username="colleague")
    browser = app.test_client()
    assert attempt(browser, "colleague", TEST_PASSWORD, OWNER_ADDRESS).status_code == 302
    browser.post("/logout")
    per_address = app.config["CRM_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    sprayer = app.test_client()
    codes = [attempt(sprayer, f"name{n}", "Summer2026!", OWNER_ADDRESS).status_code for n in range(per_address + 1)]
    assert codes[-1] == 429
    assert fail(app, 10, "colleague", OWNER_ADDRESS)[-1] == 429
    # A new browser in the office waits; the colleague's own browser does not.
    assert attempt(app.test_client(), "colleague", TEST_PASSWORD, OWNER_ADDRESS).status_code == 429
    assert attempt(browser, "colleague", TEST_PASSWORD, OWNER_ADDRESS).status_code == 302


def test_the_per_account_ceiling_slows_a_distributed_attack_but_not_the_owners_browser(make_app):
    app = make_app(CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT=8)
    create_user(app, "admin", username="boss")
    browser = app.test_client()
    assert attempt(browser, "boss", TEST_PASSWORD, OWNER_ADDRESS).status_code == 302
    browser.post("/logout")
    codes = [attempt(app.test_client(), "boss", "wrong-guess", f"203.0.113.{n}").status_code for n in range(10)]
    assert codes == [200] * 8 + [429] * 2
    assert attempt(app.test_client(), "boss", TEST_PASSWORD, "203.0.113.200").status_code == 429
    assert attempt(browser, "boss", TEST_PASSWORD, "203.0.113.201").status_code == 302


def test_a_stolen_device_cookie_gets_only_its_own_few_guesses(app):
    create_user(app, "admin", username="boss")
    browser = app.test_client()
    attempt(browser, "boss", TEST_PASSWORD, OWNER_ADDRESS)
    browser.post("/logout")
    limit = app.config["CRM_LOGIN_MAX_FAILURES"]
    codes = [attempt(browser, "boss", "wrong-guess", ATTACKER_ADDRESS).status_code for _ in range(limit + 1)]
    assert codes == [200] * limit + [429]


def test_a_right_password_clears_the_pair_and_quiet_counters_are_forgotten(app):
    create_user(app, "admin", username="boss")
    client = app.test_client()
    limit = app.config["CRM_LOGIN_MAX_FAILURES"]
    fail(app, limit - 1, address=OWNER_ADDRESS)
    assert attempt(client, "boss", TEST_PASSWORD, OWNER_ADDRESS).status_code == 302
    client.post("/logout")
    with app.app_context():
        keys = set(db.session.scalars(select(LoginThrottle.key)))
        assert f"pair:boss|{OWNER_ADDRESS}" not in keys
        assert db.session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == "account:boss")) == limit - 1
    fail(app, limit + 2)
    window = timedelta(minutes=app.config["CRM_LOGIN_WINDOW_MINUTES"])
    with app.app_context():
        long_ago = utcnow() - 3 * window
        db.session.execute(update(LoginThrottle).values(last_at=long_ago, blocked_until=long_ago))
        db.session.commit()
    assert fail(app, 1) == [200]
