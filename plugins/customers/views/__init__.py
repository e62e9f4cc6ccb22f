"""Routes of the customers plugin, mounted under ``/customers``."""
from flask import Blueprint

from plugins.customers import links

blueprint = Blueprint("customers", __name__, template_folder="../templates", static_folder="../static")


@blueprint.context_processor
def _link_helper():
    return {"link_href": links.href}


from plugins.customers.views import activities, contacts, customers, detail, follow_ups, orders  # noqa: E402,F401  (routes)
