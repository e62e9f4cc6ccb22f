"""Importing customers: the columns, the checks of each row, the numbered set-based inserts.

The file is read a chunk at a time; each row is checked with the rules of the
new-customer form and the good ones go to a staging table (staging.py). Each
chunk's possible duplicates (of an earlier row of the file, of a customer) are
found by one query over the staging table and the customers' key indexes; as
long as no row of the file so far has a problem, the chunk then goes into the
customer table with one INSERT ... SELECT, numbered in the order of the file,
audited and indexed for search by set-based statements. All of it is one
transaction, committed only if no row of the whole file has a problem, so a
file is imported completely or not at all; a refused file's report still lists
every problem of every row.

The checking of chunk n + 1 (Python, in a thread: pipeline.py) runs while the
database saves chunk n (two cores: the database's work lets go of the GIL).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import Column as SQLColumn, Integer, Text, and_, case, cast, func, insert, literal, or_, select, text

from core.api import User, _, analyze_grown, db, lazy_gettext as _l, record_bulk_created
from plugins.basedata import services as basedata
from plugins.customers import composition, numbering, services
from plugins.customers.forms import CustomerForm
from plugins.customers.importer.database import advance, all_or_nothing, restricted_to
from plugins.customers.importer.pipeline import checked_ahead
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
# Rows read, checked and saved at a time. Each chunk's set-based statements cost a little more than one
# statement over the whole file, the more the smaller the chunks (SQLite's grams of 100,000 names, 10k
# database, loaded machine: 4.3 s of CPU in chunks of 2,000, 3.9 s in chunks of 10,000); three chunks are in
# memory at once (pipeline.py), ~10 MB at 5,000 rows of the bench's file.
CHUNK = 5000
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

    @property
    def same(self) -> dict:
        """The values of the columns the file lacks, the same in every row: inserted and audited as
        constants, not staged row by row (``Layout``)."""
        return self._absent_record

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


# The values of a checked row that go into the customer table (name_key, phone_key, name_sort computed).
_STAGED = (*_TEXT_FIELDS, *_DICTIONARY_FIELDS, "capital", "turnover", "manager_id", "name_key", "phone_key",
           "name_sort")
_KEYS = ("name_key", "phone_key")  # always staged: the duplicate check reads them (DuplicateRows)


class Layout:
    """Which of a row's values an import stages: those of the file's columns; the values of the columns it
    lacks (``same``), one for all rows, are inserted and audited as constants. The bench's file has 6 of the
    19 columns: staging all of them wrote 13 constant values per row into the staging table, which the
    INSERT read back and the audit quoted again, row by row."""

    def __init__(self, same: dict):
        self.same = {key: value for key, value in same.items() if key not in _KEYS}
        self.keys = [key for key in _STAGED if key not in self.same]  # in the staging table's order
        self.values = itemgetter(*self.keys)
        self.amounts = [key for key in _AMOUNTS if key in self.keys]

    def staging(self, unique: bool) -> Staging:
        columns = Customer.__table__.c
        # seq, the row's place among the good rows, is the key: SQLite reads the rows in its order without a
        # sort. The keys' indexes give each row of a chunk the first line of the file with its key (DuplicateRows).
        return Staging("import_customer_rows", [SQLColumn("line", Integer),
                                                SQLColumn("seq", Integer, primary_key=True),
                                                *(SQLColumn(key, columns[key].type) for key in self.keys)],
                       indexes=(("name_key", "line"), ("phone_key", "line")) if unique else ())

    def row(self, line: int, seq: int, record: dict, sqlite: bool) -> tuple:
        record.update(name_key=name_key(record["name"]), phone_key=phone_key(record["phone"]),
                      name_sort=sort_key(record["name"]))  # an INSERT ... SELECT passes no flush hook
        if sqlite:  # the sqlite3 driver takes no Decimal; SQLAlchemy would bind a float as well
            for key in self.amounts:
                if record[key] is not None:
                    record[key] = float(record[key])
        return (line, seq, *self.values(record))


def _number(prefix: str, offset: int, seq):
    """SQL for ``numbering.customer_number(prefix, offset + seq)``."""
    sequence = literal(offset) + seq
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


def _insert_staged(stage: Staging, layout: Layout, start: int, prefix: str, first: int, count: int,
                   actor_id: int | None) -> None:
    """Insert the ``count`` rows staged from ``seq`` ``start`` on, numbered ``first``... of ``prefix`` in the
    order of the file, and audit them.

    The ORM's Python-side defaults (created_at, version, ...) are computed once
    and inserted as constants: the statement never comes back to Python per row.
    """
    table, staged = Customer.__table__, stage.table.c
    same = {**layout.same, "status": STATUS_NORMAL, "created_by_id": actor_id}
    values = {key: staged[key] if key in staged else literal(same[key], table.c[key].type) for key in _STAGED}
    values.update(status=literal(STATUS_NORMAL), created_by_id=literal(actor_id, Integer),
                  number=_number(prefix, first - start, staged.seq))
    for column in table.c:
        default = column.default
        if column.key in values or column.primary_key or default is None:
            continue
        if default.is_scalar:
            values[column.key] = literal(default.arg, column.type)
        elif default.is_callable:
            values[column.key] = literal(default.arg(None), column.type)
    # Both bounds: PostgreSQL has no statistics of a temporary table and takes a third of it for "seq >= start"
    # (a scan of all the staged rows, for each chunk), a two-hundredth for a range (its primary key).
    rows = select(*values.values()).where(staged.seq >= start, staged.seq < start + count).order_by(staged.seq)
    db.session.execute(insert(table).from_select(list(values), rows))
    record_bulk_created(Customer, ["id", *_STAGED, "status", "created_by_id", "number"],
                        _numbered(prefix, first, first + count - 1), same=same)


class DuplicateRows:
    """Refuses rows that may duplicate a customer: one already in the database, or an earlier row of the file.

    One query per chunk over the staging table, which holds the good rows of the
    file up to this chunk: each of the chunk's rows gets the first line of the
    file with the same key (a probe of the staging table's key index) and the
    first customer with it (a probe of the customers' key index). Another user's
    customer is named only if the importing user may see it.

    The customers include the rows of this file that earlier chunks inserted. A row
    matching one of those has the same key as an earlier line of the file, which
    is reported first (as "the same ... as line n"), as when nothing was inserted
    yet; the oldest customer with the key (min(id)) is never one of them.
    """

    def __init__(self, report: Report, table: Table):
        self.report, self.table = report, table
        self.own = restricted_to()

    def check(self, stage: Staging, start: int, count: int) -> None:
        """Report every one of the ``count`` rows staged from ``seq`` ``start`` on that duplicates an earlier
        row or a customer."""
        name = stage.name
        match = ("(SELECT min(c.id) FROM customers_customer c WHERE c.{key} = s.{key} "
                 f"AND c.status <> '{STATUS_DELETED}')")
        first = "(SELECT min(t.line) FROM {name} t WHERE t.{key} = s.{key})"
        columns = ("line", "name_first", "phone_first", "n.number AS n_number", "n.name AS n_name",
                   "n.manager_id AS n_manager", "p.number AS p_number", "p.name AS p_name", "p.manager_id AS p_manager")
        query = f"""
            SELECT {", ".join(columns)}
            FROM (SELECT s.line,
                         CASE WHEN s.name_key <> '' THEN {first.format(name=name, key="name_key")} END AS name_first,
                         CASE WHEN s.phone_key <> '' THEN {first.format(name=name, key="phone_key")} END
                             AS phone_first,
                         CASE WHEN s.name_key <> '' THEN {match.format(key="name_key")} END AS name_match,
                         CASE WHEN s.phone_key <> '' THEN {match.format(key="phone_key")} END AS phone_match
                  FROM {name} s WHERE s.seq >= :start AND s.seq < :end) f
            LEFT JOIN customers_customer n ON n.id = f.name_match
            LEFT JOIN customers_customer p ON p.id = f.phone_match
            WHERE f.name_first < f.line OR f.phone_first < f.line
               OR f.name_match IS NOT NULL OR f.phone_match IS NOT NULL"""
        bounds = {"start": start, "end": start + count}  # both: see _insert_staged
        if stage.sqlite:
            # One row, a JSON array of the rows found: the driver lets go of the GIL around each row's step,
            # each a wait for it while the next chunk is checked (pipeline.py), and a re-imported file
            # finds every row.
            names = ", ".join(column.rsplit(" ", 1)[-1] for column in columns)
            rows = json.loads(db.session.execute(text(
                f"SELECT json_group_array(json_array({names})) FROM ({query})"), bounds).scalar())
        else:
            rows = db.session.execute(text(query), bounds).all()
        for line, name_first, phone_first, *matches in sorted(rows, key=itemgetter(0)):
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
    """The import's bar: reading, checking and saving the file (the database saves each chunk while the
    next is checked), then the commit, each weighted by its share of the time of 100,000 rows into a
    million customers (seconds, bench/longops.py's file, 30 Nov 2026)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return ImportProgress(callback, reading=15.2, steps={"commit": (_l("committing"), 1.2)})
    return ImportProgress(callback, reading=21.9, steps={"commit": (_l("committing"), 0.3)})


@dataclass
class _Checked:
    """A chunk checked by the checking thread: its good rows as staged, its problems, how far the file is read."""
    rows: list[tuple]
    report: Report
    position: int
    size: int
    row_count: int


def import_customers(table: Table, actor_id: int | None = None, progress: Callback | None = None,
                     allow_duplicates: bool = False) -> Report:
    """Check every row, a chunk at a time, into a staging table, and insert each chunk (numbered like
    customers made in the UI) while the next is checked, as long as no row so far has a problem; commit
    only if no row of the file has one. One transaction: all or nothing.

    Rows that may duplicate a customer (``DuplicateRows``) are errors unless ``allow_duplicates``;
    so importing the same file twice imports it once. ``progress`` hears how far it is (progress.py).
    """
    report = Report()
    rows = CustomerRows(table, report)  # reads the managers and dictionaries: before the thread starts
    unique = None if allow_duplicates else DuplicateRows(report, table)
    steps = _progress(progress)
    layout = Layout(rows.same)
    stage = layout.staging(unique is not None)
    staged = 0  # good rows so far: each one's seq (counted by the checking thread)

    def check(chunk: list) -> _Checked:
        """In the checking thread (pipeline.py): Python only, no database."""
        nonlocal staged
        rows.report = found = Report()
        good = []
        for line, values in chunk:
            record = rows.check(line, values)
            if record is not None:
                good.append(layout.row(line, staged, record, stage.sqlite))
                staged += 1
        return _Checked(good, found, table.position, table.size, table.row_count)

    prefix = None
    with all_or_nothing(report):
        with CUSTOMER_TEXT.filled_after() as (before_insert, fill):  # SQLite: fill() indexes the new rows
            stage.create()
            with checked_ahead(table.chunks(CHUNK), check) as chunks:
                for checked in chunks:
                    report.merge(checked.report)
                    stage.write(checked.rows)
                    if checked.rows:
                        start, count = checked.rows[0][1], len(checked.rows)
                        if unique:
                            unique.check(stage, start, count)
                        if not report.error_count and prefix is None:
                            # The first write to the main database: on SQLite the write lock from here to
                            # the commit, on PostgreSQL the day's counter's row lock, so no customer is added
                            # between the duplicate checks and the inserts, and the file's numbers follow
                            # each other (a rollback gives them back). A file refused in its first chunk
                            # (a re-imported one) never takes it; the first chunk is looked at again under
                            # it, for a customer added in between.
                            prefix, first = numbering.reserve_number_range(count)
                            numbered_from = first
                            if unique:
                                unique.check(stage, start, count)
                        elif not report.error_count:
                            first = numbering.extend_number_range(prefix, count)
                        if not report.error_count:  # else nothing more is inserted; the rest is only checked
                            before_insert()
                            _insert_staged(stage, layout, start, prefix, first, count, actor_id)
                            numbered_to = first + count - 1
                            fill()
                    steps.saving = not report.error_count
                    advance(steps, checked)
        if not report.error_count:
            if prefix is not None:
                composition.add_imported(_numbered(prefix, numbered_from, numbered_to))
            stage.drop()
            steps.step("commit")
    if report.error_count:
        report.sort(table)
        return report
    analyze_grown(staged, Customer, audit_log=True)
    report.imported = staged
    steps.finished()
    return report
