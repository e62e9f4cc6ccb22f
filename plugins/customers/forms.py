"""Forms of the customer, contact, activity and order pages, and the list filters."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DecimalField, FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import (
    DataRequired, Email, InputRequired, Length, Optional, Regexp, StopValidation, ValidationError,
)

from core.api import FilterForm, StoredDecimal, decimal_field, lazy_gettext as _l, no_markup, strip_text

from plugins.customers.models import CUSTOMER_STATUSES, ORDER_STATUSES, SEXES, STATUS_DELETED

MAX_MONEY = Decimal("999999999999.99")  # what Numeric(14, 2) holds
MAX_QUANTITY = Decimal("99999999")  # an order line's quantity
STALE_MESSAGE = _l("This record was changed by someone else while you were editing it. "
                   "Nothing was saved: reload the page to see their changes, then make yours again.")

_PHONE = r"^\+?[0-9][0-9 ()\-]{4,28}[0-9]$"


_strip = strip_text


def _text(label, max_length, required=False, area=False):
    first = DataRequired() if required else Optional()
    kind = TextAreaField if area else StringField
    return kind(label, filters=[_strip], validators=[first, Length(max=max_length), no_markup])


def _phone(label, required=False):
    return StringField(label, filters=[_strip], validators=[
        DataRequired() if required else Optional(), Length(max=30),
        Regexp(_PHONE, message=_l("Enter a phone number of digits, e.g. 010-88886666 or 13800138000.")),
    ])


def _email(label):
    return StringField(label, filters=[_strip], validators=[
        Optional(), Length(max=254),
        Email(check_deliverability=False, message=_l("Enter an e-mail address, e.g. wang@example.com."))])


AMOUNT_RANGE = _l("Enter an amount from 0 to %(max)s.")


def _money(label):
    return decimal_field(label, maximum=MAX_MONEY, message=AMOUNT_RANGE)


class VersionedForm(FlaskForm):
    """An edit form that carries the version it was filled from (optimistic locking)."""

    version = HiddenField()

    def apply_to(self, record, skip=()) -> None:
        """Copy the fields onto ``record``, never the version (the database keeps it)."""
        for name, field in self._fields.items():
            if name not in ("version", "csrf_token", *skip):
                field.populate_obj(record, name)


class CustomerForm(VersionedForm):
    name = _text(_l("Name"), 200, required=True)
    region = SelectField(_l("Region"), validators=[DataRequired()])
    manager_id = SelectField(_l("Account manager"), coerce=int, validate_choice=False,
                             validators=[InputRequired(message=_l("Choose an active account manager."))])
    level = SelectField(_l("Level"), validators=[DataRequired()], default="1")
    satisfaction = SelectField(_l("Satisfaction"), validators=[DataRequired()], default="3")
    credit = SelectField(_l("Credit"), validators=[DataRequired()], default="3")
    address = _text(_l("Address"), 300)
    postcode = StringField(_l("Postcode"), filters=[_strip], validators=[
        Optional(), Regexp(r"^\d{6}$", message=_l("A postcode has 6 digits."))])
    phone = _phone(_l("Phone"))
    fax = _phone(_l("Fax"))
    email = _email(_l("E-mail"))
    website = StringField(_l("Website"), filters=[_strip], validators=[
        Optional(), Length(max=200),
        Regexp(r"^(https?://)?[\w\-]+(\.[\w\-]+)+(/[^\s<>\"']*)?$", re.IGNORECASE,
               message=_l("Enter a web address, e.g. www.example.com."))])
    licence_no = _text(_l("Business licence no."), 50)
    legal_person = _text(_l("Legal representative"), 50)
    capital = _money(_l("Registered capital (10k CNY)"))
    turnover = _money(_l("Annual turnover (10k CNY)"))
    bank = SelectField(_l("Bank"), validators=[Optional()])
    bank_account = _text(_l("Bank account"), 50)
    local_tax_no = _text(_l("Local tax no."), 50)
    national_tax_no = _text(_l("National tax no."), 50)

    def validate_manager_id(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose an active account manager."))


class NewCustomerForm(CustomerForm):
    # Saved with the customer: the same form sent twice creates one customer (see submissions.py).
    submission = HiddenField(filters=[_strip], validators=[Optional(), Length(max=64), Regexp(r"^[\w-]*$")])


class CustomerFilter(FilterForm):
    number = StringField(_l("Number"), filters=[_strip], validators=[Optional(), Length(max=20)])
    name = StringField(_l("Name, number or phone"), filters=[_strip], validators=[Optional(), Length(max=200)])
    region = SelectField(_l("Region"), validate_choice=False)
    manager = SelectField(_l("Account manager"), validate_choice=False)
    level = SelectField(_l("Level"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False, choices=[("", _l("Normal and lost"))] + [
        (key, label) for key, label in CUSTOMER_STATUSES.items() if key != STATUS_DELETED])
    # Customer value segment (RFM), over ``window`` months: the links of the value analysis land here.
    segment = SelectField(_l("Customer value"), default="")
    window = HiddenField()

    def validate_window(self, field):
        from plugins.customers.rfm import WINDOWS

        if field.data and field.data not in {str(months) for months in WINDOWS}:
            raise ValidationError(_l("Choose a window the customer value analysis offers."))


class ContactForm(VersionedForm):
    name = _text(_l("Name"), 50, required=True)
    sex = SelectField(_l("Sex"), choices=[("", "—")] + list(SEXES.items()), validators=[Optional()])
    position = _text(_l("Position"), 50, required=True)
    office_phone = _phone(_l("Office phone"), required=True)
    mobile = _phone(_l("Mobile"))
    email = _email(_l("E-mail"))
    is_main = BooleanField(_l("Main contact"), description=_l("The customer's main contact; another one loses the mark."))
    memo = _text(_l("Memo"), 500, area=True)


def _optional_id(value):
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class ActivityForm(VersionedForm):
    """An activity and its optional next step; ``fill_choices`` offers the dictionary's types and
    the customer's own contacts (anything else is refused)."""

    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    kind = SelectField(_l("Type"), validators=[DataRequired(message=_l("Choose a type."))])
    contact_id = SelectField(_l("Contact met"), coerce=_optional_id, validate_choice=False)
    place = _text(_l("Place"), 100, required=True)
    summary = _text(_l("Summary"), 200, required=True)
    details = _text(_l("Details"), 5000, area=True)
    remark = _text(_l("Remark"), 500)
    next_step = _text(_l("Next step"), 200)
    next_step_due = DateField(_l("Next step due"), validators=[Optional()])

    def fill_choices(self, types, contacts) -> None:
        self.kind.choices = types
        self.contact_id.choices = [("", "—")] + [(str(id_), name) for id_, name in contacts]

    def validate_contact_id(self, field):
        if field.data is not None and str(field.data) not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of this customer's contacts."))

    # Each check runs only when its field is filled in (Optional stops the others).
    def validate_next_step(self, field):
        typed_due = any(str(value).strip() for value in self.next_step_due.raw_data or ())
        if not typed_due:
            raise ValidationError(_l("Enter the date the next step is due."))

    def validate_next_step_due(self, field):
        if not self.next_step.data:
            raise ValidationError(_l("Describe the next step, or clear its due date."))
        if field.data and self.date.data and field.data < self.date.data:
            raise ValidationError(_l("The next step cannot be due before the activity."))


