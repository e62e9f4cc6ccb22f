"""Translation functions for the core and plugins (re-exported by ``core.api``)."""
from flask_babel import gettext, lazy_gettext, ngettext

_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it: for texts translated later, per
    reader (``notify`` stores the English message and each recipient reads it in their language)."""
    return message


__all__ = ["_", "N_", "gettext", "lazy_gettext", "ngettext"]
