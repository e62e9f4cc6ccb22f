"""Forms of the system-management pages: users, roles, audit log filters."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from sqlalchemy import func, select

from core.auth.forms import MIN_PASSWORD
from core.db import db
from core.i18n import lazy_gettext as _l
from core.listing import FilterForm
from core.rbac.models import SCOPE_ALL, SCOPE_OWN, Role, User

STALE_MESSAGE = _l("This record was changed by someone else while you were editing it. "
                   "Nothing was saved: reload the page to see their changes, then make yours again.")


def _taken(column, value: str, except_id) -> bool:
    """Is ``value`` already used in ``column`` (ignoring case) by another row than ``except_id``?"""
    stmt = select(column.table.c.id).where(func.lower(column) == value.lower(), column.table.c.id != (except_id or 0))
    return db.session.scalar(stmt.limit(1)) is not None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class KnownChoices:
    """Every ticked value must be one the page offered (a tampered form gets a message, not a 500)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        offered = {str(value) for value, _label in field.choices}
        unknown = [str(value) for value in field.data or () if str(value) not in offered]
        if unknown:
            raise ValidationError(str(self.message) % {"values": ", ".join(unknown)[:200]})


class UserFilterForm(FilterForm):
    q = StringField(_l("Login or display name"), validators=[Optional(), Length(max=120)], filters=[_strip])
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    active = SelectField(_l("Status"), validate_choice=False,
                         choices=[("", _l("Any")), ("1", _l("Active")), ("0", _l("Inactive"))])


class UserForm(FlaskForm):
    username = StringField(_l("Login name"), filters=[_strip], validators=[
        DataRequired(), Length(max=64), Regexp(r"^\S+$", message=_l("A login name cannot contain spaces.")),
    ])
    display_name = StringField(_l("Display name"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("Email"), filters=[_strip], validators=[
        Optional(), Length(max=254), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid email address.")),
    ])
    roles = SelectMultipleField(_l("Roles"), coerce=int, validate_choice=False,
                                validators=[KnownChoices(_l("Unknown role: %(values)s"))])
    active = BooleanField(_l("Active (may log in)"), default=True)
    version = HiddenField()

    def __init__(self, *args, user_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id = user_id

    def validate_username(self, field):
        if _taken(User.username, field.data, self.user_id):
            raise ValidationError(_l("This login name is already taken."))


class UserCreateForm(UserForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class RoleForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[Optional(), Length(max=500)])
    data_scope = SelectField(_l("Data scope"), choices=[
        (SCOPE_OWN, _l("Own records only")), (SCOPE_ALL, _l("All records")),
    ])
    permissions = SelectMultipleField(_l("Permissions"), validate_choice=False,
                                      validators=[KnownChoices(_l("Unknown permission: %(values)s"))])
    version = HiddenField()

    def __init__(self, *args, role_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role_id = role_id

    def validate_name(self, field):
        if _taken(Role.name, field.data, self.role_id):
            raise ValidationError(_l("A role with this name already exists."))


class AuditFilterForm(FilterForm):
    user = SelectField(_l("User"), choices=[], validate_choice=False)
    table = SelectField(_l("Table"), choices=[], validate_choice=False)
    record = StringField(_l("Record"), validators=[Optional(), Length(max=64)], filters=[_strip])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
