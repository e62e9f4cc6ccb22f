"""Working time on the business calendar: working days and hours, holidays, make-up working days.

All times given and returned are naive UTC, as stored; the calendar itself is
read in ``CRM_TIMEZONE`` (09:00 means 09:00 in Beijing). A day is a working day
when it is a make-up working day (调休), or a working weekday that is not a
holiday. Arithmetic is done in UTC, so a daylight-saving change inside a working
day counts the hours the clock really ran.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

MAX_DAYS = 3 * 366  # a target further away than this is a calendar without working days


class NoWorkingTime(ValueError):
    """The calendar has no working day within ``MAX_DAYS``."""


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, 1 = Monday
    start: time = time(9)
    end: time = time(18)
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # make-up working days

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of ``day`` as naive UTC (start, end), or None on a day off."""
        if not self.is_working_day(day):
            return None
        return _utc(datetime.combine(day, self.start, self.tz)), _utc(datetime.combine(day, self.end, self.tz))

    def _local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=timezone.utc).astimezone(self.tz).date()

    def add(self, moment: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of working time after ``moment`` (both naive UTC)."""
        left = timedelta(seconds=seconds)
        day = self._local_day(moment)
        for _ in range(MAX_DAYS):
            hours = self.window(day)
            if hours is not None and moment < hours[1]:
                begin = max(moment, hours[0])
                if left <= hours[1] - begin:
                    return begin + left
                left -= hours[1] - begin
            day += timedelta(days=1)
        raise NoWorkingTime(f"no working time within {MAX_DAYS} days of {moment}")

    def between(self, start: datetime, end: datetime) -> int:
        """Working seconds from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0
        total = timedelta()
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            hours = self.window(day)
            if hours is not None:
                overlap = min(end, hours[1]) - max(start, hours[0])
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return int(total.total_seconds())


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
