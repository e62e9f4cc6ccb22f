"""The CRM host application: ``create_app`` wires the core and the enabled plugins."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None, extra_plugins: list | None = None) -> Flask:
    """Build the application.

    ``config`` overrides settings (see ``core.config``); ``extra_plugins`` adds
    plugin objects that are not installed as packages, which tests use.
    """
    from core import cli, queue
    from core import config as settings
    from core import web
    from core.builtin import CorePlugin
    from core.db import db
    from core.plugins import PluginHost
    from core import audit, cache, events, numbers  # noqa: F401  (listeners, tables)
    from core.auth import logins, throttle  # noqa: F401  (tables)
    from core.rbac import models  # noqa: F401  (tables)
    from core.jobs import models as _jobs  # noqa: F401  (table)
    from core.notifications import mail as notification_mail
    from core.notifications import models as _notifications  # noqa: F401  (table)

    app = Flask("core", root_path=str(ROOT / "core"), instance_path=str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"))
    settings.load(app, config)
    if app.config["CRM_PROXIES"]:
        # Behind N reverse proxies: take the client address and scheme from their headers
        # (the login rate limit counts per client address).
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["CRM_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    host = PluginHost.start(CorePlugin(), app.config["CRM_PLUGINS"], extra_plugins)
    app.extensions["crm"] = host
    db.init_app(app)
    queue.check(app.config)
    app.extensions["crm_queue"] = queue.Deferred(lambda: _queue(app))
    notification_mail.configure(app)
    web.init_app(app, host)
    for plugin, blueprint in host.blueprints():
        prefix = "" if plugin == "core" else f"/{plugin}"
        app.register_blueprint(blueprint, url_prefix=prefix + (blueprint.url_prefix or ""))
    cli.register(app)
    return app


def _queue(app):
    """The app's Huey queue with its tasks (``core.queue.Deferred`` builds it at its first use)."""
    from core import queue
    from core.notifications import mail

    huey = queue.create(app.config, app.instance_path)
    queue.register_tasks(huey, app)
    mail.register_task(huey, app)
    return huey
