"""Flask extensions, the locale, template helpers and error pages."""
from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

from flask import current_app, has_request_context, render_template, request, session, url_for
from babel import Locale
from flask_babel import Babel, format_decimal, get_locale
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager, current_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import IntegerConverter

from core import formatting
from core.config import LANGUAGES
from core.db import db
from core import i18n
from core.i18n import _, lazy_gettext as _l
from core.listing import MAX_ID, query_args
from core.rbac.access import can, principal

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"
csrf = CSRFProtect()
talisman = Talisman()

# What the pages load: scripts only from the CRM's own static files (no inline script, no eval, no event
# handler attributes), styles from its files plus inline style attributes and the <style> of the
# server-drawn SVG charts; images from the CRM and data: URIs (Bootstrap's form icons); nothing framed.
QUERY_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode)
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
babel = Babel()
bootstrap = Bootstrap5()


@login_manager.user_loader
def _load_user(token: str):
    """The user of the unexpired login this cookie names (see ``core.auth.logins``), if still active."""
    from core.auth import logins

    user = logins.user_of(token)
    if user is None or not user.active:
        return None
    user.login_token = token
    return user


def select_locale() -> Locale:
    """The user's choice, else the session's, else the browser's Accept-Language."""
    if not has_request_context():
        code = "en"  # commands and jobs
    elif current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        code = current_user.language
    elif session.get("language") in LANGUAGES:
        code = session["language"]
    else:
        best = request.accept_languages.best_match(["en", "zh-CN", "zh"])
        code = "zh_CN" if best and best.startswith("zh") else "en"
    locale = Locale.parse(code)
    # Babel adds the script (zh_CN -> zh_Hans_CN), which would miss the zh_CN
    # catalogs; its locale data stays loaded either way.
    locale.script = None
    return locale


def translation_directories(host) -> list[str]:
    dirs = [str(Path(__file__).parent / "translations")]
    for info in host.enabled[1:]:
        module_file = getattr(info.obj, "__file__", None) or getattr(type(info.obj), "__module__", "")
        folder = getattr(info.obj, "translations_dir", None)
        if folder is None and module_file and module_file.endswith(".py"):
            folder = Path(module_file).parent / "translations"
        if folder and Path(folder).is_dir():
            dirs.append(str(folder))
    return dirs


def slot_items(slot: str, **context) -> list:
    """Everything the enabled plugins return for ``slot``, flattened, in no particular order.

    For slots whose items are data rather than HTML (the customer timeline's
    entries, say): the page that offers the slot decides how to merge them.
    """
    items = []
    for result in current_app.extensions["crm"].pm.hook.template_slot(slot=slot, context=context):
        items.extend(result if isinstance(result, (list, tuple)) else [result])
    return items


def render_slot(slot: str, **context) -> Markup:
    """HTML the enabled plugins contribute to ``slot``, in their ``order``."""
    items = sorted(slot_items(slot, **context), key=lambda item: item.order)
    return Markup("").join(Markup(item.html) for item in items)


# status_badge's colours of the statuses plugins share (templates/macros.html); a page passes others in.
STATUS_COLORS = {"normal": "success", "active": "success", "paid": "success", "won": "success", "archived": "secondary",
                 "warning": "warning", "postponed": "info", "unpaid": "warning", "new": "primary", "assigned": "info",
                 "handled": "primary", "lost": "danger", "deleted": "dark", "inactive": "secondary"}


def status_badge(status: str, label, colors: dict | None = None) -> Markup:
    """A coloured badge for a status code and its label (templates/macros.html's ``status_badge``):
    ``colors`` ({code: Bootstrap colour}) overrides STATUS_COLORS, an unknown code is grey."""
    color = (colors or {}).get(status) or STATUS_COLORS.get(status, "secondary")
    # escape() and one f-string: Markup's % wraps each argument in a helper object, 3 times the cost.
    return Markup(f'<span class="badge text-bg-{escape(color)}">{escape(label)}</span>')


class MenuLink(NamedTuple):
    endpoint: str
    url: str
    icon: str
    label: str


