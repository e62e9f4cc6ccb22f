"""Forms of churn management: the list filter, postponing and confirming a loss."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.api import FilterForm, lazy_gettext as _l, strip_text
from plugins.customers.churn import STATUSES


class ChurnFilterForm(FilterForm):
    customer = StringField(_l("Customer"), filters=[strip_text], validators=[Optional(), Length(max=200)])
    manager = SelectField(_l("Account manager"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)

    def __init__(self, manager_choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager.choices = [("", _l("All"))] + [(str(uid), name) for uid, name in manager_choices]
        self.status.choices = [("", _l("All"))] + list(STATUSES.items())


class PostponeForm(FlaskForm):
    """暂缓流失: a retention measure is required."""

    measure = TextAreaField(_l("Retention measure"), validators=[DataRequired(), Length(max=1000)],
                            render_kw={"rows": 3})
    version = HiddenField()


class ConfirmLostForm(FlaskForm):
    """确认流失: the reason is required."""

    reason = TextAreaField(_l("Reason for the loss"), validators=[DataRequired(), Length(max=1000)],
                           render_kw={"rows": 3})
    version = HiddenField()
