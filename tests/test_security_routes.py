"""Cross-cutting checks over every route: read-only roles, CSRF, hostile URLs and redirects."""
import pytest
from sqlalchemy import select

from core.api import User, db
from core.testing import TEST_PASSWORD, create_user, log_in
from test_route_guards import dummy_value, is_public, marked_public


def post_routes(app):
    """(endpoint, path) of every non-public rule that accepts POST, ids filled with 1."""
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or is_public(rule.endpoint):
            continue
        values = {name: dummy_value(converter) for name, converter in rule._converters.items()}
        found.append((rule.endpoint, rule.build(values, append_unknown=False)[1]))
    return sorted(found)


def test_every_state_change_is_a_post_and_the_walk_finds_them(app):
    endpoints = {endpoint for endpoint, _path in post_routes(app)}
    assert {"admin.user_new", "admin.role_delete", "customers.customer_delete",
            "customers_churn.churn_postpone", "customers_import.import_customers"} <= endpoints
    # Deleting and the churn actions have no GET form page: a link cannot trigger them.
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith(("delete", "deactivate", "activate", "postpone", "lost")) \
                or rule.endpoint == "auth.logout":
            assert "GET" not in rule.methods, rule.endpoint


def test_executive_is_refused_every_post(app, login_as):
    executive = login_as("executive")
    # Their own password and their own notifications (marking them read) are theirs to change.
    own_account = {"auth.change_password", "notifications.open_", "notifications.read", "notifications.read_all"}
    wrong = [(endpoint, path, response.status_code) for endpoint, path in post_routes(app)
             if endpoint not in own_account and not marked_public(app, endpoint)  # e.g. a signed customer link
             and (response := executive.post(path, data={})).status_code != 403]
    assert wrong == []


def test_every_post_without_csrf_token_is_refused(app, login_as):
    admin = login_as("admin")
    wrong = [(endpoint, path, response.status_code) for endpoint, path in post_routes(app)
             if (response := admin.post(path, data={}, csrf=False)).status_code != 400]
    assert wrong == []


@pytest.mark.parametrize("url", ["/customers/abc", "/customers/1x/edit", "/admin/users/%27/edit",
                                 "/customers/churn/-1", "/basedata/products/1.5/edit", "/customers/%C2%B2",
                                 # beyond an INTEGER column: the database would raise, not answer "none"
                                 "/customers/2147483648", "/customers/99999999999999999999/edit",
                                 "/customers/1/orders/9223372036854775808", "/admin/users/99999999999999999999/edit",
                                 "/customers/churn/99999999999999999999",
                                 "/basedata/products/99999999999999999999/edit"])
def test_non_numeric_and_out_of_range_ids_are_404(login_as, url):
    assert login_as("admin").get(url).status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "\u00b2", "-1", "1e3"])
def test_id_filters_take_any_text(login_as, value):
    admin = login_as("admin")
    for url, name in [("/customers/", "manager"), ("/customers/churn/", "manager"), ("/admin/users", "role"),
                      ("/admin/audit", "user"), ("/admin/audit", "record")]:
        assert admin.get(url, query_string={name: value}).status_code == 200, (url, name)


@pytest.mark.parametrize("query", ["page=-5", "page=99999999999999999999", "page=abc", "per_page=-1",
                                   "per_page=100000", "sort=nope", "sort=--name", "sort=-", "sort=__class__"])
def test_odd_list_arguments_give_the_list(login_as, query):
    admin = login_as("admin")
    for url in ("/admin/users", "/admin/roles", "/admin/audit", "/customers/", "/customers/churn/",
                "/basedata/products", "/basedata/stock/totals"):
        assert admin.get(f"{url}?{query}").status_code == 200, url


@pytest.mark.parametrize("date_from, date_to", [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"),
                                                ("2026-13-45", "yesterday"), ("1-1-1", "")])
def test_extreme_or_malformed_audit_dates_are_handled(login_as, date_from, date_to):
    response = login_as("admin").get(f"/admin/audit?date_from={date_from}&date_to={date_to}")
    assert response.status_code == 200


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
                                    "javascript:alert(1)", "/\t/evil.example", "/\r\n/evil.example",
                                    "https:evil.example", " //evil.example", "http:/evil.example"])
def test_next_never_leaves_the_site(app, client, target):
    create_user(app, "account_manager", username="walker")
    response = client.post("/login", query_string={"next": target},
                           data={"username": "walker", "password": TEST_PASSWORD})
    location = response.headers["Location"]
    assert response.status_code == 302 and location == "/", location
    assert client.post("/language/en", query_string={"next": target}).headers["Location"] == "/"


def test_language_link_changes_only_the_language(app, login_as):
    manager = login_as("account_manager")
    assert manager.post("/language/xx").status_code == 302
    with app.app_context():
        assert db.session.get(User, manager.user_id).language in (None, "", "en")
    manager.post("/language/zh_CN")
    with app.app_context():
        user = db.session.get(User, manager.user_id)
        assert user.language == "zh_CN" and user.active and user.check_password(TEST_PASSWORD)
    assert manager.get("/").status_code == 200  # still logged in


def test_login_starts_a_fresh_session(app, client):
    create_user(app, "account_manager", username="fixated")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["language"] = "zh_CN"
    log_in(client, "fixated")
    with client.session_transaction() as session:
        assert "planted" not in session and session["language"] == "zh_CN"


def test_rate_limit_counts_failures_per_address_across_login_names(make_app, client):
    app = client.application
    limit = app.config["CRM_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    create_user(app, "account_manager", username="victim")
    for number in range(limit):
        client.post("/login", data={"username": f"guess{number}", "password": "wrong"})
    response = client.post("/login", data={"username": "victim", "password": TEST_PASSWORD})
    assert response.status_code == 429
    other_address = app.test_client()
    response = other_address.post("/login", data={"username": "victim", "password": TEST_PASSWORD},
                                  environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 302


def test_deactivated_user_is_logged_out_on_the_next_request(app, login_as):
    manager = login_as("account_manager")
    assert manager.get("/").status_code == 200
    with app.app_context():
        db.session.get(User, manager.user_id).active = False
        db.session.commit()
    response = manager.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_reset_by_admin_ends_remembered_sessions_too(app, login_as):
    manager = create_user(app, "account_manager", username="remembered")
    client = app.test_client()
    client.post("/login", data={"username": "remembered", "password": TEST_PASSWORD, "remember": "y"})
    admin = login_as("admin")
    new = "another-secret-42"
    assert admin.post(f"/admin/users/{manager}/password", data={"password": new, "confirm": new}).status_code == 302
    with client.session_transaction() as session:
        session.clear()  # a browser restart: only the remember-me cookie is left
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(User).where(User.id == manager)).check_password(new)
