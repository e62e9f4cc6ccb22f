"""Importing customers: the columns, the checks of each row, the numbered set-based insert.

The file is read a chunk at a time; each row is checked with the rules of the
new-customer form and the good ones go to a staging table (staging.py). Once
the whole file is read, possible duplicates (within the file and against the
database) are found by one query over the staging table and the customers'
key indexes; a file without a single problem then goes into the customer table
with one INSERT ... SELECT, numbered in the order of the file, audited and
indexed for search by set-based statements, all in one transaction.
"""
from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Column as SQLColumn, Integer, Text, and_, case, cast, func, insert, literal, or_, select, text

from core.api import User, _, analyze_grown, db, lazy_gettext as _l, record_bulk_created
from plugins.basedata import services as basedata
from plugins.customers import numbering, services
from plugins.customers.forms import CustomerForm
from plugins.customers.importer.database import CHUNK, advance, all_or_nothing, restricted_to
from plugins.customers.importer.progress import Callback, ImportProgress
from plugins.customers.importer.report import Report
from plugins.customers.importer.rules import CENT, FormRules, dictionary_spellings, parse_decimal
from plugins.customers.importer.staging import Staging
from plugins.customers.importer.table import Column, Table
from plugins.customers.name_order import sort_key
from plugins.customers.models import CUSTOMER_TEXT, STATUS_DELETED, STATUS_NORMAL, Customer
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
_AMOUNTS = ("capital", "turnover")


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
    are checked over the staging table once the file is read (``DuplicateRows``).
    """

    def __init__(self, table: Table, report: Report):
        self.table, self.report = table, report
        self.rules = FormRules(CustomerForm)
        self.spellings = {name: dictionary_spellings(type_key) for name, type_key in _DICTIONARY_FIELDS.items()}
        self.managers = _managers()
        # Only the file's columns are checked row by row. A column the file lacks reads as an empty cell
        # in every row, so its values and problems are the same for all rows: worked out once here (the
        # bench's file has 6 of the 19 columns; checking all 19 per row was half of the check's time).
        self._defaults = {key: self.rules.form[key].default or "" for key in self.spellings}
        present = set(table.keys)
        self._fields = [[key for key in keys if key in present] for keys in (_TEXT_FIELDS, self.spellings, _AMOUNTS)]
        absent = [[key for key in keys if key not in present] for keys in (_TEXT_FIELDS, self.spellings, _AMOUNTS)]
        self._absent_record, self._absent_problems = {}, []
        self._check_fields({}, self._absent_record, self._absent_problems, absent)

    def _check_fields(self, values: dict, record: dict, problems: list, fields: list[list]) -> None:
        """Check ``values`` of the text, dictionary and amount ``fields`` (keys in the order of the form)
        into ``record``; (key, message) of each problem to ``problems``, in the order of the form."""
        rules, defaults = self.rules, self._defaults
        error = rules.error
        texts, choices, amounts = fields
        for key in texts:
            text = values.get(key, "")
            message = error(key, text)
            if message:
                problems.append((key, message))
            record[key] = text
        for key in choices:
            accepted = self.spellings[key]
            text = values.get(key, "") or defaults[key]  # level 1, satisfaction 3, credit 3
            value = accepted.get(text.lower())
            if value is None and text:
                problems.append((key, _("\"%(value)s\" is not an entry of the data dictionary (%(type)s).",
                                        value=text[:40], type=basedata.type_label(_DICTIONARY_FIELDS[key]))))
            elif value is None and (message := rules.error(key, "")):
                problems.append((key, message))  # "required"
            record[key] = value or ""
        for key in amounts:
            text = values.get(key, "")
            amount = parse_decimal(text) if text else None
            if text and amount is None:
                problems.append((key, _("Enter a number, e.g. 1200.50.")))
                continue
            message = error(key, amount)
            if message:
                problems.append((key, message))
            record[key] = amount.quantize(CENT) if amount is not None and not message else None

    def check(self, line: int, values: dict) -> dict | None:
        """The row as Customer column values, or None if it has a problem."""
        report, table = self.report, self.table
        if not report.check_extra(line, values):
            return None
        record, problems = dict(self._absent_record), list(self._absent_problems)
        self._check_fields(values, record, problems, self._fields)
        login = values.get("manager", "")
        record["manager_id"] = self.managers.get(login.lower())
        if record["manager_id"] is None:
            problems.append(("manager", _("No active account manager has the login \"%(login)s\".", login=login[:64])
                             if login else _("This field is required.")))
        for key, message in problems:
            report.add(line, table.label(key), message)
        return None if problems else record


# The values of a checked row kept in the staging table, in its columns' order after (line, seq).
_STAGED = (*_TEXT_FIELDS, *_DICTIONARY_FIELDS, "capital", "turnover", "manager_id", "name_key", "phone_key",
           "name_sort")


_staged_values = itemgetter(*_STAGED)


def _staging() -> Staging:
    columns = Customer.__table__.c
    # seq, the row's place among the good rows, is the key: SQLite reads the rows in its order without a sort.
    return Staging("import_customer_rows", [SQLColumn("line", Integer), SQLColumn("seq", Integer, primary_key=True),
                                            *(SQLColumn(key, columns[key].type) for key in _STAGED)])


def _staged_row(line: int, seq: int, record: dict, sqlite: bool) -> tuple:
    record.update(name_key=name_key(record["name"]), phone_key=phone_key(record["phone"]),
                  name_sort=sort_key(record["name"]))  # an INSERT ... SELECT passes no flush hook
    if sqlite:  # the sqlite3 driver takes no Decimal; SQLAlchemy would bind a float as well
        for key in _AMOUNTS:
            if record[key] is not None:
                record[key] = float(record[key])
    return (line, seq, *_staged_values(record))


def _number(prefix: str, first: int, seq):
    """SQL for ``numbering.customer_number(prefix, first + seq)``."""
    sequence = literal(first) + seq
    if db.session.get_bind().dialect.name == "sqlite":
        return func.printf(literal(prefix + "%05d"), sequence)
    digits = cast(sequence, Text)
    return literal(prefix) + case((sequence < 100000, func.lpad(digits, 5, "0")), else_=digits)


def _numbered(prefix: str, first: int, last: int):
    """The customers numbered ``first`` to ``last`` of ``prefix``: ranges of the number's unique index, one
    per width (the sequence has five digits or more, so KH…100000 sorts between KH…10000 and KH…10001)."""
    ranges = []
    for width in range(len(f"{first:05d}"), len(f"{last:05d}") + 1):
        low, high = max(first, 10 ** (width - 1) if width > 5 else 0), min(last, 10 ** width - 1)
        ranges.append(and_(Customer.number.between(numbering.customer_number(prefix, low),
                                                   numbering.customer_number(prefix, high)),
                           func.length(Customer.number) == len(prefix) + width))
    return or_(*ranges)


def _insert_staged(stage: Staging, prefix: str, first: int, count: int, actor_id: int | None,
                   steps: ImportProgress) -> None:
    """Insert the staged rows, numbered ``first``... of ``prefix`` in the order of the file, and audit them.

    The ORM's Python-side defaults (created_at, version, ...) are computed once
    and inserted as constants: the statement never comes back to Python per row.
    """
    table, staged = Customer.__table__, stage.table.c
    values = {key: staged[key] for key in _STAGED}
    values.update(status=literal(STATUS_NORMAL), created_by_id=literal(actor_id, Integer),
                  number=_number(prefix, first, staged.seq))
    for column in table.c:
        default = column.default
        if column.key in values or column.primary_key or default is None:
            continue
        if default.is_scalar:
            values[column.key] = literal(default.arg, column.type)
        elif default.is_callable:
            values[column.key] = literal(default.arg(None), column.type)
    rows = select(*values.values()).order_by(staged.seq)
    db.session.execute(insert(table).from_select(list(values), rows))
    steps.step("audit")
    record_bulk_created(Customer, ["id", *_STAGED, "status", "created_by_id", "number"],
                        _numbered(prefix, first, first + count - 1))


class DuplicateRows:
    """Refuses rows that may duplicate a customer: one already in the database, or an earlier row of the file.

    One query over the staging table: each row's first line with the same key
    (a window over the file) and the first customer with it (a probe of the
    key's index). Another user's customer is named only if the importing user
    may see it.
    """

    def __init__(self, report: Report, table: Table):
        self.report, self.table = report, table
        self.own = restricted_to()

    def check(self, stage: Staging) -> None:
        """Report every staged row that duplicates an earlier row or an existing customer."""
        name = stage.name
        match = ("(SELECT min(c.id) FROM customers_customer c WHERE c.{key} = s.{key} "
                 f"AND c.status <> '{STATUS_DELETED}')")
        rows = db.session.execute(text(f"""
            SELECT f.line, f.name_first, f.phone_first, n.number, n.name, n.manager_id,
                   p.number, p.name, p.manager_id
            FROM (SELECT s.line,
                         CASE WHEN s.name_key <> '' THEN min(s.line) OVER (PARTITION BY s.name_key) END AS name_first,
                         CASE WHEN s.phone_key <> '' THEN min(s.line) OVER (PARTITION BY s.phone_key) END
                             AS phone_first,
                         CASE WHEN s.name_key <> '' THEN {match.format(key="name_key")} END AS name_match,
                         CASE WHEN s.phone_key <> '' THEN {match.format(key="phone_key")} END AS phone_match
                  FROM {name} s) f
            LEFT JOIN customers_customer n ON n.id = f.name_match
            LEFT JOIN customers_customer p ON p.id = f.phone_match
            WHERE f.name_first < f.line OR f.phone_first < f.line
               OR f.name_match IS NOT NULL OR f.phone_match IS NOT NULL
            ORDER BY f.line""").execution_options(stream_results=True))  # a re-imported file: every row
        for line, name_first, phone_first, *matches in rows:
            if name_first is not None and name_first < line:
                field, message = "name", self._same_as_line("name", name_first)
            elif matches[0] is not None:
                field, message = "name", self._same_as("name", *matches[:3])
            elif phone_first is not None and phone_first < line:
                field, message = "phone", self._same_as_line("phone", phone_first)
            else:
                field, message = "phone", self._same_as("phone", *matches[3:])
            self.report.add(line, self.table.label(field), message)

    @staticmethod
    def _same_as_line(field: str, line: int) -> str:
        if field == "name":
            return _("Possible duplicate: the same name as line %(line)d of this file.", line=line)
        return _("Possible duplicate: the same phone number as line %(line)d of this file.", line=line)

    def _same_as(self, field: str, number: str, name: str, manager_id: int | None) -> str:
        if self.own is not None and manager_id != self.own:
            if field == "name":
                return _("Possible duplicate of a customer managed by someone else (the same name).")
            return _("Possible duplicate of a customer managed by someone else (the same phone number).")
        if field == "name":
            return _("Possible duplicate of customer %(number)s %(name)s (the same name).", number=number, name=name)
        return _("Possible duplicate of customer %(number)s %(name)s (the same phone number).",
                 number=number, name=name)


def _progress(callback: Callback | None) -> ImportProgress:
    """The import's bar: reading and checking, then the database's steps, each weighted by its share of
    the time of 100,000 rows into a million customers (seconds, bench/longops.py's file, 30 Nov 2026)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return ImportProgress(callback, reading=3.6, steps={
            "duplicates": (_l("looking for possible duplicates"), 0.5), "insert": (_l("adding the customers"), 2.3),
            "audit": (_l("writing the audit log"), 2.3), "search": (_l("indexing for search"), 6.5),
            "commit": (_l("committing"), 1.2)})
    # PostgreSQL's search indexes follow the insert, which maintains the table's 24 indexes
    return ImportProgress(callback, reading=4.0, steps={
        "duplicates": (_l("looking for possible duplicates"), 0.7), "insert": (_l("adding the customers"), 15.1),
        "audit": (_l("writing the audit log"), 2.1), "commit": (_l("committing"), 0.3)})


