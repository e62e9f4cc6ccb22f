"""An import's progress: reading and checking the file, then each step of saving it, on one bar.

The file's bytes measure the reading (for customers, also the saving: the
database saves each chunk while the next is checked, and the bar moves when a
chunk is saved). What follows is the database's work — a few set-based
statements over every row (orders: the inserts, their audit entries; both: the
commit) that report nothing while they run. So each step gets a share of the
bar in proportion to its time (measured for customers, estimated for orders)
and is named while it runs; the bar reaches 100 % only when the import is
committed.
"""
from __future__ import annotations

from typing import Callable

from core.api import _

Callback = Callable[[int, int, str], None]  # (done, total, what the import is doing now)

SCALE = 1000  # the bar's total: tenths of a percent


class ImportProgress:
    """Reports to ``callback`` as the file is read (``reading``) and as each of ``steps`` begins (``step``).

    ``steps`` maps each database step's key to (label, weight); ``reading`` is the
    weight of reading and checking the file. A weight is the step's share of an
    import's time (only their ratios count).
    """

    def __init__(self, callback: Callback | None, reading: float, steps: dict[str, tuple[object, float]]):
        self.callback = callback
        total = reading + sum(weight for _label, weight in steps.values())
        self.reading_share = reading / total
        self.steps, self.starts = {}, {}
        start = self.reading_share
        for key, (label, weight) in steps.items():
            self.steps[key], self.starts[key] = label, start
            start += weight / total
        self.rows = 0
        self.saving = False  # the database saves the chunks read so far (customers)

    def reading(self, position: int, size: int, rows: int) -> None:
        """``position`` of ``size`` bytes read, ``rows`` rows checked so far."""
        self.rows = rows
        share = self.reading_share * (position / size if size else 1)
        if self.saving:
            self._send(share, _("Reading, checking and saving the file: %(rows)s rows", rows=f"{rows:,}"))
        else:
            self._send(share, _("Reading and checking the file: %(rows)s rows", rows=f"{rows:,}"))

    def step(self, key: str) -> None:
        """The database step ``key`` begins; the bar stands at the share of the steps before it."""
        self._send(self.starts[key], _("Saving (%(step)s of %(steps)s): %(what)s", step=list(self.steps).index(key) + 1,
                                       steps=len(self.steps), what=self.steps[key]))

    def finished(self) -> None:
        self._send(1, _("Imported."))

    def _send(self, share: float, text: str) -> None:
        if self.callback:
            self.callback(min(SCALE, round(share * SCALE)), SCALE, text)
