"""Permissions, default grants, menus and guards of every basedata route; disabling the plugin."""
import pytest

MENUS = {"/basedata/dictionary": "Data dictionary", "/basedata/products": "Products", "/basedata/stock": "Stock"}
READS = {
    "admin": {"/basedata/dictionary", "/basedata/products", "/basedata/stock"},
    "sales_director": {"/basedata/products", "/basedata/stock"},
    "account_manager": {"/basedata/products", "/basedata/stock"},
    "executive": {"/basedata/dictionary", "/basedata/products", "/basedata/stock"},
}


@pytest.mark.parametrize("role", READS)
def test_default_roles_get_their_menus_and_pages(login_as, role):
    user = login_as(role)
    dashboard = user.get("/").get_data(as_text=True)
    for url, label in MENUS.items():
        allowed = url in READS[role]
        assert (f'href="{url}"' in dashboard) == allowed, (role, url)
        assert user.get(url).status_code == (200 if allowed else 403), (role, url)
    assert ("Base data" in dashboard) == bool(READS[role])


def test_executive_reads_but_manages_nothing(login_as):
    ceo = login_as("executive")
    page = ceo.get("/basedata/dictionary").get_data(as_text=True)
    assert "/basedata/dictionary/new" not in page and "/edit" not in page
    for url in ("/basedata/dictionary/new", "/basedata/products/new", "/basedata/stock/new"):
        assert ceo.get(url).status_code == 403


def test_every_route_is_guarded(app, login_as):
    nobody = login_as(permissions=[])
    anonymous = app.test_client()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("basedata.")]
    assert len(rules) >= 12
    for rule in rules:
        url = rule.build({arg: 1 for arg in rule.arguments})[1]
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_permissions", None), rule.endpoint
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert nobody.open(url, method=method, data={}).status_code == 403, (method, url)
            response = anonymous.open(url, method=method, data={}, csrf=False)
            assert response.status_code in (302, 400), (method, url)  # to the login page, or no CSRF token


def test_view_permission_alone_does_not_allow_changes(app, login_as):
    reader = login_as(permissions=["basedata.dictionary.view", "basedata.product.view", "basedata.stock.view"])
    for url in ("/basedata/dictionary/new", "/basedata/products/new", "/basedata/stock/new"):
        assert reader.post(url, data={}).status_code == 403


def test_core_runs_without_the_plugin(make_app, login_as):
    bare = make_app(plugins="")
    assert "basedata.dictionary" not in bare.view_functions
    assert not any(code.startswith("basedata.") for code in bare.extensions["crm"].permissions)
    from core.testing import create_user, log_in

    create_user(bare, "admin", username="bareadmin")
    client = bare.test_client()
    log_in(client, "bareadmin")
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "Base data" not in dashboard.get_data(as_text=True)
    assert client.get("/basedata/products").status_code == 404
