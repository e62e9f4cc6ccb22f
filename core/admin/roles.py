"""Roles: data scope and permissions ticked per plugin."""
from flask import render_template

from core.admin import blueprint
from core.rbac.access import require_permission


@blueprint.route("/roles")
@require_permission("core.role.manage")
def roles():
    return render_template("errors.html", code=501, title="Roles", message="")
