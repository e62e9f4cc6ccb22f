"""The report of a checked file: every bad row's problems, in the order of the file."""
from __future__ import annotations

import heapq
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
    """The number imported, or the errors: all counted, those of the first ``MAX_REPORTED`` lines kept.

    Errors may come in more than one pass over the file (each row's checks, then
    the duplicates over the whole file), so the kept ones are the lowest lines so far.
    """

    imported: int = 0
    error_count: int = 0
    _kept: list = field(default_factory=list, repr=False)  # a heap: (-line, -order, RowError)
    _position: dict = field(default_factory=dict, repr=False)

    def add(self, line: int, column: str, message) -> None:
        self.error_count += 1
        entry = (-line, -self.error_count, RowError(line, column, str(message)))
        if len(self._kept) < MAX_REPORTED:
            heapq.heappush(self._kept, entry)
        elif entry[:2] > self._kept[0][:2]:
            heapq.heapreplace(self._kept, entry)

    def merge(self, other: Report) -> None:
        """Add ``other``'s errors, found apart (a chunk checked in another thread): its kept ones in the
        order it found them, the rest only counted."""
        for _line, _order, error in sorted(other._kept, key=lambda entry: (-entry[0], -entry[1])):
            self.add(error.line, error.column, error.message)
        self.error_count += other.error_count - len(other._kept)

    @property
    def errors(self) -> list[RowError]:
        """The kept errors by line, then in the order of the file's columns (after ``sort``) or as found."""
        kept = sorted(self._kept, key=lambda entry: (-entry[0], self._position.get(entry[2].column, -1), -entry[1]))
        return [error for *_order, error in kept]

    def check_extra(self, line: int, values: dict) -> bool:
        """False (and reported) when the row has more cells than the header."""
        if values.pop("__extra__", None):
            self.add(line, "", _("This row has more values than the header has columns."))
            return False
        return True

    def sort(self, table: Table) -> None:
        """Errors by line, then in the order of the file's columns."""
        self._position = {str(column.label): index for index, column in enumerate(table.columns)}
