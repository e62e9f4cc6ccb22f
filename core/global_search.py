"""The top bar's search box: one term, results grouped by kind, each kind contributed by a plugin.

The core knows no plugin: the ``global_search(term, limit)`` hook asks every
enabled plugin, and each answers with ``SearchGroup``s of the records the current
user may see (its own permission check and data scope), found through its own
indexes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template, request

from core.i18n import _
from core.rbac.access import require_permission
from core.text_search import MAX_TERM, normalized

PER_GROUP = 10  # results per kind; a group may link to its full list


@dataclass
class SearchResult:
    """One record found: ``title`` links to ``url`` (a path inside the CRM); ``detail`` is plain text."""

    title: str
    url: str
    detail: str = ""


@dataclass
class SearchGroup:
    """The results of one kind (``label``: "Customers"), in ``order``; ``more_url`` lists them all."""

    label: str
    results: list[SearchResult] = field(default_factory=list)
    icon: str = "circle"
    order: int = 100
    more_url: str | None = None


def search_everything(term: str, limit: int = PER_GROUP) -> list[SearchGroup]:
    """Every enabled plugin's groups for ``term`` (already normalized), non-empty ones, in order."""
    groups: list[SearchGroup] = []
    for answer in current_app.extensions["crm"].pm.hook.global_search(term=term, limit=limit):
        groups.extend(answer if isinstance(answer, (list, tuple)) else [answer])
    for group in groups:  # links stay inside the CRM, as in the customer timeline
        group.results = [r for r in group.results if r.url.startswith("/") and not r.url.startswith("//")]
    return sorted((g for g in groups if g and g.results), key=lambda g: (g.order, str(g.label)))


blueprint = Blueprint("search", __name__, template_folder="templates")


@blueprint.route("/search")
@require_permission("core.search.use")
def results():
    raw = request.args.get("q", "")
    term, problem = normalized(raw), None
    if len(raw) > MAX_TERM:
        problem = _("Search for at most %(max)s characters.", max=MAX_TERM)
    elif not term:
        problem = _("Type a name, number, phone or e-mail to search for.")
    groups = [] if problem else search_everything(term)
    return render_template("core/search.html", term=term if not problem else raw[:MAX_TERM], problem=problem,
                           groups=groups)
