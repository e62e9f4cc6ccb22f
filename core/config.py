"""Configuration: defaults, then environment variables, then explicit overrides."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """A key from CRM_SECRET_KEY, else one generated once and kept under instance/.

    Several app servers must share one key: set CRM_SECRET_KEY on all of them.
    """
    if os.environ.get("CRM_SECRET_KEY"):
        return os.environ["CRM_SECRET_KEY"]
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load(app, overrides: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'crm.db'}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        CRM_PLUGINS=os.environ.get("CRM_PLUGINS"),
        CRM_PAGE_SIZES=(20, 50, 100),
        # Lists count their rows up to this bound and show "10,000+" beyond it (core/paging.py).
        CRM_COUNT_CAP=int(os.environ.get("CRM_COUNT_CAP", 10_000)),
        # A list's count is kept this long per process (past the cap; within it while its tables are unchanged):
        # Next, Previous, reloads skip it (core/kept_counts.py). 0: every page counts.
        CRM_COUNT_CAP_SECONDS=int(os.environ.get("CRM_COUNT_CAP_SECONDS", 30)),
        CRM_LOGIN_MAX_FAILURES=int(os.environ.get("CRM_LOGIN_MAX_FAILURES", 5)),
        CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT=int(os.environ.get("CRM_LOGIN_MAX_FAILURES_PER_ACCOUNT", 50)),
        CRM_LOGIN_MAX_FAILURES_PER_ADDRESS=int(os.environ.get("CRM_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)),
        CRM_LOGIN_WINDOW_MINUTES=int(os.environ.get("CRM_LOGIN_WINDOW_MINUTES", 15)),
        # A login ends after CRM_SESSION_HOURS, or CRM_REMEMBER_DAYS with "keep me logged in"
        # (enforced on the server, see core.auth.logins).
        CRM_SESSION_HOURS=int(os.environ.get("CRM_SESSION_HOURS", 8)),
        CRM_REMEMBER_DAYS=int(os.environ.get("CRM_REMEMBER_DAYS", 14)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_env_bool("CRM_COOKIE_SECURE", False),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=_env_bool("CRM_COOKIE_SECURE", False),
        # Redirect plain HTTP to HTTPS (behind a proxy that terminates TLS, set CRM_PROXIES too).
        CRM_FORCE_HTTPS=_env_bool("CRM_FORCE_HTTPS", False),
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE=os.environ.get("CRM_TIMEZONE", "Asia/Shanghai"),
        BOOTSTRAP_SERVE_LOCAL=True,
        CRM_PROXIES=int(os.environ.get("CRM_PROXIES", 0)),
        CRM_QUEUE_URL=os.environ.get("CRM_QUEUE_URL", ""),
        CRM_QUEUE_NAME=os.environ.get("CRM_QUEUE_NAME", "crm"),
        CRM_FILES_DIR=os.environ.get("CRM_FILES_DIR") or str(instance / "files"),
        CRM_JOB_DAYS=int(os.environ.get("CRM_JOB_DAYS", 7)),
        CRM_DIRECT_EXPORT_ROWS=int(os.environ.get("CRM_DIRECT_EXPORT_ROWS", 5000)),
        MAX_CONTENT_LENGTH=int(os.environ.get("CRM_MAX_UPLOAD_MB", 64)) * 1024 * 1024,
    )
    if overrides:
        app.config.update(overrides)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["CRM_SESSION_HOURS"])
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=app.config["CRM_REMEMBER_DAYS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
