"""Website, phone and e-mail values as safe links: only http(s)://, tel: and mailto:, anything else stays text.

Stored values may come from imports or older versions with other rules, so the
page decides again at display time rather than trusting what was saved.
"""
from __future__ import annotations

import re

_WEB = re.compile(r"^https?://[\w\-]+(\.[\w\-]+)+(:\d{1,5})?([/?#][^\s<>\"'`]*)?$", re.IGNORECASE)
_BARE_DOMAIN = re.compile(r"^[\w\-]+(\.[\w\-]+)+(:\d{1,5})?([/?#][^\s<>\"'`]*)?$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,28}[0-9]$")
_EMAIL = re.compile(r"^[^@\s<>\"'`:/]+@[\w\-]+(\.[\w\-]+)+$")


def website_href(value: str | None) -> str | None:
    """``http(s)://...`` as it is, a bare ``www.example.cn`` with ``http://``; anything else None."""
    value = (value or "").strip()
    if _WEB.match(value):
        return value
    if _BARE_DOMAIN.match(value):
        return "http://" + value
    return None


def phone_href(value: str | None) -> str | None:
    value = (value or "").strip()
    return "tel:" + re.sub(r"[^0-9+]", "", value) if _PHONE.match(value) else None


def email_href(value: str | None) -> str | None:
    value = (value or "").strip()
    return "mailto:" + value if _EMAIL.match(value) else None


HREFS = {"web": website_href, "tel": phone_href, "mail": email_href}


def href(kind: str, value: str | None) -> str | None:
    """The link for ``value`` of ``kind`` (``web``, ``tel`` or ``mail``), or None to show it as text."""
    return HREFS[kind](value)
