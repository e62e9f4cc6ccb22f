"""Marketing management (营销管理): sales opportunities, development plans, the pipeline."""
from core.api import MenuItem, Permission, hookimpl, lazy_gettext as _l

from plugins.marketing import closed_months, models, open_totals  # noqa: F401  (tables; the totals kept on every write)

name = "marketing"
title = _l("Marketing")
version = "0.1.0"
requires = ("basedata", "customers")

SECTION = _l("Marketing management")

PERMISSIONS = [
    Permission("marketing.opportunity.view", _l("View sales opportunities and the pipeline")),
    Permission("marketing.opportunity.create", _l("Create sales opportunities (edit and delete own unassigned ones)")),
    Permission("marketing.opportunity.manage", _l("Act on every opportunity (edit others' unassigned ones, develop any)")),
    Permission("marketing.opportunity.assign", _l("Assign opportunities to account managers")),
    Permission("marketing.opportunity.develop", _l("Develop assigned opportunities: plans, stages, won, lost")),
    Permission("marketing.opportunity.export", _l("Export sales opportunities")),
    Permission("marketing.stage.manage", _l("Manage pipeline stages")),
    Permission("marketing.report.view", _l("View marketing reports")),
]

DEFAULT_GRANTS = {
    "admin": [p.code for p in PERMISSIONS],
    "sales_director": [p.code for p in PERMISSIONS],
    "account_manager": ["marketing.opportunity.view", "marketing.opportunity.create",
                        "marketing.opportunity.develop", "marketing.opportunity.export",
                        "marketing.report.view"],  # reports count only their own opportunities
    "executive": ["marketing.opportunity.view", "marketing.opportunity.export", "marketing.report.view"],
}

MENU_ITEMS = [
    MenuItem(_l("Sales opportunities"), "marketing.opportunity_list", "marketing.opportunity.view", SECTION, 300,
             "lightbulb"),
    MenuItem(_l("Sales pipeline"), "marketing.pipeline", "marketing.opportunity.view", SECTION, 310, "kanban"),
    MenuItem(_l("Pipeline stages"), "marketing.stage_list", "marketing.stage.manage", SECTION, 390, "list-ol"),
]


@hookimpl
def register_blueprints():
    from plugins.marketing.views import blueprint

    return [blueprint]


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
def template_slot(slot, context):
    from plugins.marketing import slots

    return slots.contribute(slot, context)


@hookimpl
def on_event(name, payload):
    from plugins.marketing import notices

    notices.on_event(name, payload)


@hookimpl
def register_reports():
    from plugins.marketing.reports import REPORTS

    return REPORTS


@hookimpl
def load_demo_data(session):
    from plugins.marketing.demo import load

    load(session)


@hookimpl
def global_search(term, limit):
    from plugins.marketing.search_results import global_search as search

    return search(term, limit)
