"""Reading a CSV file: its encoding, its header mapped to the known columns, its rows."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale

from core.api import _

ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM, then GBK (gb18030 is its superset)


class ImportRefused(Exception):
    """The whole file is refused for a reason that is no single row's (encoding, columns, database)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column must be in the header
    help: Any = ""

    def spellings(self) -> list[str]:
        """Header names accepted besides the key: the label in English and in the user's language, aliases."""
        with force_locale("en"):
            english = str(self.label)
        return list(dict.fromkeys([english, str(self.label), *self.aliases]))

    def names(self) -> set[str]:
        return {_normal(name) for name in (self.key, *self.spellings())}


@dataclass
class Table:
    """The decoded rows of a file: (line number, {column key: stripped text})."""

    columns: list[Column]
    rows: list[tuple[int, dict[str, str]]]

    def label(self, key: str) -> str:
        return next((str(c.label) for c in self.columns if c.key == key), key)


def _normal(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode "fine" but hold NUL characters
            return text
        break
    raise ImportRefused(_("The file is neither UTF-8 nor GBK text. Save it from your spreadsheet as "
                          "\"CSV UTF-8\" and try again."))


def read_table(data: bytes, columns: list[Column]) -> Table:
    """Decode a CSV file and map its header to ``columns``; refuse missing, unknown or repeated columns."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ImportRefused(_("The file is empty."))
        lookup = {name: column for column in columns for name in column.names()}
        keys, unknown = [], []
        for cell in header:
            column = lookup.get(_normal(cell))
            if column is None:
                unknown.append(cell.strip())
            keys.append(column.key if column else None)
        problems = []
        missing = [str(c.label) for c in columns if c.required and c.key not in keys]
        if missing:
            problems.append(_("Missing column(s): %(names)s.", names=", ".join(missing)))
        if unknown:
            problems.append(_("Unknown column(s): %(names)s.", names=", ".join(unknown)))
        repeated = sorted({str(c.label) for c in columns if keys.count(c.key) > 1})
        if repeated:
            problems.append(_("Repeated column(s): %(names)s.", names=", ".join(repeated)))
        if problems:
            raise ImportRefused(" ".join(problems) + " " + _("See the list of columns on the import page."))
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            values = {key: cell.strip() for key, cell in zip(keys, cells)}
            if len(cells) > len(keys):
                values["__extra__"] = "x"
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ImportRefused(_("The file is not valid CSV (line %(line)s: %(error)s).",
                              line=reader.line_num, error=exc)) from exc
    if not rows:
        raise ImportRefused(_("The file has a header but no rows."))
    return Table(columns, rows)
