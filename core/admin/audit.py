"""The audit log page."""
from flask import render_template

from core.admin import blueprint
from core.rbac.access import require_permission


@blueprint.route("/audit")
@require_permission("core.audit.view")
def audit():
    return render_template("errors.html", code=501, title="Audit", message="")
