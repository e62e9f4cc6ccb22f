from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.i18n import lazy_gettext as _l

MIN_PASSWORD = 8


class LoginForm(FlaskForm):
    username = StringField(_l("Login name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[
        DataRequired(),
        Length(min=MIN_PASSWORD, message=_l("Use at least 8 characters.")),
        Length(max=200, message=_l("Use at most 200 characters.")),
    ])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
