"""System management: users, roles and permissions, audit log, plugins."""
from flask import Blueprint

blueprint = Blueprint("admin", __name__, url_prefix="/admin", template_folder="../templates")

from core.admin import audit, plugins, roles, users  # noqa: E402,F401  (routes)
