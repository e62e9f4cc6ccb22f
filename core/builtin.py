"""The core's own features, registered through the same hooks plugins use."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.i18n import lazy_gettext as _l
from core.plugins import Job, MenuItem, Permission

SYSTEM = _l("System management")

CORE_PERMISSIONS = [
    Permission("core.dashboard.view", _l("View the dashboard")),
    Permission("core.profile.edit", _l("Change own password")),
    Permission("core.user.manage", _l("Manage users")),
    Permission("core.role.manage", _l("Manage roles and permissions")),
    Permission("core.audit.view", _l("View the audit log")),
    Permission("core.plugin.view", _l("View installed plugins")),
    Permission("core.job.view", _l("Follow own exports and imports (job pages, downloads)")),
    Permission("core.notification.view", _l("Receive notifications (bell, notifications page)")),
    Permission("core.search.use", _l("Use the search box (finds only what the user may see)")),
]

EXPORT_JOB = "list-export"

EVERYONE = ["core.dashboard.view", "core.profile.edit", "core.job.view", "core.notification.view", "core.search.use"]


class CorePlugin:
    name = "core"
    title = _l("Core")
    version = "0.1.0"
    requires = ()

    @hookimpl
    def register_blueprints(self):
        from core.admin import blueprint as admin
        from core.auth.views import blueprint as auth
        from core.dashboard import blueprint as dashboard
        from core.global_search import blueprint as search
        from core.jobs.views import blueprint as jobs
        from core.notifications.views import blueprint as notifications

        return [auth, dashboard, admin, jobs, notifications, search]

    @hookimpl
    def register_permissions(self):
        return CORE_PERMISSIONS

    @hookimpl
    def register_roles(self):
        return {
            "admin": [p.code for p in CORE_PERMISSIONS],
            "sales_director": EVERYONE,
            "account_manager": EVERYONE,
            "executive": EVERYONE,
        }

    @hookimpl
    def register_jobs(self):
        from core.jobs.cleanup import clean_up_jobs
        from core.listing import export_job

        return [Job(EXPORT_JOB, export_job), Job("jobs-cleanup", clean_up_jobs, "30 3 * * *")]

    @hookimpl
    def on_event(self, name, payload):
        from core.notifications import mail, service

        if name == service.CREATED_EVENT:
            mail.enqueue(payload["ids"])

    @hookimpl
    def register_menu_items(self):
        return [
            MenuItem(_l("Users"), "admin.users", "core.user.manage", SYSTEM, 900, "people"),
            MenuItem(_l("Roles"), "admin.roles", "core.role.manage", SYSTEM, 910, "shield-lock"),
            MenuItem(_l("Audit log"), "admin.audit", "core.audit.view", SYSTEM, 920, "journal-text"),
            MenuItem(_l("Plugins"), "admin.plugins", "core.plugin.view", SYSTEM, 930, "plug"),
        ]
