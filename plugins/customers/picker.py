"""A form field for "which customer": typed or picked, resolved to a customer the user may see.

A select of every customer cannot work at a million rows, so the field is a
text box. ``core/static/crm.js`` offers suggestions from ``/customers/search.json``
as the user types (a ``<datalist>`` of "name (number)"); without JavaScript
the user types the name or the number. Either way the server resolves the
text, within the user's data scope, by index lookups only (number, then exact
name); a name several visible customers share asks for the number.
"""
from __future__ import annotations

import re

from flask import url_for
from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import TextInput

from core.api import db, lazy_gettext as _l

from plugins.customers.models import Customer

_NUMBER_IN_LABEL = re.compile(r"\(([A-Za-z]{2}\d{1,18})\)\s*$")
_BARE_NUMBER = re.compile(r"^[A-Za-z]{2}\d{1,18}$")


def label_of(customer) -> str:
    """How a customer is shown in the field and its suggestions."""
    return f"{customer.name} ({customer.number})"


class CustomerInput(TextInput):
    """A text input with a suggestion list filled from the customer search."""

    def __call__(self, field, **kwargs):
        options_id = f"{field.id}-options"
        kwargs.setdefault("list", options_id)
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("data-suggest-url", url_for("customers.customer_search"))
        kwargs.setdefault("placeholder", str(_l("Type a customer name or number")))
        return super().__call__(field, **kwargs) + Markup(f'<datalist id="{escape(options_id)}"></datalist>')


class CustomerField(StringField):
    """``data`` is the id of a customer the current user may see, or None when left empty.

    Make it required with ``InputRequired()`` (``DataRequired`` would repeat the
    field's own message); the field itself refuses text that names no visible
    customer, or several.
    """

    widget = CustomerInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.text = ""

    def process_data(self, value):
        self.data = value.id if isinstance(value, Customer) else value

    def process_formdata(self, valuelist):
        self.text = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [self.text]  # only spaces counts as empty for InputRequired
        self.data = None

    def _value(self):
        if self.text:
            return self.text
        if self.data:
            customer = db.session.get(Customer, self.data)
            return label_of(customer) if customer is not None else ""
        return ""

    def pre_validate(self, form):
        if not self.text:
            return
        if "\x00" in self.text or len(self.text) > 250:
            raise StopValidation(_l("No customer you can see has this name or number."))
        self.data = _resolve(self.text)


def _resolve(text: str) -> int:
    from plugins.customers.services import visible_customers_query

    ids_of = visible_customers_query().with_only_columns(Customer.id)
    label = _NUMBER_IN_LABEL.search(text)
    number = label.group(1) if label else text if _BARE_NUMBER.match(text) else None
    if number:
        found = db.session.scalar(ids_of.where(Customer.number == number.upper()))
        if found is not None:
            return found
    ids = list(db.session.scalars(ids_of.where(Customer.name == text).limit(2)))
    if len(ids) == 1:
        return ids[0]
    if ids:
        raise ValidationError(_l("Several customers have this name: pick one from the suggestions or type its number."))
    raise ValidationError(_l("No customer you can see has this name or number."))
