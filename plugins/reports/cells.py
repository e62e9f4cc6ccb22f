"""A report's result rows as typed values (exports) and as display text (the page), per column type."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import format_date, format_decimal

from core.api import Report

CENT = Decimal("0.01")


def _date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None:
        return value
    try:  # SQLite returns computed dates as text
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _decimal(value, places=CENT):
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(places)
    except InvalidOperation:
        return None


class Cells:
    """Turns rows of ``report`` into typed values, with coded values replaced by their labels.

    Built once per rendering: each column's ``labels()`` runs once, not per row.
    """

    def __init__(self, report: Report):
        self.columns = report.columns
        self.labels = [column.labels() if column.labels else None for column in self.columns]

    def typed(self, row) -> list:
        """Python values for an export: int, Decimal (2 places for money), date, or text."""
        values = []
        for column, labels, value in zip(self.columns, self.labels, self._values(row)):
            if column.type == "integer":
                values.append(None if value is None else int(value))
            elif column.type == "money":
                values.append(_decimal(value))
            elif column.type == "percent":
                values.append(_decimal(value, Decimal("0.1")))
            elif column.type == "date":
                values.append(_date(value))
            else:
                text = "" if value is None else str(value)
                values.append(str(labels.get(text, text)) if labels else text)
        return values

    def shown(self, typed: list) -> list[str]:
        """Display text of typed values in the user's language."""
        texts = []
        for column, value in zip(self.columns, typed):
            if value is None or value == "":
                texts.append("—" if column.type != "text" else "")
            elif column.type == "integer":
                texts.append(format_decimal(value, format="#,##0"))
            elif column.type == "money":
                texts.append(format_decimal(value, format="#,##0.00"))
            elif column.type == "percent":
                texts.append(format_decimal(value, format="#,##0.0") + " %")
            elif column.type == "date":
                texts.append(format_date(value, "medium"))
            else:
                texts.append(value)
        return texts

    def _values(self, row):
        mapping = row._mapping
        return [mapping.get(column.key) for column in self.columns]
