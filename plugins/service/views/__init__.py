"""Routes of the service plugin, mounted under ``/service``."""
from flask import Blueprint

blueprint = Blueprint("service", __name__, template_folder="../templates")

from plugins.service.views import rating, requests, settings, workflow  # noqa: E402,F401  (routes)
