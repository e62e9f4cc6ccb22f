"""The report of a checked file: every bad row's problems, in the order of the file."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.api import _
from plugins.customers.importer.table import Table

MAX_REPORTED = 200  # errors listed in a report; the rest are only counted


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class Report:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add(self, line: int, column: str, message) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(RowError(line, column, str(message)))

    def check_extra(self, line: int, values: dict) -> bool:
        """False (and reported) when the row has more cells than the header."""
        if values.pop("__extra__", None):
            self.add(line, "", _("This row has more values than the header has columns."))
            return False
        return True

    def sort(self, table: Table) -> None:
        """Errors by line, then in the order of the file's columns."""
        position = {str(column.label): index for index, column in enumerate(table.columns)}
        self.errors.sort(key=lambda error: (error.line, position.get(error.column, -1)))
