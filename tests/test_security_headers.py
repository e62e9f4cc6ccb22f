"""Security headers on every answer (issue 12, item 13): no framing, no sniffing, a CSP the UI satisfies,
nothing personal kept in caches."""
import re

from core.web import CONTENT_SECURITY_POLICY


def _csp(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_pages_exports_and_downloads_carry_the_headers(app, client, login_as):
    admin = login_as("admin")
    for user, path in ((client, "/login"), (admin, "/"), (admin, "/customers/"), (admin, "/customers/?export=csv"),
                       (admin, "/reports/customers.composition/export.csv"), (admin, "/admin/users")):
        response = user.get(path)
        response.get_data()  # a streamed export ends (and closes its request context) when read
        assert response.status_code == 200, path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        csp = _csp(response)
        assert csp["frame-ancestors"] == ["'none'"] and csp["script-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"] and "'unsafe-eval'" not in str(csp)
    static = client.get("/static/crm.js")
    assert "no-store" not in static.headers.get("Cache-Control", "") and static.headers["X-Content-Type-Options"]
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP: no HSTS, no redirect
    assert client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_https_is_forced_only_when_configured(make_app):
    secure = make_app(CRM_FORCE_HTTPS=True).test_client()
    response = secure.get("/login")
    assert response.status_code == 302 and response.headers["Location"].startswith("https://")
    assert not secure.application.config["SESSION_COOKIE_SECURE"]  # core.config's cookie settings stand


def test_pages_have_no_inline_script_or_event_handler_attribute(app, login_as):
    """What the CSP refuses must not be in the markup: <script> without src, on...= attributes, javascript: URLs."""
    admin = login_as("admin")
    for path in ("/", "/customers/", "/customers/new", "/marketing/pipeline", "/reports/customers.composition",
                 "/service/", "/admin/users", "/basedata/products"):
        page = admin.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), path
        assert not re.search(r"\son[a-z]+\s*=", page), path
        assert "javascript:" not in page, path
    assert CONTENT_SECURITY_POLICY["script-src"] == "'self'"
