"""The customer timeline: one history merged from every plugin, newest first, page by page.

Every source — this plugin's activities, orders and churn events, and whatever
other plugins contribute (opportunities, service requests) — answers the slot
``customers.timeline`` with ``TimelineEntry`` objects. The page merges them.

Paging is by position, not by offset: an entry's position is ``(when, source,
id)``, and a page asks every source for the entries just before the last one
shown. Each source reads at most one page of rows from an index on
``(customer, time)``, however long the history is, and an entry never
appears twice or goes missing when new ones arrive meanwhile.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import Date, and_, false, or_, true

from core.api import id_or_none, slot_items

SLOT = "customers.timeline"
PAGE_SIZE = 20


def _as_utc_datetime(value) -> datetime:
    """Timeline times are naive UTC datetimes, as the database stores them; a date is its day's 00:00."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    raise TypeError(f"A timeline entry needs a date or datetime, not {value!r}")


@dataclass(frozen=True, order=True)
class Position:
    """Where an entry sits in the timeline; a page continues after the last position shown."""

    when: datetime
    source: str
    id: int

    def token(self) -> str:
        return f"{self.when.isoformat()}~{self.source}~{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Position | None:
        """The position a ``before=`` token names, or None for a missing or malformed one (the first page)."""
        try:
            when, source, id_ = (token or "")[:200].split("~")
            when = datetime.fromisoformat(when).replace(tzinfo=None)
        except ValueError:
            return None
        id_ = id_or_none(id_)
        return cls(when, source, id_) if id_ is not None and source.isprintable() else None


@dataclass(frozen=True)
class TimelineEntry:
    """One event in a customer's history. Every text is plain text: the page escapes it.

    ``when`` is a date or a datetime (naive UTC, or aware); ``source`` names the
    kind of row (``"<plugin>.<thing>"``) and ``id`` its id — together they order
    events of the same moment. ``kind`` is the translated label shown in the
    margin, ``link`` a URL inside the CRM (or None), ``icon`` a Bootstrap Icons
    name, ``status`` an optional ``(code, label)`` badge, ``who`` the person.
    """

    when: datetime
    source: str
    id: int
    kind: str
    title: str
    detail: str = ""
    link: str | None = None
    icon: str = "circle"
    status: tuple[str, str] | None = None
    who: str = ""
    position: Position = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "when", _as_utc_datetime(self.when))
        object.__setattr__(self, "position", Position(self.when, self.source, self.id))

    @property
    def is_date_only(self) -> bool:
        return self.when.time() == time.min

    @property
    def safe_link(self) -> str | None:
        """``link`` if it is a path inside the CRM; a link elsewhere (``//host``, ``javascript:``) is dropped."""
        link = self.link or ""
        return link if link.startswith("/") and not link.startswith("//") and "\\" not in link else None


def timeline_query(stmt, when_column, id_column, source: str, position: Position | None, limit: int):
    """``stmt`` narrowed to the rows that come after ``position`` in the timeline, newest first, ``limit`` rows.

    ``when_column`` is a Date or DateTime column, ``id_column`` the row id;
    ``source`` is the ``TimelineEntry.source`` the rows become. With an index on
    ``(customer id, when_column)`` the database reads at most ``limit`` rows.
    """
    stmt = stmt.order_by(when_column.desc(), id_column.desc()).limit(limit)
    if position is None:
        return stmt
    if source < position.source:
        same_moment = true()             # at the same moment, a smaller source sorts after the position
    elif position.source == source:
        same_moment = id_column < position.id
    else:
        same_moment = false()
    if isinstance(when_column.type, Date):
        # A date is its day's 00:00: only a position at exactly 00:00 shares the moment.
        day = position.when.date()
        if position.when.time() != time.min:
            return stmt.where(when_column <= day)
        return stmt.where(or_(when_column < day, and_(when_column == day, same_moment)))
    return stmt.where(or_(when_column < position.when, and_(when_column == position.when, same_moment)))


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next: Position | None  # where the following (older) page starts; None on the last page


def page(customer, position: Position | None = None, size: int = PAGE_SIZE) -> TimelinePage:
    """One page of ``customer``'s timeline after ``position`` (None: the newest entries)."""
    entries = [entry for entry in slot_items(SLOT, customer=customer, before=position, limit=size + 1)
               if isinstance(entry, TimelineEntry) and (position is None or entry.position < position)]
    entries.sort(key=lambda entry: entry.position, reverse=True)
    shown = entries[:size]
    return TimelinePage(shown, shown[-1].position if len(entries) > size else None)
