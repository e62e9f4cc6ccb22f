"""Translation functions for the core and plugins (re-exported by ``core.api``)."""
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString


def translations():
    """The current locale's catalog (Flask-Babel's, loaded once per process).

    Flask-Babel finds it anew on every message through several context proxies
    (domain, locale, cache: ~20 proxy lookups), and a page translates hundreds of
    messages. It is kept in Flask-Babel's own per-context namespace beside the
    locale it belongs to, so ``force_locale`` and ``refresh`` (which replace that
    locale) are followed.
    """
    ctx = _cv_app.get(None)
    space = getattr(ctx.g, "_flask_babel", None) if ctx is not None else None
    kept = getattr(space, "crm_catalog", None)
    if kept is not None and kept[0] is getattr(space, "babel_locale", None):
        return kept[1]
    catalog = get_translations()  # selects the locale, if not yet done
    space = getattr(ctx.g, "_flask_babel", None) if ctx is not None else None
    if space is not None and getattr(space, "babel_locale", None) is not None:
        space.crm_catalog = (space.babel_locale, catalog)
    return catalog


def current_locale():
    """The request's locale, as Flask-Babel's ``get_locale()``, which finds it through several
    context proxies on each call: a list asks once per row (dates, dictionary labels)."""
    ctx = _cv_app.get(None)
    space = getattr(ctx.g, "_flask_babel", None) if ctx is not None else None
    locale = getattr(space, "babel_locale", None)
    return locale if locale is not None else get_locale()


def gettext(string: str, **variables) -> str:
    """``string`` translated, formatted with ``variables`` (as Flask-Babel's ``gettext``)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when shown, in the reader's language (labels defined at import time)."""
    return LazyString(gettext, string, **variables)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it: for texts translated later, per
    reader (``notify`` stores the English message and each recipient reads it in their language)."""
    return message


def install(jinja_env) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` through ``translations()`` (replacing Flask-Babel's)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)


__all__ = ["_", "N_", "current_locale", "gettext", "lazy_gettext", "ngettext"]
