"""Every route of every enabled plugin is guarded; POSTs without a CSRF token change nothing.

A route without ``require_permission`` is a bug: this walks ``app.url_map`` and
opens each endpoint as an anonymous user (sent to the login page) and as a
logged-in user whose role grants nothing (403).
"""
import uuid

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, UUIDConverter

from core.api import User, db
from core.testing import TEST_PASSWORD

PUBLIC = {"auth.login", "auth.logout", "auth.set_language"}


def is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC or endpoint == "static" or endpoint.endswith(".static")


def dummy_value(converter):
    """A value the converter accepts; the guard must answer before the view looks it up."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return next(iter(converter.items))
    return "x"


def marked_public(app, endpoint: str) -> bool:
    """A plugin's view marked with ``core.api.public_view`` (e.g. a signed customer link)."""
    return bool(getattr(app.view_functions.get(endpoint), "public_reason", None))


def guarded_requests(app):
    """(endpoint, method, path) of every non-public rule."""
    found = []
    for rule in app.url_map.iter_rules():
        if is_public(rule.endpoint) or marked_public(app, rule.endpoint):
            continue
        values = {name: dummy_value(converter) for name, converter in rule._converters.items()}
        path = rule.build(values, append_unknown=False)[1]
        method = "GET" if "GET" in rule.methods else "POST"
        found.append((rule.endpoint, method, path))
    return sorted(found)


def call(client, method, path):
    # A dict body gets a valid CSRF token, so the answer comes from the guard, not from CSRF.
    return client.get(path) if method == "GET" else client.post(path, data={})


def test_the_walk_covers_the_core_and_every_enabled_plugin(app):
    endpoints = {endpoint for endpoint, _method, _path in guarded_requests(app)}
    assert {"dashboard.index", "auth.change_password", "admin.users"} <= endpoints
    for _plugin, blueprint in app.extensions["crm"].blueprints():
        assert any(endpoint.startswith(blueprint.name + ".") for endpoint in endpoints), blueprint.name


def test_anonymous_users_are_sent_to_login_everywhere(app, client):
    wrong = []
    for endpoint, method, path in guarded_requests(app):
        response = call(client, method, path)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or not location.split("?")[0].endswith("/login"):
            wrong.append((endpoint, method, path, response.status_code, location))
    assert wrong == []


def test_users_without_permissions_get_403_everywhere(app, login_as):
    client = login_as(permissions=[])
    wrong = []
    for endpoint, method, path in guarded_requests(app):
        response = call(client, method, path)
        if response.status_code != 403:
            wrong.append((endpoint, method, path, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("with_token, status, changed", [(False, 400, False), (True, 302, True)])
def test_post_without_csrf_token_changes_nothing(app, login_as, with_token, status, changed):
    client = login_as(permissions=["core.dashboard.view", "core.profile.edit"])
    new_password = "a-brand-new-secret"
    response = client.post("/account/password", csrf=with_token, data={
        "current": TEST_PASSWORD, "password": new_password, "confirm": new_password,
    })
    assert response.status_code == status
    with app.app_context():
        user = db.session.scalar(select(User).where(User.id == client.user_id))
        assert user.check_password(new_password) is changed
        assert user.check_password(TEST_PASSWORD) is not changed


def test_public_views_are_few_and_say_why(app):
    """Views open without login are marked one by one, each with its reason."""
    public = {endpoint: app.view_functions[endpoint].public_reason
              for endpoint in app.view_functions if marked_public(app, endpoint)}
    allowed = {"service.rating"}  # the customer's signed, single-use rating link
    assert set(public) <= allowed
    assert all(len(reason) > 20 for reason in public.values())
