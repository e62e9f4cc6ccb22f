"""Forms of the request pages, the workflow, the SLA settings and the list filters."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DecimalField, RadioField, SelectField, SelectMultipleField, StringField, TimeField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.api import (
    FilterForm, StoredDecimal, VersionedForm, lazy_gettext as _l, no_nul, strip_text, text_field,
)

from plugins.customers import services as customers
from plugins.service.models import DAY_KINDS, PRIORITIES, STATUSES, TEXT_MAX

SATISFACTION_CHOICES = [(n, "★" * n) for n in range(1, 6)]
WEEKDAYS = [("1", _l("Monday")), ("2", _l("Tuesday")), ("3", _l("Wednesday")), ("4", _l("Thursday")),
            ("5", _l("Friday")), ("6", _l("Saturday")), ("7", _l("Sunday"))]
MAX_TARGET_HOURS = Decimal("2000")


def _satisfaction():
    return RadioField(_l("Satisfaction"), coerce=int, choices=SATISFACTION_CHOICES,
                      validators=[InputRequired(message=_l("Choose a satisfaction from 1 to 5."))])


class RequestForm(FlaskForm):
    type = SelectField(_l("Service type"), validators=[InputRequired(message=_l("Choose a service type."))])
    priority = SelectField(_l("Priority"), default="normal", choices=list(PRIORITIES.items()),
                           validators=[InputRequired(message=_l("Choose a priority."))])
    customer_id = customers.CustomerField(_l("Customer"), [InputRequired(message=_l("Choose a customer."))])
    summary = text_field(_l("Summary"), 200, required=True)
    text = text_field(_l("Request"), TEXT_MAX, required=True, area=True)


class AssignForm(VersionedForm):
    assignee_id = SelectField(_l("Assign to"), coerce=int, validate_choice=False,
                              validators=[InputRequired(message=_l("Choose an account manager."))])


class BulkAssignForm(FlaskForm):
    assignee_id = SelectField(_l("Assign the selected requests to"), coerce=int, validate_choice=False,
                              validators=[InputRequired(message=_l("Choose an account manager."))])


class HandleForm(VersionedForm):
    handling = text_field(_l("Handling"), TEXT_MAX, required=True, area=True)


class FeedbackForm(VersionedForm):
    result = text_field(_l("Service result"), 1000, required=True, area=True)
    satisfaction = _satisfaction()


class RatingForm(FlaskForm):
    """The customer's own rating, through the signed link."""

    satisfaction = _satisfaction()
    result = text_field(_l("Your comment"), 1000, area=True)


class DeleteForm(VersionedForm):
    pass


class RequestFilter(FilterForm):
    customer = customers.CustomerField(_l("Customer"))
    summary = StringField(_l("Summary contains"), filters=[strip_text],
                          validators=[no_nul, Optional(), Length(max=200)])
    type = SelectField(_l("Service type"), default="")
    priority = SelectField(_l("Priority"), default="", choices=[("", _l("Any"))] + list(PRIORITIES.items()))
    status = SelectField(_l("Status"), default="", choices=[("", _l("Any"))] + list(STATUSES.items()))
    assignee = SelectField(_l("Assigned to"), validate_choice=False)
    created_from = DateField(_l("Created from"), validators=[Optional()])
    created_to = DateField(_l("Created to"), validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))

    def validate_created_to(self, field):
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise ValidationError(_l("The end date is before the start date."))


def _hours(label):
    return DecimalField(label, places=2, validators=[
        InputRequired(message=_l("Enter a number of working hours.")),
        StoredDecimal(digits=7, minimum=Decimal("0.25"), maximum=MAX_TARGET_HOURS,
                      message=_l("Enter between 0.25 and %(max)s working hours."))])


class TargetForm(VersionedForm):
    response_hours = _hours(_l("Response within (working hours)"))
    resolution_hours = _hours(_l("Resolution within (working hours)"))

    def validate_resolution_hours(self, field):
        response = self.response_hours
        if field.data is not None and response.data is not None and not response.errors \
                and field.data.is_finite() and field.data < response.data:
            raise ValidationError(_l("The resolution target cannot be shorter than the response target."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WeekForm(VersionedForm):
    days = MultiCheckboxField(_l("Working days"), choices=WEEKDAYS)
    start = TimeField(_l("Working hours from"), validators=[InputRequired(message=_l("Enter a time."))])
    end = TimeField(_l("Working hours to"), validators=[InputRequired(message=_l("Enter a time."))])

    def validate_days(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one working day."))

    def validate_end(self, field):
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_l("The working day must end after it starts."))


class DayForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    kind = SelectField(_l("Kind"), choices=list(DAY_KINDS.items()))
    name = text_field(_l("Name"), 100)
