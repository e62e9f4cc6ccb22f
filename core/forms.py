"""Form building blocks every plugin's forms share."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.validators import StoredDecimal, no_markup, no_nul, strip_text


def text_field(label, max_length: int, required: bool = False, area: bool = False):
    """A plain-text field: trimmed, no NUL characters, at most ``max_length`` characters, no HTML or script;
    a text area with ``area=True``; ``required`` refuses empty or blank input."""
    kind = TextAreaField if area else StringField
    first = DataRequired() if required else Optional()
    return kind(label, filters=[strip_text], validators=[no_nul, first, Length(max=max_length), no_markup])


def decimal_field(label, required: bool = False, *, digits: int = 14, places: int = 2,
                  minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None, message=None):
    """A number for a ``Numeric(digits, places)`` column (money by default: ``Numeric(14, 2)``, 0 or more):
    finite, rounded to ``places`` as the column stores it, within ``minimum``..``maximum`` (by default the
    column's largest), else ``message`` (formatted with ``min`` and ``max``); see ``StoredDecimal``."""
    first = InputRequired() if required else Optional()
    return DecimalField(label, places=places,
                        validators=[first, StoredDecimal(digits, places, minimum, maximum, message)])


class VersionedForm(FlaskForm):
    """A form that carries the version of the record it was filled from (optimistic locking):
    check it with ``is_stale(record, form.version.data)`` before saving."""

    version = HiddenField()
