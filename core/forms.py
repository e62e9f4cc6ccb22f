"""Form building blocks every plugin's forms share."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.validators import no_markup, no_nul, strip_text


def text_field(label, max_length: int, required: bool = False, area: bool = False):
    """A plain-text field: trimmed, no NUL characters, at most ``max_length`` characters, no HTML or script;
    a text area with ``area=True``; ``required`` refuses empty or blank input."""
    kind = TextAreaField if area else StringField
    first = DataRequired() if required else Optional()
    return kind(label, filters=[strip_text], validators=[no_nul, first, Length(max=max_length), no_markup])


class VersionedForm(FlaskForm):
    """A form that carries the version of the record it was filled from (optimistic locking):
    check it with ``is_stale(record, form.version.data)`` before saving."""

    version = HiddenField()
