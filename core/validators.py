"""Form helpers every plugin's forms share: trimming, plain text only, finite numbers."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from wtforms.validators import StopValidation, ValidationError

from core.i18n import lazy_gettext as _l

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|javascript:", re.IGNORECASE)


def strip_text(value):
    """A WTForms filter: surrounding spaces removed from text."""
    return value.strip() if isinstance(value, str) else value


def no_markup(form, field):
    """Text fields take plain text: markup is refused with a message rather than stored."""
    if isinstance(field.data, str) and _MARKUP.search(field.data):
        raise ValidationError(_l("HTML tags and scripts are not allowed here."))


def no_nul(form, field):
    """Refuse NUL characters: PostgreSQL cannot store them in text, and no one types them."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise StopValidation(_l("This text contains a NUL character; remove it."))


def finite_number(form, field):
    """Refuse NaN, sNaN and infinities, which Decimal and float fields accept (and ranges cannot compare)."""
    value = field.data
    if isinstance(value, Decimal) and not value.is_finite() or isinstance(value, float) and value != value:
        field.errors[:] = []
        raise StopValidation(_l("Enter a number."))


class StoredDecimal:
    """A ``DecimalField`` validator for a ``Numeric(digits, places)`` column (money is ``Numeric(14, 2)``).

    Refuses what is not a finite number (NaN, sNaN, Infinity: "Enter a number."), rounds the value half up
    to ``places`` in ``field.data`` — what the column will store, so amounts and totals computed from the
    form agree with the saved record — and refuses a rounded value outside ``minimum``..``maximum``
    (``maximum`` defaults to the largest the column holds) with ``message``, formatted with ``min`` and
    ``max``. The entered value stays in ``field.entered``. An empty field is left to
    ``Optional``/``InputRequired`` before it.
    """

    def __init__(self, digits: int = 14, places: int = 2, minimum: Decimal | None = Decimal(0),
                 maximum: Decimal | None = None, message=None):
        self.step = Decimal(1).scaleb(-places)
        self.minimum = minimum
        self.maximum = maximum if maximum is not None else Decimal(10) ** (digits - places) - self.step
        self.message = message or _l("Enter a number from %(min)s to %(max)s.")

    def __call__(self, form, field):
        value = field.data
        field.entered = value
        if value is None:
            return
        if not isinstance(value, Decimal) or not value.is_finite():
            field.errors[:] = []
            raise StopValidation(_l("Enter a number."))
        try:
            rounded = value.quantize(self.step, rounding=ROUND_HALF_UP)
        except InvalidOperation:  # more digits than a Decimal holds: far out of range
            rounded = None
        if rounded is None or rounded > self.maximum or self.minimum is not None and rounded < self.minimum:
            raise StopValidation(self.message % {"min": self.minimum, "max": self.maximum})
        field.data = rounded
