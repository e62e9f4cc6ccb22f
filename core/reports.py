"""The report contract: a plugin describes a report, the reports plugin renders it.

A report is one aggregate SQL statement over the owning plugin's tables,
already narrowed to the current user's data scope, plus what a renderer needs
to show it: typed columns, a chart and a filter form. The owner keeps its
models to itself; the renderer runs the statement and never imports them.

    Report(
        key="notes.per_month", title=_l("Notes per month"), section=_l("Notes"),
        permission="notes.report.view",
        columns=(Column("month", _l("Month"), "text"), Column("notes", _l("Notes"), "integer")),
        query=notes_per_month,              # query(form) -> Select labelled month, notes
        filters=NotesReportFilter,          # a FilterForm subclass, or None
        chart=Chart("bar", label="month", values=("notes",)),
    )
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

COLUMN_TYPES = ("text", "integer", "money", "percent", "date")
CHART_KINDS = ("bar", "hbar", "pie", "line")


@dataclass(frozen=True)
class Column:
    """One column of the report's statement, found by the label ``key``.

    ``type`` tells renderers how to show and export it: ``money`` is a Decimal
    with two places, ``percent`` a number from 0 to 100, ``date`` a date.
    ``labels``, for coded values, returns ``{code: label}``; it is called once
    per rendering, in the user's language. ``link``, given the row (a mapping
    of the statement's columns), returns a URL inside the CRM that the cell
    links to on the page (e.g. the list behind a count), or None.
    """

    key: str
    label: Any
    type: str = "text"
    labels: Callable[[], dict] | None = None
    link: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class Chart:
    """A chart of the rows: ``label`` names the column of categories, ``values`` the numbers drawn."""

    kind: str
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """A report a plugin contributes through ``register_reports``.

    ``query(form)`` gets the validated ``filters`` form (or None) and returns one
    ``Select`` whose result columns are labelled with the columns' keys. It must
    apply the user's data scope itself (``scoped`` or a service of the plugin
    that owns the rows) and aggregate in SQL. ``export_permission`` None means
    the renderer's own export permission applies.
    """

    key: str
    title: Any
    section: Any
    permission: str
    columns: tuple[Column, ...]
    query: Callable[[Any], Any]
    filters: type | None = None
    chart: Chart | None = None
    export_permission: str | None = None
    description: Any = ""
    order: int = 100
    plugin: str = ""

    def problem(self, plugin: str) -> str | None:
        """Why ``plugin`` may not register this report, or None."""
        if not self.key.startswith(plugin + "."):
            return f"prefix its key with '{plugin}.'"
        keys = {column.key for column in self.columns}
        if not keys:
            return "give it at least one column"
        for column in self.columns:
            if column.type not in COLUMN_TYPES:
                return f"give column '{column.key}' one of the types {', '.join(COLUMN_TYPES)}"
        if self.chart is not None:
            if self.chart.kind not in CHART_KINDS:
                return f"give its chart one of the kinds {', '.join(CHART_KINDS)}"
            missing = ({self.chart.label} | set(self.chart.values)) - keys
            if missing or not self.chart.values:
                return "draw its chart from its own columns"
        return None
