"""Routes of the marketing plugin, mounted under ``/marketing``."""
from flask import Blueprint

blueprint = Blueprint("marketing", __name__, template_folder="../templates", static_folder="../static",
                      static_url_path="/static")

from plugins.marketing.views import opportunities, pipeline, plans, stages, workflow  # noqa: E402,F401  (routes)
