from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.api import FilterForm
from core.api import lazy_gettext as _l
from plugins.customers import services as customers


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NoteForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=10000)])
    customer_id = customers.CustomerField(_l("Customer"))   # optional; .data: a visible customer's id or None
    # The version the form was filled from: a save based on an older one is refused.
    version = HiddenField()


class NoteFilterForm(FilterForm):
    q = StringField(_l("Title contains"), validators=[Optional(), Length(max=200)], filters=[_strip])
