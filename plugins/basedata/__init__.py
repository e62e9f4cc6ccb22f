"""Base data (基础数据): the data dictionary, products and stock."""
from core.api import MenuItem, Permission, hookimpl
from core.api import lazy_gettext as _l

name = "basedata"
title = _l("Base data")
version = "0.1.0"
requires = ()

SECTION = _l("Base data")

PERMISSIONS = [
    Permission("basedata.dictionary.view", _l("View the data dictionary")),
    Permission("basedata.dictionary.manage", _l("Manage the data dictionary")),
    Permission("basedata.product.view", _l("View products")),
    Permission("basedata.product.manage", _l("Manage products")),
    Permission("basedata.stock.view", _l("View stock")),
    Permission("basedata.stock.manage", _l("Manage stock")),
]

READ_PRODUCTS_AND_STOCK = ["basedata.product.view", "basedata.stock.view"]


@hookimpl
def register_blueprints():
    from plugins.basedata.views import blueprint

    return [blueprint]


@hookimpl
def register_permissions():
    return PERMISSIONS


@hookimpl
def register_roles():
    return {
        "admin": [p.code for p in PERMISSIONS],
        "sales_director": READ_PRODUCTS_AND_STOCK,
        "account_manager": READ_PRODUCTS_AND_STOCK,
        "executive": [p.code for p in PERMISSIONS if p.code.endswith(".view")],
    }


@hookimpl
def register_menu_items():
    return [
        MenuItem(_l("Data dictionary"), "basedata.dictionary", "basedata.dictionary.view", SECTION, 800, "book"),
        MenuItem(_l("Products"), "basedata.products", "basedata.product.view", SECTION, 810, "box-seam"),
        MenuItem(_l("Stock"), "basedata.stock", "basedata.stock.view", SECTION, 820, "boxes"),
    ]


@hookimpl
def load_demo_data(session):
    from plugins.basedata.demo import load

    load(session)
