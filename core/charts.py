"""Charts as SVG drawn on the server (pygal): they need no JavaScript, print well and load nothing from outside.

    svg_chart("bar", ["2026-01", "2026-02"], [(_("Sales"), [1200, 900])])

The SVG is meant to be put inline in a page. pygal adds a tooltip script that
it would load from the internet and an inline configuration script; both are
left out, as are its comments (they name pygal's web site), so the markup holds
no reference to anything outside the CRM.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from functools import cache, lru_cache

from markupsafe import Markup

from core.i18n import current_locale

KINDS = {"bar": "Bar", "hbar": "HorizontalBar", "pie": "Pie", "line": "Line"}  # pygal's chart classes

# System fonts that hold Chinese glyphs first, so labels in zh_CN never show as boxes.
FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", '
         '"Helvetica Neue", Arial, sans-serif')


@cache
def _style():
    """pygal's look for the CRM (pygal is imported on first use: the app starts without drawing a chart)."""
    from pygal.style import Style

    return Style(
        background="transparent", plot_background="transparent", foreground="#343a40",
        foreground_strong="#212529", foreground_subtle="#adb5bd", opacity=".85", opacity_hover=".95",
        colors=("#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#ffc107",
                "#6c757d", "#d63384"),
        font_family=FONTS, label_font_family=FONTS, major_label_font_family=FONTS, value_font_family=FONTS,
        value_label_font_family=FONTS, tooltip_font_family=FONTS, title_font_family=FONTS, legend_font_family=FONTS,
        label_font_size=13, major_label_font_size=13, legend_font_size=13, value_font_size=12,
    )


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _number(value) -> float:
    if value is None:
        return 0.0
    return float(value) if isinstance(value, (int, float, Decimal)) else 0.0


def _room_for_wide_labels(kind: str, categories: list[str]) -> dict:
    """pygal sizes label space for Latin letters; Chinese characters are about twice as wide.
    Give the labels the room they lack, so they are not cut off at the chart's edge."""
    shown = [category[:24] for category in categories] or [""]
    missing = max(sum(unicodedata.east_asian_width(char) in "WF" for char in label) for label in shown) * 7
    if kind == "hbar":
        return {"margin_left": 8 + missing}
    if kind in ("bar", "line") and len(categories) > 6:  # rotated labels under the axis
        return {"margin_bottom": 8 + missing // 2}
    return {}


def compact_number(value) -> str:
    """A short number for axes and bar labels in the user's language (1.2M, 120万); tables show exact ones."""
    from babel.numbers import format_compact_decimal
    from flask_babel import get_locale

    return format_compact_decimal(value, format_type="short", fraction_digits=1, locale=get_locale() or "en")


def svg_chart(kind: str, categories: Sequence, series: Sequence[tuple], *, height: int = 360,
              formatter=None) -> Markup:
    """An SVG chart of ``series`` (``[(name, values)]``, one value per category) over ``categories``.

    ``kind`` is ``bar``, ``hbar``, ``pie`` or ``line``; a pie draws the first
    series, one slice per category. ``formatter`` turns a value into the text
    shown on the chart (values on bars, the value axis); by default a compact number.
    """
    categories = tuple(str(category) for category in categories)
    series = tuple((str(name), tuple(_number(value) for value in values)) for name, values in series)
    if formatter is None:
        return _drawn(kind, categories, series, height, str(current_locale()))
    return _draw(kind, categories, series, height, formatter)


@lru_cache(maxsize=64)
def _drawn(kind: str, categories: tuple, series: tuple, height: int, locale: str) -> Markup:
    """The same chart is asked for again and again (each manager's dashboard, a report until its data
    changes): drawing it is most of a dashboard's CPU, so the last charts drawn are kept, by their data
    and the language of their numbers."""
    return _draw(kind, categories, series, height, compact_number)


def _draw(kind: str, categories: tuple, series: tuple, height: int, formatter) -> Markup:
    if kind == "hbar":  # pygal draws the first category at the bottom; read from the top instead
        categories = categories[::-1]
        series = tuple((name, values[::-1]) for name, values in series)
        height = max(height, 80 + 26 * len(categories) * max(1, len(series)))
    import pygal

    chart = getattr(pygal, KINDS[kind])(
        style=_style(), js=[], disable_xml_declaration=True, height=height, width=800,
        show_legend=kind == "pie" or len(series) > 1, legend_at_bottom=True,
        truncate_label=24, truncate_legend=30, x_label_rotation=30 if kind in ("bar", "line") and len(categories) > 6 else 0,
        print_values=kind != "line" and len(categories) <= 6, margin=8, spacing=12, **_room_for_wide_labels(kind, categories),
        value_formatter=formatter, no_data_text="",
    )
    if kind == "pie":
        values = series[0][1] if series else []
        for category, value in zip(categories, values):
            chart.add(category, value)
    else:
        chart.x_labels = list(categories)
        for name, values in series:
            chart.add(name, list(values))
    svg = chart.render(is_unicode=True)
    return Markup(_COMMENT.sub("", _SCRIPT.sub("", svg)))
