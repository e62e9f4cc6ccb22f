"""Plugin discovery and enabling: a bad plugin set stops startup with one clear sentence."""
import itertools

import pytest
from flask import Blueprint

from core.api import MenuItem, Permission, hookimpl, require_permission
from core.plugins import PluginError, installed_plugins
from core.testing import create_user, log_in


class Stub:
    """A plugin object with metadata only."""

    def __init__(self, name, requires=()):
        self.name = name
        self.title = name.title()
        self.version = "0.0.1"
        self.requires = requires


def startup_error(make_app, plugins, extra=()) -> str:
    with pytest.raises(PluginError) as error:
        make_app(plugins=plugins, extra_plugins=list(extra))
    message = str(error.value)
    assert "\n" not in message and message.endswith(".") and ". " not in message, message
    return message


def test_listed_plugin_that_is_not_installed(make_app):
    message = startup_error(make_app, "nosuch")
    assert message == ("Plugin 'nosuch' is listed in CRM_PLUGINS but is not installed; "
                       "install it with pip or remove it from CRM_PLUGINS.")


def test_requirement_not_installed(make_app):
    message = startup_error(make_app, "orders", [Stub("orders", requires=("ghost",))])
    assert message.startswith("Plugin 'orders' requires plugin 'ghost', which is not installed;")


def test_requirement_installed_but_not_enabled(make_app):
    message = startup_error(make_app, "orders", [Stub("orders", requires=("stock",)), Stub("stock")])
    assert message.startswith("Plugin 'orders' requires plugin 'stock', which is not enabled;")
    assert "add 'stock' to CRM_PLUGINS" in message


def test_two_plugins_with_one_name(make_app):
    message = startup_error(make_app, "twin", [Stub("twin"), Stub("twin")])
    assert message == "Two installed plugins are named 'twin'; uninstall one of them."


def test_plugin_named_like_an_installed_package(make_app):
    installed = sorted(installed_plugins())
    if not installed:
        pytest.skip("no plugin package is installed")
    assert f"named '{installed[0]}'" in startup_error(make_app, installed[0], [Stub(installed[0])])


def test_requirement_cycle(make_app):
    plugins = [Stub("alpha", requires=("beta",)), Stub("beta", requires=("gamma",)), Stub("gamma", requires=("alpha",))]
    message = startup_error(make_app, "alpha,beta,gamma", plugins)
    assert "is part of a requirement cycle (" in message
    assert all(f"{name}" in message for name in ("alpha", "beta", "gamma"))


def test_plugins_load_in_dependency_order(make_app):
    app = make_app(plugins="top,base,middle",
                   extra_plugins=[Stub("top", ("middle",)), Stub("middle", ("base",)), Stub("base")])
    assert app.extensions["crm"].enabled_names == ["core", "base", "middle", "top"]


gadget_pages = Blueprint("gadget", __name__)
_numbers = itertools.count(1)


@gadget_pages.route("/")
@require_permission("gadget.item.view")
def index():
    return "gadgets"


class Gadget(Stub):
    def __init__(self):
        super().__init__("gadget")

    @hookimpl
    def register_blueprints(self):
        return [gadget_pages]

    @hookimpl
    def register_permissions(self):
        return [Permission("gadget.item.view", "View gadgets")]

    @hookimpl
    def register_roles(self):
        return {"admin": ["gadget.item.view"]}

    @hookimpl
    def register_menu_items(self):
        return [MenuItem("Gadgets", "gadget.index", "gadget.item.view")]


def admin_get(app, path):
    username = f"admin{next(_numbers)}"
    create_user(app, "admin", username=username)
    client = app.test_client()
    log_in(client, username)
    return client.get(path)


def test_enabled_plugin_has_route_menu_and_permission(make_app):
    app = make_app(plugins="gadget", extra_plugins=[Gadget()])
    host = app.extensions["crm"]
    assert "gadget.item.view" in host.permissions
    assert [item.endpoint for item in host.menu_items if item.endpoint.startswith("gadget.")] == ["gadget.index"]
    assert admin_get(app, "/gadget/").get_data(as_text=True) == "gadgets"


def test_disabled_plugin_leaves_no_route_menu_or_permission(make_app):
    app = make_app(plugins="", extra_plugins=[Gadget()])
    host = app.extensions["crm"]
    assert "gadget" in host.installed and "gadget" not in host.enabled_names
    assert not [code for code in host.permissions if code.startswith("gadget.")]
    assert not [item for item in host.menu_items if item.endpoint.startswith("gadget.")]
    assert not [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("gadget.")]
    assert admin_get(app, "/gadget/").status_code == 404
    assert 'href="/gadget/"' not in admin_get(app, "/").get_data(as_text=True)
