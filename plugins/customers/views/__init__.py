"""Routes of the customers plugin, mounted under ``/customers``."""
from flask import Blueprint

blueprint = Blueprint("customers", __name__, template_folder="../templates")

from plugins.customers.views import activities, contacts, customers, orders  # noqa: E402,F401  (routes)
