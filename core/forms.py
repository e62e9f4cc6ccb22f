"""Form building blocks every plugin's forms share."""
from __future__ import annotations

from decimal import Decimal

from babel.support import Translations
from flask import has_request_context
from flask_wtf import FlaskForm, i18n as flask_wtf_i18n
from markupsafe import Markup, escape
from wtforms import DecimalField, HiddenField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.widgets import core as widgets_core
from wtforms.widgets.core import clean_key
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.i18n import current_locale
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


def _html_params(**kwargs) -> Markup:
    """WTForms' ``html_params``, the same text, without a ``Markup.format`` per attribute: the filter forms'
    selects render a few dozen attributes and options on every list page, and that formatting was most of
    their cost (tests/test_html_params.py compares both)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(escape(key))
        elif value is not False:
            params.append(f'{escape(key)}="{escape(value).replace(_QUOTE, _QUOT)}"')
    return Markup(" ".join(params))


_QUOTE, _QUOT = Markup('"'), Markup("&quot;")
wtforms_html_params = widgets_core.html_params
widgets_core.html_params = _html_params  # what WTForms' own widgets call
# Input and SubmitInput keep their own reference (``html_params = staticmethod(html_params)``): the filter
# forms' text and date inputs render through it.
for _widget in vars(widgets_core).values():
    if isinstance(_widget, type) and "html_params" in vars(_widget):
        _widget.html_params = staticmethod(_html_params)


def _plain_choices(field):
    """``field``'s choices when they are a plain list of (value, label) pairs (never option groups), else
    None: a dict, (value, label, attributes) triples or a callable go through WTForms itself."""
    choices = getattr(field, "choices", None)
    if not isinstance(choices, (list, tuple)):
        return None
    for choice in choices:
        if not (isinstance(choice, tuple) and len(choice) == 2):
            return None
    return choices


def _select(self, field, **kwargs) -> Markup:
    """WTForms' ``Select`` widget, the same text, for the common field: a plain list of (value, label)
    pairs. WTForms 3.3 turns each option into two dataclasses and inspects ``render_option``'s signature
    on every call; the list pages' filter forms render a hundred options per request, and that was a fifth
    of a customer list page's CPU (tests/test_html_params.py compares both)."""
    choices = _plain_choices(field) if type(self) is widgets_core.Select else None
    if choices is None:
        return wtforms_select(self, field, **kwargs)
    kwargs.setdefault("id", field.id)
    if self.multiple:
        kwargs["multiple"] = True
    flags = getattr(field, "flags", {})
    for key in dir(flags):
        if key in self.validation_attrs and key not in kwargs:
            kwargs[key] = getattr(flags, key)
    coerce, data = field.coerce, field.data
    if self.multiple:
        data = data or ()
    html = [f"<select {_html_params(name=field.name, **kwargs)}>"]
    for value, label in choices:
        chosen = coerce(value) in data if self.multiple else coerce(value) == data
        text = str(value) if isinstance(value, bool) else value
        attribute = escape(text).replace(_QUOTE, _QUOT)
        html.append(f'<option {"selected " if chosen else ""}value="{attribute}">{escape(label or text)}</option>')
    html.append("</select>")
    return Markup("".join(html))


wtforms_select = widgets_core.Select.__call__
widgets_core.Select.__call__ = _select


_wtforms_catalogs: dict = {}


def _wtforms_translations():
    """WTForms' own messages ("Not a valid choice") in the request's language: Flask-WTF read and parsed
    their catalog from disk on every request that validates a form; here each language's is kept."""
    if not has_request_context():
        return None
    locale = current_locale()
    if locale not in _wtforms_catalogs:
        _wtforms_catalogs[locale] = Translations.load(messages_path(), [locale], domain="wtforms")
    return _wtforms_catalogs[locale]


flask_wtf_i18n._get_translations = _wtforms_translations  # what Flask-WTF's translations object calls
