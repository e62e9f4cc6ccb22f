"""Forms of the opportunity, workflow, plan and stage pages, and the list filters."""
from __future__ import annotations

from decimal import Decimal

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from core.api import FilterForm, VersionedForm, decimal_field, lazy_gettext as _l, strip_text, text_field

from plugins.customers import services as customers
from plugins.marketing.models import STATUSES

MAX_MONEY = Decimal("999999999999.99")  # what Numeric(14, 2) holds
_PHONE = r"^\+?[0-9][0-9 ()\-]{4,28}[0-9]$"


def _probability():
    return IntegerField(_l("Success probability (%)"), validators=[
        InputRequired(message=_l("Enter a probability from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("Enter a probability from 0 to 100."))])


class OpportunityForm(VersionedForm):
    customer_name = text_field(_l("Customer name"), 200, required=True)
    customer_id = customers.CustomerField(_l("Existing customer (repeat sale)"))
    source = SelectField(_l("Source"), validators=[Optional()])
    probability = _probability()
    summary = text_field(_l("Summary"), 200, required=True)
    contact = text_field(_l("Contact"), 50)
    contact_phone = StringField(_l("Contact phone"), filters=[strip_text], validators=[
        Optional(), Length(max=30),
        Regexp(_PHONE, message=_l("Enter a phone number of digits, e.g. 010-88886666 or 13800138000."))])
    description = text_field(_l("Description"), 5000, required=True, area=True)
    amount = decimal_field(_l("Expected amount"), maximum=MAX_MONEY, message=_l("Enter an amount from 0 to %(max)s."))
    close_date = DateField(_l("Expected close date"), validators=[Optional()])

    FIELDS = ("customer_name", "customer_id", "source", "probability", "summary", "contact", "contact_phone",
              "description", "amount", "close_date")

    def apply_to(self, opportunity) -> None:
        for name in self.FIELDS:
            value = self[name].data
            setattr(opportunity, name, "" if value is None and name in ("source", "contact", "contact_phone")
                    else value)


class AssignForm(VersionedForm):
    assignee_id = SelectField(_l("Assign to"), coerce=int, validate_choice=False,
                              validators=[InputRequired(message=_l("Choose an account manager."))])
    stage_id = SelectField(_l("Stage"), coerce=int, validate_choice=False, validators=[Optional()])


class LostForm(VersionedForm):
    reason = SelectField(_l("Reason"), validators=[DataRequired(message=_l("Choose the reason why it was lost."))])
    note = text_field(_l("Details"), 1000, area=True)


class WonForm(VersionedForm):
    customer = StringField(_l("Customer"), validators=[Optional(), Length(max=20)])


class MoveForm(VersionedForm):
    """The stage chooser on a kanban card (and the target of a drag and drop)."""

    to = StringField(_l("Move to"), validators=[DataRequired(), Length(max=30)])


class PlanItemForm(VersionedForm):
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    item = text_field(_l("Plan item"), 500, required=True)


class ResultForm(VersionedForm):
    result = text_field(_l("Result"), 1000, required=True, area=True)


class StageForm(VersionedForm):
    name = text_field(_l("Name (English)"), 60, required=True)
    name_zh = text_field(_l("Name (Chinese)"), 60, required=True)
    sort_order = IntegerField(_l("Sort order"), default=0, validators=[
        InputRequired(), NumberRange(min=-1_000_000, max=1_000_000)])
    probability = IntegerField(_l("Default probability (%)"), validators=[
        InputRequired(message=_l("Enter a probability from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("Enter a probability from 0 to 100."))])


class OpportunityFilter(FilterForm):
    status = SelectField(_l("Status"), validate_choice=False,
                         choices=[("", _l("Any"))] + [(k, v) for k, v in STATUSES.items()])
    stage = SelectField(_l("Stage"), validate_choice=False)
    source = SelectField(_l("Source"), validate_choice=False)
    customer = StringField(_l("Customer name contains"), filters=[strip_text], validators=[Optional(), Length(max=200)])
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    creator = SelectField(_l("Created by"), validate_choice=False)
    close_from = DateField(_l("Close date from"), validators=[Optional()])
    close_to = DateField(_l("Close date to"), validators=[Optional()])


class PipelineFilter(FilterForm):
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    source = SelectField(_l("Source"), validate_choice=False)
    month = StringField(_l("Expected close month"), filters=[strip_text], render_kw={"type": "month"},
                        validators=[Optional(), Regexp(r"^\d{4}-(0[1-9]|1[0-2])$",
                                                       message=_l("Enter a month as YYYY-MM."))])
