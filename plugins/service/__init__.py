"""Service management (服务管理): service requests from creation to archive, feedback rounds, SLAs."""
from core.api import Job, MenuItem, Permission, hookimpl, lazy_gettext as _l

from plugins.service import models, month_summaries  # noqa: F401  (tables; month_summaries kept on every write)

name = "service"
title = _l("Service")
version = "0.1.0"
requires = ("basedata", "customers")

SECTION = _l("Service management")

PERMISSIONS = [
    Permission("service.request.view", _l("View service requests (the archive query)")),
    Permission("service.request.create", _l("Create service requests")),
    Permission("service.request.assign", _l("Assign service requests, delete new ones")),
    Permission("service.request.handle", _l("Handle service requests assigned to them")),
    Permission("service.request.feedback",
               _l("Record feedback on handled requests they created or whose customer they manage")),
    Permission("service.request.manage", _l("Record feedback on every handled request")),
    Permission("service.request.export", _l("Export service requests")),
    Permission("service.sla.manage", _l("Manage service-level targets and the business calendar")),
    Permission("service.report.view", _l("View service reports")),
]

DEFAULT_GRANTS = {
    "admin": [p.code for p in PERMISSIONS],
    "sales_director": ["service.request.view", "service.request.create", "service.request.assign",
                       "service.request.feedback", "service.request.manage", "service.request.export",
                       "service.report.view"],
    "account_manager": ["service.request.view", "service.request.create", "service.request.handle",
                        "service.request.feedback", "service.request.export"],
    "executive": ["service.request.view", "service.request.export", "service.report.view"],
}

MENU_ITEMS = [
    MenuItem(_l("New service request"), "service.request_create", "service.request.create", SECTION, 400,
             "plus-circle"),
    MenuItem(_l("Assign requests"), "service.assign_list", "service.request.assign", SECTION, 410, "person-check"),
    MenuItem(_l("Handle requests"), "service.handle_list", "service.request.handle", SECTION, 420, "tools"),
    MenuItem(_l("Service feedback"), "service.feedback_list", "service.request.feedback", SECTION, 430,
             "chat-square-heart"),
    MenuItem(_l("Service archive"), "service.request_list", "service.request.view", SECTION, 440, "archive"),
    MenuItem(_l("Service levels and calendar"), "service.sla_settings", "service.sla.manage", SECTION, 490,
             "calendar-week"),
]


@hookimpl
def register_blueprints():
    from plugins.service.views import blueprint

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
def register_jobs():
    from plugins.service.sla import scan_job

    return [Job("service-sla-scan", scan_job, "*/15 * * * *")]


@hookimpl
def template_slot(slot, context):
    from plugins.service import slots

    return slots.contribute(slot, context)


@hookimpl
def register_reports():
    from plugins.service.reports import REPORTS

    return REPORTS


@hookimpl
def load_demo_data(session):
    from plugins.service.demo import load

    load(session)


@hookimpl
def on_event(name, payload):
    from plugins.service import notices

    notices.on_event(name, payload)


@hookimpl
def on_change(name, payload):
    from plugins.service import ownership

    ownership.on_change(name, payload)


@hookimpl
def global_search(term, limit):
    from plugins.service.search_results import global_search as search

    return search(term, limit)
