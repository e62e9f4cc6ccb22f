"""Routes of the basedata plugin, mounted under ``/basedata``."""
from flask import Blueprint

blueprint = Blueprint("basedata", __name__, template_folder="../templates")

from plugins.basedata.views import dictionary, products, stock  # noqa: E402,F401  (routes)
