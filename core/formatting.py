"""One way to show money, dates and times, per language: the template filters and ``core.api`` functions.

- money: two decimals and thousands separators (``1,234,567.80``), ``¥`` in front when a currency is shown;
- a date: ``Nov 29, 2026`` / ``2026年11月29日``; a time: the date and ``HH:mm`` in the CRM's time zone
  (times are stored in UTC), never seconds or microseconds;
- CSV files use ISO (``2026-11-29``, ``2026-11-29T16:05:00``), whatever the language.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale, dates
from flask_babel import format_datetime as babel_datetime

from core.i18n import current_locale
from core.localtime import to_local

# (date pattern, date-time pattern) per language; the default is English's.
PATTERNS = {"zh_CN": ("y年M月d日", "y年M月d日 HH:mm"), "en": ("MMM d, y", "MMM d, y, HH:mm")}
_NAMED = {"short", "medium", "long", "full", None}


def _patterns() -> tuple[str, str]:
    return PATTERNS.get(str(current_locale() or "en"), PATTERNS["en"])


def format_money(value, currency: bool = False) -> str:
    """``1,234.50`` (``¥1,234.50`` with ``currency``); '' for None, the text itself if it is no number."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    text = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{text}" if currency else f"{sign}{text}"


def format_date(value, format: str | None = None) -> str:
    """A date (or the local day of a UTC time) in the language's one date style."""
    if value is None or value == "":
        return ""
    if format in _NAMED:  # the language's pattern: date fields only, so one text per day
        if isinstance(value, datetime):
            value = to_local(value).date()
        locale = current_locale()
        return _day(value, PATTERNS.get(str(locale or "en"), PATTERNS["en"])[0], locale)
    if isinstance(value, datetime):
        return babel_datetime(value, format)  # converted to the CRM's time zone first
    return babel_datetime(datetime.combine(value, datetime.min.time()), format, rebase=False)


@lru_cache(maxsize=4096)
def _day(day: date, pattern: str, locale: Locale) -> str:
    """Formatting a date with Babel costs tens of microseconds, a list shows one per row, and
    rows share days: each day's text is kept."""
    return dates.format_date(day, pattern, locale=locale)


def format_datetime(value, format: str | None = None) -> str:
    """A stored (naive UTC) time in the CRM's time zone, in the language's one date-time style."""
    if value is None or value == "":
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value)
    return babel_datetime(value, format if format not in _NAMED else _patterns()[1])


def iso(value) -> str:
    """How CSV files write dates and times: ISO 8601, seconds at most."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def init_app(app) -> None:
    app.jinja_env.globals.update(format_date=format_date, format_datetime=format_datetime,
                                 format_money=format_money)
    app.jinja_env.filters.update(money=format_money, date=format_date, datetime=format_datetime)
