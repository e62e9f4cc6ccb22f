"""The home page: widgets the enabled plugins contribute to slot ``dashboard.widgets``."""
from flask import Blueprint, render_template

from core.rbac.access import require_permission

blueprint = Blueprint("dashboard", __name__, template_folder="templates")


@blueprint.route("/")
@require_permission("core.dashboard.view")
def index():
    return render_template("core/dashboard.html")