def import_customers(table: Table, actor_id: int | None = None, progress: Callback | None = None,
                     allow_duplicates: bool = False) -> Report:
    """Check every row, a chunk at a time, into a staging table; then, if no row has a problem, insert
    them all (numbered like customers made in the UI) in one transaction.

    Rows that may duplicate a customer (see duplicates.py) are errors unless ``allow_duplicates``;
    so importing the same file twice imports it once. ``progress`` hears how far it is (progress.py).
    """
    report = Report()
    rows = CustomerRows(table, report)
    unique = None if allow_duplicates else DuplicateRows(report, table)
    steps = _progress(progress)
    stage = _staging()
    staged = 0
    with all_or_nothing(report):
        with CUSTOMER_TEXT.filled_after() as before_insert:  # SQLite: indexes the new rows when the block ends
            stage.create()
            for chunk in table.chunks(CHUNK):
                good = []
                for line, values in chunk:
                    record = rows.check(line, values)
                    if record is not None:
                        good.append(_staged_row(line, staged, record, stage.sqlite))
                        staged += 1
                stage.write(good)
                advance(steps, table)
            if report.error_count:  # bad rows: the duplicates are still reported, nothing is written
                if unique:
                    steps.step("duplicates")
                    unique.check(stage)
            elif staged:
                # The first write to the main database: on SQLite the write lock from here to the commit,
                # so no customer is added between the duplicate check and the insert. (A rollback gives the
                # numbers back.)
                prefix, first = numbering.reserve_number_range(staged)
                if unique:
                    steps.step("duplicates")
                    unique.check(stage)
                if not report.error_count:
                    steps.step("insert")
                    before_insert()
                    _insert_staged(stage, prefix, first, staged, actor_id, steps)
                    if "search" in steps.steps:
                        steps.step("search")
        if not report.error_count:
            stage.drop()
            steps.step("commit")
    if report.error_count:
        report.sort(table)
        return report
    analyze_grown(staged, Customer, audit_log=True)
    report.imported = staged
    steps.finished()
    return report
