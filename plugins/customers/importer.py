"""CSV import of customers and orders (the web upload page and ``crm import`` share it).

Every row is checked first, with the rules of the web forms; a file with any
error is refused whole with a report of each bad row. A good file goes in with
bulk inserts in one transaction, so it is imported completely or not at all.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from flask_babel import force_locale
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from wtforms.validators import StopValidation, ValidationError

from core.api import User, _, db, lazy_gettext as _l, utcnow
from plugins.basedata import services as basedata
from plugins.customers import churn, numbering, services
from plugins.customers.forms import CustomerForm, OrderForm, OrderLineForm
from plugins.customers.models import (
    ORDER_STATUSES, ORDER_UNPAID, STATUS_DELETED, STATUS_NORMAL, Customer, Order, OrderLine,
)

ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM, then GBK (gb18030 is its superset)
MAX_REPORTED = 200  # errors listed in a report; the rest are only counted
BATCH = 2000  # rows per bulk INSERT statement
IN_BATCH = 500  # values per IN (...) lookup
CENT = Decimal("0.01")

Progress = Callable[[int], None]


class ImportRefused(Exception):
    """The whole file is refused for a reason that is no single row's (encoding, columns, database)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column must be in the header
    help: Any = ""

    def spellings(self) -> list[str]:
        """Header names accepted besides the key: the label in English and in the user's language, aliases."""
        with force_locale("en"):
            english = str(self.label)
        return list(dict.fromkeys([english, str(self.label), *self.aliases]))

    def names(self) -> set[str]:
        return {_normal(name) for name in (self.key, *self.spellings())}


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class Report:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def add(self, line: int, column: str, message) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(RowError(line, column, str(message)))

    def sort(self, table: "Table") -> None:
        """Errors by line, then in the order of the file's columns."""
        position = {str(column.label): index for index, column in enumerate(table.columns)}
        self.errors.sort(key=lambda error: (error.line, position.get(error.column, -1)))


@dataclass
class Table:
    """The decoded rows of a file: (line number, {column key: stripped text})."""

    columns: list[Column]
    rows: list[tuple[int, dict[str, str]]]

    def label(self, key: str) -> str:
        return next((str(c.label) for c in self.columns if c.key == key), key)


