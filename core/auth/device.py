"""The "trusted device" cookie: a browser that has logged in to an account before.

A signed cookie holding a random browser id and the login names that logged in
from it. The login throttle counts such a browser's attempts for those names on
a counter of its own (see ``core.auth.throttle``), so an attacker guessing the
same account elsewhere cannot hold its owner back. Stealing the cookie gains
nothing but the pair's own limit.
"""
from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "crm_device"
MAX_AGE_DAYS = 365
MAX_NAMES = 5


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="crm-trusted-device")


def _read() -> dict:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 2000:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("u"), list) else {}


def trusted_id(username: str) -> str | None:
    """This browser's id if ``username`` has logged in from it before, else None."""
    data = _read()
    return str(data.get("n")) if username.lower() in data.get("u", []) else None


def trust(response, username: str):
    """Add ``username`` to this browser's cookie (a successful login)."""
    data = _read()
    names = [name for name in data.get("u", []) if name != username.lower()] + [username.lower()]
    value = _serializer().dumps({"n": data.get("n") or secrets.token_urlsafe(16), "u": names[-MAX_NAMES:]})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
