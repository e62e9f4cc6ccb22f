"""The installed plugins, enabled or not (administrators only)."""
from flask import current_app, render_template

from core.admin import blueprint
from core.migrate import heads
from core.rbac.access import require_permission


@blueprint.route("/plugins")
@require_permission("core.plugin.view")
def plugins():
    host = current_app.extensions["crm"]
    enabled = set(host.enabled_names)
    rows = [("core", host.enabled[0], True)] + [
        (name, info, name in enabled) for name, info in sorted(host.installed.items()) if not info.problem
    ]
    permissions = {name: host.permissions_of(name) for name, _info, _enabled in rows}
    return render_template("core/plugins.html", rows=rows, permissions=permissions, heads=heads())
