"""Routes of the service plugin, mounted under ``/service``."""
from flask import Blueprint

blueprint = Blueprint("service", __name__, template_folder="../templates")

from plugins.service.views import requests, workflow  # noqa: E402,F401  (routes)
