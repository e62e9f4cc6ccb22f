"""Customer management (客户管理): customers, contacts, activities, orders, churn."""
from core.api import Job, MenuItem, Permission, hookimpl, lazy_gettext as _l

from plugins.customers import models  # noqa: F401  (tables)
from plugins.customers import churn  # noqa: F401  (tables)
from plugins.customers import order_summary  # noqa: F401  (table, kept up to date on every order write)
from plugins.customers import rfm  # noqa: F401  (table of the nightly customer value scores)
from plugins.customers import composition  # noqa: F401  (table, kept up to date on every customer write)
from plugins.customers import name_order  # noqa: F401  (keeps the pinyin sort keys)
from plugins.customers.import_cli import import_group

name = "customers"
title = _l("Customers")
version = "0.1.0"
requires = ("basedata",)

SECTION = _l("Customer management")

PERMISSIONS = [
    Permission("customers.customer.view", _l("View customers")),
    Permission("customers.customer.create", _l("Create customers")),
    Permission("customers.customer.edit", _l("Edit customers (account managers)")),
    Permission("customers.customer.delete", _l("Delete customers")),
    Permission("customers.customer.export", _l("Export customers")),
    Permission("customers.contact.view", _l("View contacts")),
    Permission("customers.contact.edit", _l("Edit contacts")),
    Permission("customers.activity.view", _l("View activities")),
    Permission("customers.activity.edit", _l("Edit activities")),
    Permission("customers.order.view", _l("View orders")),
    Permission("customers.order.edit", _l("Edit orders")),
    Permission("customers.churn.view", _l("View churn records")),
    Permission("customers.churn.handle", _l("Handle churn warnings (postpone, confirm lost)")),
    Permission("customers.customer.import", _l("Import customers from CSV")),
    Permission("customers.order.import", _l("Import orders from CSV")),
    Permission("customers.report.contribution", _l("View the customer contribution report")),
    Permission("customers.report.composition", _l("View the customer composition report")),
    Permission("customers.report.churn", _l("View the churn analysis reports")),
    Permission("customers.report.value", _l("View the customer value analysis (RFM)")),
]
# Reports count only the customers a user may see: account managers get them for their own customers.
_REPORTS = ["customers.report.contribution", "customers.report.composition", "customers.report.churn",
            "customers.report.value"]
_IMPORT = ["customers.customer.import", "customers.order.import"]

_ACCOUNT_MANAGER = [
    "customers.customer.view", "customers.customer.create", "customers.customer.edit",
    "customers.customer.delete", "customers.customer.export",
    "customers.contact.view", "customers.contact.edit", "customers.activity.view", "customers.activity.edit",
    "customers.order.view", "customers.order.edit",
    "customers.churn.view", "customers.churn.handle", *_REPORTS,
]
_EXECUTIVE = [
    "customers.customer.view", "customers.customer.export", "customers.contact.view",
    "customers.activity.view", "customers.order.view", "customers.churn.view", *_REPORTS,
]
# Lists the other parts of the plugin append to (churn, import).
DEFAULT_GRANTS = {
    "admin": [p.code for p in PERMISSIONS],
    "sales_director": [p.code for p in PERMISSIONS if p.code not in _IMPORT],
    "account_manager": _ACCOUNT_MANAGER,
    "executive": _EXECUTIVE,
}

MENU_ITEMS = [
    MenuItem(_l("Customers"), "customers.customer_list", "customers.customer.view", SECTION, 200, "building"),
    MenuItem(_l("My follow-ups"), "customers.follow_ups_page", "customers.activity.view", SECTION, 210, "alarm"),
    MenuItem(_l("Customer churn"), "customers_churn.churn_list", "customers.churn.view", SECTION, 240,
             "person-x"),
    MenuItem(_l("Import customers"), "customers_import.import_customers", "customers.customer.import", SECTION, 280,
             "upload"),
    MenuItem(_l("Import orders"), "customers_import.import_orders", "customers.order.import", SECTION, 290,
             "upload"),
]

def _import_job(**params):
    from plugins.customers.import_views import import_job

    return import_job(**params)


def _follow_up_reminders():
    from plugins.customers.follow_ups import remind_due_today

    return remind_due_today()


JOBS = [Job("churn-scan", churn.scan_job, "0 2 * * *"), Job("customers.import", _import_job),
        Job("customers.rfm-scores", rfm.score_job, "30 2 * * *"),
        Job("customers.follow-up-reminders", _follow_up_reminders, "0 8 * * *")]

# Click commands added to the ``crm`` group.
COMMANDS = [import_group, order_summary.rebuild_command, rfm.score_command]


def _blueprints():
    from plugins.customers.churn_views import blueprint as churn_blueprint
    from plugins.customers.import_views import blueprint as import_blueprint
    from plugins.customers.views import blueprint

    return [blueprint, churn_blueprint, import_blueprint]


@hookimpl
def register_blueprints():
    return _blueprints()


@hookimpl
def register_permissions():
    return PERMISSIONS


@hookimpl
def register_roles():
    return DEFAULT_GRANTS


@hookimpl
def register_menu_items():
    return MENU_ITEMS


@hookimpl
def register_jobs():
    return JOBS


def _slot_providers():
    from plugins.customers import churn_views, kpis, slots, timeline_sources

    return [slots.contribute, kpis.contribute, churn_views.contribute, timeline_sources.contribute]


@hookimpl
def template_slot(slot, context):
    items = []
    for contribute in _slot_providers():
        items.extend(contribute(slot, context) or [])
    return items or None


@hookimpl
def register_reports():
    from plugins.customers.reports import REPORTS

    return REPORTS


@hookimpl
def register_commands(cli):
    for command in COMMANDS:
        cli.add_command(command)


@hookimpl
def load_demo_data(session):
    from plugins.customers.demo import load

    load(session)


@hookimpl
def global_search(term, limit):
    from plugins.customers.search_results import global_search as search

    return search(term, limit)