def _with_product(form, field):
    """A line row needs a quantity once it has a product; rows without a product are ignored."""
    if form.product_id.data is None:
        field.errors[:] = []
        raise StopValidation()
    if not field.raw_data or not str(field.raw_data[0]).strip():
        raise StopValidation(_l("Enter a quantity."))


class OrderLineForm(FlaskForm):
    """One line row; a row with no product is ignored (the form shows spare empty rows)."""

    class Meta:
        csrf = False

    product_id = SelectField(_l("Product"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                             validate_choice=False)
    # Rounded to the two places the column keeps before any amount is computed (StoredDecimal).
    quantity = DecimalField(_l("Quantity"), places=2, validators=[_with_product, StoredDecimal(
        minimum=None, maximum=MAX_QUANTITY, message=_l("Enter a quantity of at most %(max)s."))])
    unit = _text(_l("Unit"), 20)
    price = _money(_l("Unit price"))

    def validate_quantity(self, field):
        if field.data is None:
            return  # not a number: the field already says so
        if field.data <= 0:
            raise ValidationError(_l("Enter a quantity of at least 0.01: quantities keep two decimal places.")
                                  if getattr(field, "entered", field.data) > 0 else _l("The quantity must be greater than 0."))

    def validate_product_id(self, field):
        offered = {value for value, _label in field.choices}
        if field.data is not None and field.data not in offered:
            raise ValidationError(_l("This product does not exist."))


MAX_ORDER_LINES = 500


class OrderForm(VersionedForm):
    number = _text(_l("Order number"), 40)  # a new order left without one is given one on save
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    address = _text(_l("Delivery address"), 300)
    status = SelectField(_l("Status"), choices=list(ORDER_STATUSES.items()))
    # One entry past the limit is read, so a longer order is refused rather than cut short.
    lines = FieldList(FormField(OrderLineForm), min_entries=1, max_entries=MAX_ORDER_LINES + 1)

    def validate_lines(self, field):
        if len(field.entries) > MAX_ORDER_LINES:
            raise ValidationError(_l("An order can have at most %(count)d lines.", count=MAX_ORDER_LINES))
        if not any(row.product_id.data for row in field):
            raise ValidationError(_l("Add at least one line with a product."))
