"""Checking a row's cells with the rules of the web forms, and reading numbers, dates and dictionary entries."""
from __future__ import annotations

from datetime import date as Date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from wtforms.validators import StopValidation, ValidationError

from core.api import db
from plugins.basedata import services as basedata

CENT = Decimal("0.01")
_SEEN = 20_000  # answers kept by FormRules: memory stays bounded whatever the file's size


class FormRules:
    """The validators of a web form's fields, run on plain values (no form processing per row)."""

    def __init__(self, form_class):
        self.form = form_class(meta={"csrf": False}, formdata=None)
        self._empty: dict[str, str | None] = {}  # most optional cells are empty: check each field once
        # Many cells repeat (an address, a postcode, a bank): their answers are kept, a bounded number.
        self._seen: dict[tuple[str, object], str | None] = {}
        self._chains: dict[str, tuple] = {}  # name -> (field, its validators and the form's inline one)

    def error(self, name: str, value) -> str | None:
        """The message the form would show beside field ``name`` for ``value``, or None."""
        if value is None or value == "":
            if name not in self._empty:
                self._empty[name] = self._validate(name, value)
            return self._empty[name]
        key = (name, value)
        seen = self._seen
        if key in seen:
            return seen[key]
        if len(seen) >= _SEEN:
            seen.clear()
        message = seen[key] = self._validate(name, value)
        return message

    def _validate(self, name: str, value) -> str | None:
        # Field.validate's validator chain, without its per-call set-up (50,000 rows x 20 fields).
        chain = self._chains.get(name)
        if chain is None:
            field_ = self.form[name]
            inline = getattr(type(self.form), f"validate_{name}", None)
            chain = self._chains[name] = (field_, [*field_.validators, *([inline] if inline else [])])
        field_, validators = chain
        field_.data = value
        field_.raw_data = [] if value is None or value == "" else [str(value)]
        field_.errors = []
        for validator in validators:
            try:
                validator(self.form, field_)
            except StopValidation as exc:
                return str(exc.args[0]) if exc.args and exc.args[0] else None
            except ValidationError as exc:
                return str(exc.args[0])
        return None


def parse_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_date(text: str) -> Date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def dictionary_spellings(type_key: str) -> dict[str, str]:
    """Accepted spellings of a dictionary type's entries: value, Chinese item, English item -> value."""
    accepted = {}
    for entry in db.session.scalars(select(basedata.DictionaryEntry).where(basedata.DictionaryEntry.type == type_key)):
        for spelling in (entry.item_en, entry.item, entry.value):
            if spelling:
                accepted[spelling.lower()] = entry.value
    return accepted