def sidebar() -> Markup:
    """The menu's sections with the items the current user may open, as HTML, the current page's item marked.

    Built once per process for each combination of the items granted, the language, the script
    root and the page, then kept: the menu is fixed when the app is created, and building it (a
    permission check, a URL, a translation and a few escapes per item) cost every page."""
    items = current_app.extensions["crm"].menu_items
    granted = tuple(can(item.permission) for item in items)
    key = (granted, str(get_locale()), request.script_root, request.endpoint)
    menus = current_app.extensions.setdefault("crm.menus", {})
    menu = menus.get(key)
    if menu is None:
        sections: dict[str, list] = {}
        for item in (item for item, shown in zip(items, granted) if shown):
            sections.setdefault(str(item.section or ""), []).append(
                MenuLink(item.endpoint, url_for(item.endpoint), item.icon, str(item.label)))
        html = []
        for section, links in sections.items():
            if section:
                html.append(Markup('<div class="text-uppercase text-muted small fw-semibold mt-3 px-2">%s</div>')
                            % section)
            for link in links:
                active = " active fw-semibold" if link.endpoint == request.endpoint else ""
                html.append(Markup('<a class="nav-link px-2 py-1%s" href="%s"><i class="bi bi-%s"></i> %s</a>')
                            % (active, link.url, link.icon, link.label))
        menu = menus[key] = Markup("\n").join(html)
    return menu


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = query_args()
    args.update(changes)
    args = {k: v for k, v in args.items() if v is not None and v != ""}
    view_args = request.view_args or {}
    if any(key.startswith("_") or key in view_args for key in changes):
        return url_for(request.endpoint, **view_args, **args)
    # A list page links to itself a dozen times (sorts, pages, export): its path is built once, and
    # the query encoded as Werkzeug's url_for encodes it.
    # (Kept on the request, not on g: a test's app context outlives its requests.)
    path = getattr(request, "crm_page_path", None)
    if path is None:
        path = request.crm_page_path = url_for(request.endpoint, **view_args)
    return f"{path}?{urlencode(args, safe=QUERY_SAFE)}" if args else path


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id beyond the INTEGER columns' range is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


def refuse_nul():
    """No request may carry a NUL character (path, query, form or JSON): nobody types one,
    PostgreSQL cannot store or even compare one in text, so it is refused before any view sees it."""
    sources = [request.path, list(request.args.items(multi=True))]
    if request.method not in ("GET", "HEAD"):
        sources += [list(request.form.items(multi=True)),
                    [file.filename for file in request.files.values()]]
        if request.is_json:
            sources.append(request.get_json(silent=True))
    if _has_nul(sources):
        return render_template("errors.html", code=400, title=_l("Invalid characters"),
                               message=_l("The request contains a NUL character, which no text may hold. "
                                          "Remove it and try again.")), 400
    return None


def no_store(response):
    """Pages, exports and downloads hold personal data: no browser or proxy keeps a copy
    (the back button after logout shows nothing). Static files stay cacheable."""
    if not (request.endpoint or "").endswith("static"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(code: int, title, message):
    def handler(error):
        db.session.rollback()
        return render_template("errors.html", code=code, title=title, message=message), code
    return handler


DISCARD_SECONDS = 10  # how long a refused upload's remaining body is read and dropped, at most


def _too_large(error):
    """413, a request over ``MAX_CONTENT_LENGTH`` (an upload): a page saying the limit.

    The body is refused before any of it is read; the rest of it is read and
    dropped in blocks (for a few seconds at most, nothing kept) so that the
    browser, still sending, receives this page rather than a reset connection.
    """
    db.session.rollback()
    stream, remaining = request.environ.get("wsgi.input"), request.content_length or 0
    deadline = time.monotonic() + DISCARD_SECONDS
    while stream is not None and remaining > 0 and time.monotonic() < deadline:
        block = stream.read(min(remaining, 1 << 16))
        if not block:
            break
        remaining -= len(block)
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    return render_template("errors.html", code=413, title=_("File too large"), message=_(
        "The file is larger than %(size)s MB, the most this server accepts. Split it into smaller files "
        "and upload them one by one.", size=limit)), 413


def init_app(app, host) -> None:
    app.url_map.converters["int"] = RecordIdConverter  # before any blueprint adds its rules
    app.before_request(refuse_nul)  # first: before the CSRF check and any view reads the request
    # Security headers (flask-talisman): CSP, X-Frame-Options DENY, nosniff, a referrer policy, HSTS on
    # HTTPS requests; redirect to HTTPS only with CRM_FORCE_HTTPS. The cookies keep core.config's settings.
    talisman.init_app(
        app, force_https=app.config["CRM_FORCE_HTTPS"], frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.after_request(no_store)
    login_manager.init_app(app)
    principal.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=";".join(translation_directories(host)))
    i18n.install(app.jinja_env)
    from core.notifications.views import bell

    app.jinja_env.globals.update(
        notification_bell=bell, can=can, render_slot=render_slot, sidebar=sidebar, url_with=url_with, query_args=query_args,
        languages=LANGUAGES, get_locale=get_locale, format_decimal=format_decimal, status_badge=status_badge,
    )
    formatting.init_app(app)  # format_date, format_datetime, format_money and the filters
    app.register_error_handler(403, _error_page(403, _l("Access denied"),
                                                 _l("You do not have permission to open this page.")))
    app.register_error_handler(404, _error_page(404, _l("Page not found"),
                                                 _l("The page or record does not exist, or you may not see it.")))
    app.register_error_handler(413, _too_large)
    app.register_error_handler(500, _error_page(500, _l("Something went wrong"),
                                                 _l("The error was logged. Please try again later.")))
    # Two saves racing past the form's version check: the database refuses the second.
    app.register_error_handler(StaleDataError, _error_page(409, _l("Changed by someone else"),
                                                           _l("Someone else saved this record while you were editing it. Reload it and make your change again.")))
    app.register_error_handler(CSRFError, _error_page(400, _l("Form expired"),
                                                      _l("The form was too old or incomplete. Go back, reload the page and try again.")))
