"""Forms of the dictionary, product and stock pages (edit forms and list filters)."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from core.api import FilterForm, decimal_field, lazy_gettext as _l

MAX_PRICE = Decimal("999999999999.99")  # what Numeric(14, 2) holds
MAX_QUANTITY = 2_000_000_000  # what a 32-bit integer column holds


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class VersionedForm(FlaskForm):
    """An edit form that carries the version it was filled from (optimistic locking)."""

    version = HiddenField()


class DictionaryEntryForm(VersionedForm):
    type = StringField(_l("Type"), filters=[_strip], render_kw={"list": "basedata-types", "autocomplete": "off"},
                       validators=[
        DataRequired(), Length(max=40),
        Regexp(r"^[a-z][a-z0-9_]*$", message=_l("Use lower-case letters, digits and _ (e.g. region).")),
    ])
    item = StringField(_l("Item"), filters=[_strip], validators=[DataRequired(), Length(max=100)])
    item_en = StringField(_l("English label"), filters=[_strip], validators=[Optional(), Length(max=100)])
    value = StringField(_l("Value"), filters=[_strip], validators=[DataRequired(), Length(max=40)])
    sort_order = IntegerField(_l("Sort order"), default=0,
                              validators=[InputRequired(), NumberRange(min=-1_000_000, max=1_000_000)])
    editable = BooleanField(_l("Editable"), default=True)


class DictionaryFilter(FilterForm):
    type = StringField(_l("Type"), filters=[_strip], validators=[Optional(), Length(max=40)])
    item = StringField(_l("Item"), filters=[_strip], validators=[Optional(), Length(max=100)])
    value = StringField(_l("Value"), filters=[_strip], validators=[Optional(), Length(max=40)])


class ProductForm(VersionedForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=100)])
    model = StringField(_l("Model"), filters=[_strip], validators=[Optional(), Length(max=60)])
    batch = StringField(_l("Grade / batch"), filters=[_strip], validators=[Optional(), Length(max=60)])
    unit = StringField(_l("Unit"), filters=[_strip], validators=[DataRequired(), Length(max=20)])
    price = decimal_field(_l("Unit price"), required=True, maximum=MAX_PRICE,
                          message=_l("Enter an amount from 0 to %(max)s."))
    memo = TextAreaField(_l("Memo"), filters=[_strip], validators=[Optional(), Length(max=500)])


class ProductFilter(FilterForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[Optional(), Length(max=100)])
    model = StringField(_l("Model"), filters=[_strip], validators=[Optional(), Length(max=60)])
    batch = StringField(_l("Grade / batch"), filters=[_strip], validators=[Optional(), Length(max=60)])


class StockForm(VersionedForm):
    product_id = SelectField(_l("Product"), coerce=int, validate_choice=True)
    warehouse = StringField(_l("Warehouse"), filters=[_strip], validators=[DataRequired(), Length(max=60)])
    location = StringField(_l("Location"), filters=[_strip], validators=[Optional(), Length(max=60)])
    quantity = IntegerField(_l("Quantity"), validators=[
        InputRequired(), NumberRange(min=0, message=_l("Enter a whole number of 0 or more.")),
        NumberRange(max=MAX_QUANTITY, message=_l("This number is too large.")),
    ])
    memo = TextAreaField(_l("Memo"), filters=[_strip], validators=[Optional(), Length(max=500)])


class StockFilter(FilterForm):
    product = StringField(_l("Product"), filters=[_strip], validators=[Optional(), Length(max=100)])
    warehouse = StringField(_l("Warehouse"), filters=[_strip], validators=[Optional(), Length(max=60)])
