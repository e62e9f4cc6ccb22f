"""The customer's own rating link: signed, single-use, valid for 14 days, no login.

The token signs the request's id and its round. It is single-use without a
table of its own: once feedback on that round is recorded (by the customer or
by staff) the request is no longer handled in that round, and the token is
refused as used. The signature (the app's SECRET_KEY, a salt of its own)
makes a forged or altered token worthless; its timestamp makes it expire.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from plugins.service.models import HANDLED, ServiceRequest

SALT = "service.rating"
MAX_AGE = 14 * 24 * 3600  # seconds
VALID, USED, EXPIRED, INVALID = "valid", "used", "expired", "invalid"


@dataclass
class Token:
    state: str
    request_id: int | None = None
    round: int | None = None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(request: ServiceRequest) -> str:
    return _serializer().dumps({"r": request.id, "n": request.round})


def link_for(request: ServiceRequest) -> str:
    """The absolute link staff copy and send to the customer."""
    return url_for("service.rating", token=make_token(request), _external=True)


def read_token(token: str) -> Token:
    """The token's state; VALID still needs ``is_open`` against the request as stored now."""
    if not token or len(token) > 500:
        return Token(INVALID)
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        return Token(EXPIRED)
    except BadSignature:
        return Token(INVALID)
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("n"), int):
        return Token(INVALID)
    return Token(VALID, data["r"], data["n"])


def is_open(token: Token, request: ServiceRequest | None) -> bool:
    """Does the request still wait for feedback on the round the token was made for?"""
    return request is not None and request.status == HANDLED and request.round == token.round
