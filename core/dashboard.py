"""The home page: key figures (slot ``dashboard.kpis``) and widgets (slot ``dashboard.widgets``)
that the enabled plugins contribute."""
from flask import Blueprint, get_template_attribute, render_template
from markupsafe import Markup

from core.plugins import SlotItem
from core.rbac.access import require_permission

blueprint = Blueprint("dashboard", __name__, template_folder="templates")


@blueprint.route("/")
@require_permission("core.dashboard.view")
def index():
    return render_template("core/dashboard.html")


def kpi_tile(label, value, *, url=None, comparison=None, trend=None, scope=None, icon="graph-up",
             order=100) -> SlotItem:
    """A key figure for slot ``dashboard.kpis``, drawn by the ``kpi_tile`` macro of ``macros.html``.

    ``value`` is the formatted number; ``comparison`` a line under it, coloured
    by ``trend`` (``"up"``, ``"down"`` or None); ``scope`` whose figures these
    are ("Your customers", "Whole team"); ``url`` the list behind the number.
    """
    macro = get_template_attribute("macros.html", "kpi_tile")
    return SlotItem(Markup(macro(label, value, url, comparison, trend, scope, icon)), order)