def _normal(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:  # UTF-16 and binary files decode "fine" but hold NUL characters
            return text
        break
    raise ImportRefused(_("The file is neither UTF-8 nor GBK text. Save it from your spreadsheet as "
                          "\"CSV UTF-8\" and try again."))


def read_table(data: bytes, columns: list[Column]) -> Table:
    """Decode a CSV file and map its header to ``columns``; refuse missing, unknown or repeated columns."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ImportRefused(_("The file is empty."))
        lookup = {name: column for column in columns for name in column.names()}
        keys, unknown = [], []
        for cell in header:
            column = lookup.get(_normal(cell))
            if column is None:
                unknown.append(cell.strip())
            keys.append(column.key if column else None)
        problems = []
        missing = [str(c.label) for c in columns if c.required and c.key not in keys]
        if missing:
            problems.append(_("Missing column(s): %(names)s.", names=", ".join(missing)))
        if unknown:
            problems.append(_("Unknown column(s): %(names)s.", names=", ".join(unknown)))
        repeated = sorted({str(c.label) for c in columns if keys.count(c.key) > 1})
        if repeated:
            problems.append(_("Repeated column(s): %(names)s.", names=", ".join(repeated)))
        if problems:
            raise ImportRefused(" ".join(problems) + " " + _("See the list of columns on the import page."))
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            values = {key: cell.strip() for key, cell in zip(keys, cells)}
            if len(cells) > len(keys):
                values["__extra__"] = "x"
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise ImportRefused(_("The file is not valid CSV (line %(line)s: %(error)s).",
                              line=reader.line_num, error=exc)) from exc
    if not rows:
        raise ImportRefused(_("The file has a header but no rows."))
    return Table(columns, rows)


class FormRules:
    """The validators of a web form's fields, run on plain values (no form processing per row)."""

    def __init__(self, form_class):
        self.form = form_class(meta={"csrf": False}, formdata=None)
        self._empty: dict[str, str | None] = {}  # most optional cells are empty: check each field once

    def error(self, name: str, value) -> str | None:
        """The message the form would show beside field ``name`` for ``value``, or None."""
        if value is None or value == "":
            if name not in self._empty:
                self._empty[name] = self._validate(name, value)
            return self._empty[name]
        return self._validate(name, value)

    def _validate(self, name: str, value) -> str | None:
        # Field.validate's validator chain, without its per-call set-up (50,000 rows x 20 fields).
        field_ = self.form[name]
        field_.data = value
        field_.raw_data = [] if value is None or value == "" else [str(value)]
        field_.errors = []
        inline = getattr(type(self.form), f"validate_{name}", None)
        for validator in [*field_.validators, *([inline] if inline else [])]:
            try:
                validator(self.form, field_)
            except StopValidation as exc:
                return str(exc.args[0]) if exc.args and exc.args[0] else None
            except ValidationError as exc:
                return str(exc.args[0])
        return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(text: str) -> Date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _dictionary(type_key: str) -> dict[str, str]:
    """Accepted spellings of a dictionary type's entries: value, Chinese item, English item -> value."""
    accepted = {}
    for entry in db.session.scalars(select(basedata.DictionaryEntry).where(basedata.DictionaryEntry.type == type_key)):
        for spelling in (entry.item_en, entry.item, entry.value):
            if spelling:
                accepted[spelling.lower()] = entry.value
    return accepted


def _in_batches(values):
    values = list(values)
    for start in range(0, len(values), IN_BATCH):
        yield values[start:start + IN_BATCH]


def _advance(progress: Progress | None, steps: int) -> None:
    if progress:
        progress(steps)


def _check_extra(report: Report, line: int, values: dict) -> bool:
    if values.pop("__extra__", None):
        report.add(line, "", _("This row has more values than the header has columns."))
        return False
    return True


def _insert(model, rows: list[dict], progress: Progress | None, returning=None):
    """Bulk INSERT ``rows`` in batches; with ``returning`` the given column of each row, in order."""
    returned = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if returning is not None:
            stmt = insert(model).returning(returning, sort_by_parameter_order=True)
            returned.extend(db.session.scalars(stmt, chunk))
        else:
            db.session.execute(insert(model), chunk)
        _advance(progress, len(chunk))
    return returned


def _commit_or_refuse() -> None:
    try:
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise ImportRefused(_("The database refused the import, nothing was imported: %(error)s",
                              error=str(getattr(exc, "orig", exc)).splitlines()[0][:300])) from exc


# -- customers ---------------------------------------------------------------------------------

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
    """Login (lower case) -> id of the active users who may manage customers, as the form offers them."""
    stmt = services.account_managers().with_only_columns(User.username, User.id)
    return {username.lower(): user_id for username, user_id in db.session.execute(stmt)}


def check_customers(table: Table, report: Report, progress: Progress | None = None) -> list[dict]:
    """The rows as Customer column values; each problem goes to ``report``."""
    rules = FormRules(CustomerForm)
    spellings = {name: _dictionary(type_key) for name, type_key in _DICTIONARY_FIELDS.items()}
    managers = _managers()
    records = []
    for line, values in table.rows:
        errors_before = report.error_count
        if not _check_extra(report, line, values):
            continue
        record = {}
        for key in _TEXT_FIELDS:
            text = values.get(key, "")
            message = rules.error(key, text)
            if message:
                report.add(line, table.label(key), message)
            record[key] = text
        for key, accepted in spellings.items():
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
            amount = _decimal(text) if text else None
            if text and amount is None:
                report.add(line, table.label(key), _("Enter a number, e.g. 1200.50."))
                continue
            message = rules.error(key, amount)
            if message:
                report.add(line, table.label(key), message)
            record[key] = amount.quantize(CENT) if amount is not None and not message else None
        login = values.get("manager", "")
        record["manager_id"] = managers.get(login.lower())
        if record["manager_id"] is None:
            report.add(line, table.label("manager"),
                       _("No active account manager has the login \"%(login)s\".", login=login[:64])
                       if login else _("This field is required."))
        if report.error_count == errors_before:
            records.append(record)
        _advance(progress, 1)
    return records


def import_customers(table: Table, actor_id: int | None = None, progress: Progress | None = None) -> Report:
    """Check every row; import all of them (numbered like customers made in the UI) only if all are good."""
    report = Report()
    records = check_customers(table, report, progress)
    if report.error_count:
        report.sort(table)
        return report
    prefix = numbering.PREFIX + utcnow().strftime("%Y%m%d")
    first = int(numbering._next_number(prefix)[len(prefix):])
    for offset, record in enumerate(records):
        record.update(number=f"{prefix}{first + offset:05d}", status=STATUS_NORMAL, created_by_id=actor_id)
    _insert(Customer, records, progress)
    _commit_or_refuse()
    report.imported = len(records)
    return report


# -- orders ------------------------------------------------------------------------------------

ORDER_COLUMNS = [
    Column("order_number", _l("Order number"), ("订单号", "订单编号"), True,
           _l("Lines with the same order number form one order")),
    Column("customer_number", _l("Customer number"), ("客户编号",), True),
    Column("date", _l("Date"), ("order_date", "订单日期", "日期"), True, _l("YYYY-MM-DD")),
    Column("address", _l("Delivery address"), ("送货地址",)),
    Column("status", _l("Status"), ("回款状态", "状态"), help=_l("unpaid (default) or paid")),
    Column("product_id", _l("Product id"), ("产品编号",), help=_l("Or product name and model")),
    Column("product_name", _l("Product name"), ("product", "产品名称", "产品")),
    Column("product_model", _l("Product model"), ("model", "型号")),
    Column("quantity", _l("Quantity"), ("数量",), True, _l("Greater than 0")),
    Column("unit", _l("Unit"), ("单位",), help=_l("Default: the product's unit")),
    Column("price", _l("Unit price"), ("单价",), help=_l("0 or more; default: the product's price")),
]
_ORDER_FIELDS = ("customer_number", "date", "address", "status")  # equal on every line of one order


def _order_statuses() -> dict[str, str]:
    accepted = {}
    for key, label in ORDER_STATUSES.items():
        accepted[key] = key
        accepted[str(label).lower()] = key
    accepted.update({"未回款": ORDER_UNPAID, "已回款": "paid"})
    return accepted


class _Products:
    """Products by id and by name (and model), loaded once."""

    def __init__(self):
        self.by_id = {}
        self.by_name = defaultdict(list)
        for product in db.session.scalars(select(basedata.Product)):
            self.by_id[product.id] = product
            self.by_name[product.name.strip().lower()].append(product)

    def find(self, values: dict):
        """(product, None) or (None, message)."""
        if values.get("product_id"):
            text = values["product_id"]
            product = self.by_id.get(int(text)) if text.isdigit() else None
            return (product, None) if product else (None, _("No product has the id %(id)s.", id=text[:20]))
        name = values.get("product_name", "")
        if not name:
            return None, _("Give a product id or a product name.")
        model = values.get("product_model", "").lower()
        matches = [p for p in self.by_name.get(name.lower(), []) if not model or p.model.strip().lower() == model]
        if not matches and model:
            return None, _("No product is named \"%(name)s\" with the model \"%(model)s\".",
                           name=name[:100], model=values["product_model"][:60])
        if not matches:
            return None, _("No product is named \"%(name)s\".", name=name[:100])
        if len(matches) > 1:
            return None, _("Several products match \"%(name)s\"; give the model or the product id.", name=name[:100])
        return matches[0], None


def _lookup(column, wanted, *where) -> dict:
    """``{value: id}`` of the rows whose ``column`` is in ``wanted``, in batched IN queries."""
    model = column.class_
    found = {}
    for batch in _in_batches(wanted):
        found.update(db.session.execute(select(column, model.id).where(column.in_(batch), *where)).all())
    return found


def check_orders(table: Table, report: Report, progress: Progress | None = None) -> dict[str, dict]:
    """The orders of the file by number: {"order": Order column values, "lines": [OrderLine values]}."""
    order_rules, line_rules = FormRules(OrderForm), FormRules(OrderLineForm)
    line_rules.form.product_id.data = 0  # the quantity rule applies to lines that name a product
    products = _Products()
    statuses = _order_statuses()
    customer_numbers = {values.get("customer_number", "") for _line, values in table.rows}
    customers = _lookup(Customer.number, customer_numbers, Customer.status != STATUS_DELETED)
    existing = _lookup(Order.number, {values.get("order_number", "") for _line, values in table.rows})
    orders: dict[str, dict] = {}
    for line, values in table.rows:
        _advance(progress, 1)
        if not _check_extra(report, line, values):
            continue
        errors_before = report.error_count
        number = values.get("order_number", "")
        message = order_rules.error("number", number)
        if message:
            report.add(line, table.label("order_number"), message)
        elif number in existing:
            report.add(line, table.label("order_number"), _("An order with this number exists already."))
        customer_number = values.get("customer_number", "")
        customer_id = customers.get(customer_number)
        if customer_id is None:
            report.add(line, table.label("customer_number"),
                       _("No customer has the number \"%(number)s\".", number=customer_number[:40])
                       if customer_number else _("This field is required."))
        order_date = _date(values.get("date", ""))
        if order_date is None:
            report.add(line, table.label("date"), _("Enter a date as YYYY-MM-DD."))
        address = values.get("address", "")
        message = order_rules.error("address", address)
        if message:
            report.add(line, table.label("address"), message)
        status = statuses.get(values.get("status", "").lower() or ORDER_UNPAID)
        if status is None:
            report.add(line, table.label("status"), _("Enter unpaid or paid."))
        product, message = products.find(values)
        if message:
            report.add(line, table.label("product_id" if values.get("product_id") else "product_name"), message)
        quantity = _decimal(values.get("quantity", ""))
        message = line_rules.error("quantity", quantity) if quantity is not None else _("Enter a quantity.")
        if message:
            report.add(line, table.label("quantity"), message)
        price_text = values.get("price", "")
        price = _decimal(price_text) if price_text else (product.price if product else None)
        if price_text and price is None:
            report.add(line, table.label("price"), _("Enter a number, e.g. 1200.50."))
        elif price is not None and (message := line_rules.error("price", price)):
            report.add(line, table.label("price"), message)
        unit = values.get("unit", "") or (product.unit if product else "")
        message = line_rules.error("unit", unit)
        if message:
            report.add(line, table.label("unit"), message)
        if report.error_count != errors_before:
            continue
        header = {"customer_id": customer_id, "date": order_date, "address": address, "status": status}
        order = orders.get(number)
        if order is None:
            order = orders[number] = {"line": line, "order": {"number": number, **header}, "lines": []}
        else:
            differing = [key for key in header if order["order"][key] != header[key]]
            if differing:
                field_key = {"customer_id": "customer_number"}.get(differing[0], differing[0])
                report.add(line, table.label(field_key),
                           _("Differs from line %(line)s of the same order.", line=order["line"]))
                continue
        order["lines"].append({"product_id": product.id, "quantity": quantity.quantize(CENT),
                               "unit": unit, "price": price.quantize(CENT)})
    return orders


def import_orders(table: Table, actor_id: int | None = None, progress: Progress | None = None) -> Report:
    """Check every line; import all orders (with totals) only if every line is good."""
    report = Report()
    orders = check_orders(table, report, progress)
    if report.error_count:
        report.sort(table)
        return report
    order_rows = []
    for order in orders.values():
        total = sum((line["quantity"] * line["price"] for line in order["lines"]), Decimal("0")).quantize(CENT)
        order_rows.append({**order["order"], "total": total, "created_by_id": actor_id})
    ids = _insert(Order, order_rows, None, returning=Order.id)
    line_rows = [{**line, "order_id": order_id}
                 for order_id, order in zip(ids, orders.values()) for line in order["lines"]]
    _insert(OrderLine, line_rows, progress)
    _commit_or_refuse()
    churn.close_recovered()  # customers who ordered again are no longer at risk
    report.imported = len(order_rows)
    return report


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: Any
    permission: str
    columns: list[Column]
    run: Callable[..., Report]
    example: str


KINDS = {
    "customers": ImportKind("customers", _l("Import customers"), "customers.customer.import", CUSTOMER_COLUMNS,
                            import_customers,
                            "name,region,manager,level,phone,postcode\n"
                            "Acme Trading,beijing,zhang,2,010-88886666,100080\n"),
    "orders": ImportKind("orders", _l("Import orders"), "customers.order.import", ORDER_COLUMNS, import_orders,
                         "order_number,customer_number,date,product_name,product_model,quantity,price\n"
                         "SO-1001,KH2024010100001,2024-01-15,Printer,P-100,2,1999.00\n"),
}
