"""Notification links point at this CRM only: a path, never another host or a script."""
from __future__ import annotations

import re

from flask import current_app, has_request_context, url_for

# A path on this host: one leading slash, not "//host" or "/\host" (browsers read both as a host),
# no scheme, no control characters or spaces.
_LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s\x00-\x1f\x7f\\]*$")
MAX_LINK = 500


def is_local(link: str) -> bool:
    return isinstance(link, str) and len(link) <= MAX_LINK and bool(_LOCAL_PATH.match(link))


def checked_link(link) -> str:
    """``link`` itself when it is a path on this host (or empty); otherwise ValueError."""
    link = link or ""
    if link and not is_local(link):
        raise ValueError("A notification link must be a path on this CRM, e.g. /customers/12, "
                         f"not {link[:80]!r}.")
    return link


def link_to(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a path, also outside a request (periodic jobs, commands)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)
