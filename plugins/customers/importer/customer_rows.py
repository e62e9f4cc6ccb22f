"""Importing customers: the columns, the checks of each row, the numbered bulk insert."""
from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy.exc import IntegrityError

from core.api import User, _, analyze, db, lazy_gettext as _l, record_bulk
from plugins.basedata import services as basedata
from plugins.customers import numbering, services
from plugins.customers.forms import CustomerForm
from plugins.customers.importer.database import (
    CHUNK, Progress, advance, all_or_nothing, bulk_insert, restricted_to,
)
from plugins.customers.importer.report import Report
from plugins.customers.importer.rules import CENT, FormRules, dictionary_spellings, parse_decimal
from plugins.customers.importer.table import Column, Table
from plugins.customers.models import STATUS_NORMAL, Customer

CUSTOMER_COLUMNS = [
    Column("name", _l("Name"), ("customer_name", "客户名称", "名称"), True),
    Column("region", _l("Region"), ("地区",), True, _l("Dictionary value or item, e.g. beijing or 北京")),
    Column("manager", _l("Account manager"), ("manager_login", "客户经理"), True,
           _l("Login name of an active account manager")),
    Column("level", _l("Level"), ("customer_level", "客户等级", "等级"), help=_l("1 to 5 (default 1)")),
    Column("satisfaction", _l("Satisfaction"), ("客户满意度", "满意度"), help=_l("1 to 5 (default 3)")),
    Column("credit", _l("Credit"), ("客户信用度", "信用度"), help=_l("1 to 5 (default 3)")),
    Column("address", _l("Address"), ("地址",)),
    Column("postcode", _l("Postcode"), ("邮政编码", "邮编"), help=_l("6 digits")),
    Column("phone", _l("Phone"), ("电话",)),
    Column("fax", _l("Fax"), ("传真",)),
    Column("website", _l("Website"), ("网址",)),
    Column("licence_no", _l("Business licence no."), ("营业执照注册号",)),
    Column("legal_person", _l("Legal representative"), ("法人",)),
    Column("capital", _l("Registered capital (10k CNY)"), ("注册资金",)),
    Column("turnover", _l("Annual turnover (10k CNY)"), ("年营业额",)),
    Column("bank", _l("Bank"), ("开户银行",), help=_l("Dictionary value or item")),
    Column("bank_account", _l("Bank account"), ("银行帐号", "银行账号")),
    Column("local_tax_no", _l("Local tax no."), ("地税登记号",)),
    Column("national_tax_no", _l("National tax no."), ("国税登记号",)),
]
_DICTIONARY_FIELDS = {"region": basedata.REGION, "level": basedata.CUSTOMER_LEVEL,
                      "satisfaction": basedata.SATISFACTION, "credit": basedata.CREDIT, "bank": basedata.BANK}
_TEXT_FIELDS = ("name", "address", "postcode", "phone", "fax", "website", "licence_no", "legal_person",
                "bank_account", "local_tax_no", "national_tax_no")


def _managers() -> dict[str, int]:
    """Login (lower case) -> id of the users the new-customer form offers as account manager:
    the active account managers, or only oneself for a user who sees only their own customers."""
    stmt = services.account_managers().with_only_columns(User.username, User.id)
    if restricted_to() is not None:
        stmt = stmt.where(User.id == restricted_to())
    return {username.lower(): user_id for username, user_id in db.session.execute(stmt)}


class CustomerRows:
    """Checks one row at a time with the rules of the new-customer form; each problem goes to the report.

    Rules that need more than the row (e.g. duplicates of existing customers)
    belong in ``check`` beside the others, or in a check of the whole chunk.
    """

    def __init__(self, table: Table, report: Report):
        self.table, self.report = table, report
        self.rules = FormRules(CustomerForm)
        self.spellings = {name: dictionary_spellings(type_key) for name, type_key in _DICTIONARY_FIELDS.items()}
        self.managers = _managers()

    def check(self, line: int, values: dict) -> dict | None:
        """The row as Customer column values, or None if it has a problem."""
        report, table, rules = self.report, self.table, self.rules
        errors_before = report.error_count
        if not report.check_extra(line, values):
            return None
        record = {}
        for key in _TEXT_FIELDS:
            text = values.get(key, "")
            message = rules.error(key, text)
            if message:
                report.add(line, table.label(key), message)
            record[key] = text
        for key, accepted in self.spellings.items():
            text = values.get(key, "") or rules.form[key].default or ""  # level 1, satisfaction 3, credit 3
            value = accepted.get(text.lower())
            if value is None and text:
                report.add(line, table.label(key), _(
                    "\"%(value)s\" is not an entry of the data dictionary (%(type)s).",
                    value=text[:40], type=basedata.type_label(_DICTIONARY_FIELDS[key])))
            elif value is None and (message := rules.error(key, "")):
                report.add(line, table.label(key), message)  # "required"
            record[key] = value or ""
        for key in ("capital", "turnover"):
            text = values.get(key, "")
            amount = parse_decimal(text) if text else None
            if text and amount is None:
                report.add(line, table.label(key), _("Enter a number, e.g. 1200.50."))
                continue
            message = rules.error(key, amount)
            if message:
                report.add(line, table.label(key), message)
            record[key] = amount.quantize(CENT) if amount is not None and not message else None
        login = values.get("manager", "")
        record["manager_id"] = self.managers.get(login.lower())
        if record["manager_id"] is None:
            report.add(line, table.label("manager"),
                       _("No active account manager has the login \"%(login)s\".", login=login[:64])
                       if login else _("This field is required."))
        return record if report.error_count == errors_before else None


def _savepoint():
    """A savepoint, except before SQLite's driver has begun the transaction: a SAVEPOINT would then
    begin it and its RELEASE commit it, breaking all-or-nothing. The first INSERT begins it instead;
    until then no other writer can hold numbers that this one needs to retry around for long."""
    driver_connection = db.session.connection().connection.dbapi_connection
    if getattr(driver_connection, "in_transaction", True):
        return db.session.begin_nested()
    return nullcontext()


def _insert_numbered(records: list[dict]) -> list[int]:
    """Insert ``records`` with consecutive fresh numbers; returns their ids.

    A customer created in the UI meanwhile may have taken one of the numbers
    (see ``numbering.reserve_numbers``): the unique constraint refuses the
    batch, its savepoint is rolled back and the numbers reserved again.
    """
    for attempt in range(numbering.ATTEMPTS):
        for record, number in zip(records, numbering.reserve_numbers(len(records))):
            record["number"] = number
        try:
            with _savepoint():
                return bulk_insert(Customer, records, key=Customer.number)
        except IntegrityError:
            if attempt == numbering.ATTEMPTS - 1:
                raise


def import_customers(table: Table, actor_id: int | None = None, progress: Progress | None = None) -> Report:
    """Check every row, a chunk at a time, and insert each good chunk (numbered like customers made in
    the UI) in one transaction, committed only if every row of the file is good."""
    report = Report()
    rows = CustomerRows(table, report)
    imported = 0
    with all_or_nothing(report):
        for chunk in table.chunks(CHUNK):
            records = [record for line, values in chunk if (record := rows.check(line, values)) is not None]
            if not report.error_count:  # after the first bad row, only check the rest for the report
                for record in records:
                    record.update(status=STATUS_NORMAL, created_by_id=actor_id)
                ids = _insert_numbered(records)
                record_bulk("create", Customer, [{"id": id_, **record} for id_, record in zip(ids, records)])
                imported += len(records)
            advance(progress, table)
    if report.error_count:
        report.sort(table)
        return report
    analyze(Customer)
    report.imported = imported
    return report
