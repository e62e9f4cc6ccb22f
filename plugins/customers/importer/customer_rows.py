"""Importing customers: the columns, the checks of each row, the numbered bulk insert."""
from __future__ import annotations


from core.api import User, _, analyze, db, lazy_gettext as _l, record_bulk_created
from plugins.basedata import services as basedata
from plugins.customers import duplicates, numbering, services
from plugins.customers.forms import CustomerForm
from plugins.customers.importer.database import (
    CHUNK, Progress, advance, all_or_nothing, bulk_insert, restricted_to,
)
from plugins.customers.importer.report import Report
from plugins.customers.importer.rules import CENT, FormRules, dictionary_spellings, parse_decimal
from plugins.customers.importer.table import Column, Table
from plugins.customers.name_order import sort_key
from plugins.customers.models import CUSTOMER_TEXT, STATUS_NORMAL, Customer
from plugins.customers.normalise import name_key, phone_key

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


def _insert_numbered(records: list[dict]) -> list[int]:
    """Insert ``records`` with consecutive fresh numbers (see ``numbering.reserve_numbers``); returns their ids."""
    for record, number in zip(records, numbering.reserve_numbers(len(records))):
        record["number"] = number
        record["name_sort"] = sort_key(record["name"])  # a bulk insert passes no flush hook
    return bulk_insert(Customer, records, key=Customer.number)


class DuplicateRows:
    """Refuses rows that may duplicate a customer: one already in the database, or an earlier row of the file.

    Earlier chunks of the file are already inserted (uncommitted) when a chunk
    is checked, so the database lookup finds them too; a match newer than the
    import's start is one of them. Another user's customer is named only if the
    importing user may see it.
    """

    def __init__(self, report: Report, table: Table):
        self.report, self.table = report, table
        self.first_new_id = duplicates.last_customer_id() + 1
        self.own = restricted_to()

    def check(self, rows: list[tuple[int, dict]]) -> list[dict]:
        """The records of ``rows`` (line, record) that duplicate nothing; the others are reported."""
        by_name = duplicates.existing_matches(Customer.name_key, [record["name_key"] for _line, record in rows])
        by_phone = duplicates.existing_matches(Customer.phone_key, [record["phone_key"] for _line, record in rows])
        seen: dict[tuple[str, str], int] = {}
        good = []
        for line, record in rows:
            problem = None
            for field, key, matches in (("name", record["name_key"], by_name),
                                        ("phone", record["phone_key"], by_phone)):
                if not key:
                    continue
                if (field, key) in seen:
                    problem = problem or (field, self._same_as_line(field, seen[(field, key)]))
                elif key in matches:
                    problem = problem or (field, self._same_as(field, matches[key]))
                seen.setdefault((field, key), line)
            if problem:
                self.report.add(line, self.table.label(problem[0]), problem[1])
            else:
                good.append(record)
        return good

    @staticmethod
    def _same_as_line(field: str, line: int) -> str:
        if field == "name":
            return _("Possible duplicate: the same name as line %(line)d of this file.", line=line)
        return _("Possible duplicate: the same phone number as line %(line)d of this file.", line=line)

    def _same_as(self, field: str, match) -> str:
        if match.id >= self.first_new_id:
            if field == "name":
                return _("Possible duplicate: the same name as an earlier row of this file.")
            return _("Possible duplicate: the same phone number as an earlier row of this file.")
        if self.own is not None and match.manager_id != self.own:
            if field == "name":
                return _("Possible duplicate of a customer managed by someone else (the same name).")
            return _("Possible duplicate of a customer managed by someone else (the same phone number).")
        if field == "name":
            return _("Possible duplicate of customer %(number)s %(name)s (the same name).",
                     number=match.number, name=match.name)
        return _("Possible duplicate of customer %(number)s %(name)s (the same phone number).",
                 number=match.number, name=match.name)


def import_customers(table: Table, actor_id: int | None = None, progress: Progress | None = None,
                     allow_duplicates: bool = False) -> Report:
    """Check every row, a chunk at a time, and insert each good chunk (numbered like customers made in
    the UI) in one transaction, committed only if every row of the file is good.

    Rows that may duplicate a customer (see duplicates.py) are errors unless ``allow_duplicates``;
    so importing the same file twice imports it once.
    """
    report = Report()
    rows = CustomerRows(table, report)
    unique = None if allow_duplicates else DuplicateRows(report, table)
    imported = 0
    with all_or_nothing(report), CUSTOMER_TEXT.filled_after() as before_insert:
        for chunk in table.chunks(CHUNK):
            checked = [(line, record) for line, values in chunk if (record := rows.check(line, values)) is not None]
            for _line, record in checked:
                record.update(name_key=name_key(record["name"]), phone_key=phone_key(record["phone"]))
            records = unique.check(checked) if unique else [record for _line, record in checked]
            if not report.error_count:  # after the first bad row, only check the rest for the report
                for record in records:
                    record.update(status=STATUS_NORMAL, created_by_id=actor_id)
                before_insert()
                ids = _insert_numbered(records)
                if records:  # audited in the database: no second copy of the chunk in Python
                    record_bulk_created(Customer, ["id", *records[0]], Customer.id.in_(ids))
                imported += len(records)
            advance(progress, table)
    if report.error_count:
        report.sort(table)
        return report
    analyze(Customer)
    report.imported = imported
    return report
