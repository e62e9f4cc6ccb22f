"""Form helpers every plugin's forms share: trimming, plain text only, finite numbers."""
from __future__ import annotations

import re
from decimal import Decimal

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
