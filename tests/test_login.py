from core.testing import TEST_PASSWORD, create_user, log_in


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_dashboard(app, client):
    create_user(app, "admin", username="boss")
    response = log_in(client, "boss")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "System management" in page.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_same_message(app, client):
    create_user(app, "admin", username="boss")
    wrong = log_in(client, "boss", "nope-nope-nope").get_data(as_text=True)
    unknown = log_in(client, "ghost", TEST_PASSWORD).get_data(as_text=True)
    assert "Invalid login name or password." in wrong
    assert "Invalid login name or password." in unknown


def test_inactive_user_is_refused(app, client):
    create_user(app, "admin", username="gone", active=False)
    response = log_in(client, "gone")
    assert response.status_code == 200
    assert "Invalid login name or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_is_rate_limited_per_account(app, client):
    create_user(app, "admin", username="boss")
    for _ in range(app.config["CRM_LOGIN_MAX_FAILURES"]):
        log_in(client, "boss", "wrong-password")
    response = log_in(client, "boss")
    assert response.status_code == 429
    assert "Try again in" in response.get_data(as_text=True)


def test_next_redirects_only_to_local_paths(app, client):
    create_user(app, "admin", username="boss")
    client.post("/login?next=https://evil.example/x", data={"username": "boss", "password": TEST_PASSWORD})
    client.post("/logout")
    response = client.post("/login?next=//evil.example/x", data={"username": "boss", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/admin/plugins", data={"username": "boss", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/admin/plugins"


def test_post_without_csrf_token_is_refused(app, client):
    create_user(app, "admin", username="boss")
    response = client.post("/login", data={"username": "boss", "password": TEST_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_rate_limit_counts_the_client_address_behind_a_proxy(make_app):
    app = make_app(CRM_PROXIES=1, CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=2)
    create_user(app, "admin", username="boss")
    first = app.test_client()
    for _ in range(2):
        first.post("/login", data={"username": "x", "password": "y"}, headers={"X-Forwarded-For": "192.0.2.1"})
    assert first.post("/login", data={"username": "boss", "password": TEST_PASSWORD},
                      headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    other = app.test_client()
    assert other.post("/login", data={"username": "boss", "password": TEST_PASSWORD},
                      headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 302
