"""Translation functions for the core and plugins (re-exported by ``core.api``)."""
from flask_babel import gettext, lazy_gettext, ngettext

_ = gettext

__all__ = ["_", "gettext", "lazy_gettext", "ngettext"]
