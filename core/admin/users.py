"""Users: list, create, edit, deactivate, reset password, assign roles."""
from flask import render_template

from core.admin import blueprint
from core.rbac.access import require_permission


@blueprint.route("/users")
@require_permission("core.user.manage")
def users():
    return render_template("errors.html", code=501, title="Users", message="")
