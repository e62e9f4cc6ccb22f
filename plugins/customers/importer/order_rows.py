"""Importing orders: one CSV line per order line, grouped by order number; the checks and the bulk insert."""
from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update

from core.api import _, analyze, db, format_money, id_or_none, lazy_gettext as _l, record_bulk
from plugins.basedata import services as basedata
from plugins.customers import churn, order_summary
from plugins.customers.forms import MAX_MONEY, OrderForm, OrderLineForm
from plugins.customers.importer.database import (
    CHUNK, advance, all_or_nothing, bulk_insert, lookup, restricted_to,
)
from plugins.customers.importer.progress import Callback, ImportProgress
from plugins.customers.importer.report import Report
from plugins.customers.importer.rules import CENT, FormRules, parse_date, parse_decimal
from plugins.customers.importer.table import Column, Table
from plugins.customers.models import ORDER_STATUSES, ORDER_UNPAID, STATUS_DELETED, Customer, Order, OrderLine

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
            product = self.by_id.get(id_or_none(text))
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


class OrderRows:
    """Checks the lines of a file a chunk at a time, grouping them into orders by number.

    What must be remembered across chunks is one small entry per order of the
    file (its id once inserted, its first line, its header), so lines of one
    order may stand anywhere in the file.
    """

    def __init__(self, table: Table, report: Report):
        self.table, self.report = table, report
        self.order_rules, self.line_rules = FormRules(OrderForm), FormRules(OrderLineForm)
        self.line_rules.form.product_id.data = 0  # the quantity rule applies to lines that name a product
        self.products = _Products()
        self.statuses = _order_statuses()
        self.seen: dict[str, list] = {}  # order number -> [order id or None, first line, header tuple]
        self.totals: dict[str, Decimal] = defaultdict(Decimal)  # order number -> total of its lines so far

    def check_chunk(self, chunk: list) -> dict[str, dict]:
        """The chunk's good lines by order number: {"order": Order values, or None when the order's
        first line came in an earlier chunk, "lines": [OrderLine values]}."""
        table, report = self.table, self.report
        scope = [Customer.manager_id == restricted_to()] if restricted_to() is not None else []
        customers = lookup(Customer.number, {values.get("customer_number", "") for _line, values in chunk},
                           Customer.status != STATUS_DELETED, *scope)
        existing = lookup(Order.number, {values.get("order_number", "") for _line, values in chunk} - self.seen.keys())
        orders: dict[str, dict] = {}
        for line, values in chunk:
            if not report.check_extra(line, values):
                continue
            errors_before = report.error_count
            number = values.get("order_number", "")
            message = self.order_rules.error("number", number)
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
            order_date = parse_date(values.get("date", ""))
            if order_date is None:
                report.add(line, table.label("date"), _("Enter a date as YYYY-MM-DD."))
            address = values.get("address", "")
            message = self.order_rules.error("address", address)
            if message:
                report.add(line, table.label("address"), message)
            status = self.statuses.get(values.get("status", "").lower() or ORDER_UNPAID)
            if status is None:
                report.add(line, table.label("status"), _("Enter unpaid or paid."))
            product, message = self.products.find(values)
            if message:
                report.add(line, table.label("product_id" if values.get("product_id") else "product_name"), message)
            quantity = parse_decimal(values.get("quantity", ""))
            message = self.line_rules.error("quantity", quantity) if quantity is not None else _("Enter a quantity.")
            if message:
                report.add(line, table.label("quantity"), message)
            price_text = values.get("price", "")
            price = parse_decimal(price_text) if price_text else (product.price if product else None)
            if price_text and price is None:
                report.add(line, table.label("price"), _("Enter a number, e.g. 1200.50."))
            elif price is not None and (message := self.line_rules.error("price", price)):
                report.add(line, table.label("price"), message)
            unit = values.get("unit", "") or (product.unit if product else "")
            message = self.line_rules.error("unit", unit)
            if message:
                report.add(line, table.label("unit"), message)
            if report.error_count != errors_before:
                continue
            header = (customer_id, order_date, address, status)
            first = self.seen.get(number)
            if first is None:
                first = self.seen[number] = [None, line, header]
            elif first[2] != header:
                differing = next(i for i, (a, b) in enumerate(zip(first[2], header)) if a != b)
                report.add(line, table.label(("customer_number", "date", "address", "status")[differing]),
                           _("Differs from line %(line)s of the same order.", line=first[1]))
                continue
            quantity, price = quantity.quantize(CENT, ROUND_HALF_UP), price.quantize(CENT, ROUND_HALF_UP)
            total = self.totals[number]
            self.totals[number] += (quantity * price).quantize(CENT)
            if self.totals[number] > MAX_MONEY:
                if total <= MAX_MONEY:  # said once, at the line that goes over
                    report.add(line, table.label("quantity"), _(
                        "The order's total would exceed %(max)s, the largest amount an order can hold. "
                        "Split it into several orders.", max=format_money(MAX_MONEY)))
                continue
            order = orders.get(number)
            if order is None:
                values_ = dict(zip(("customer_id", "date", "address", "status"), header), number=number)
                order = orders[number] = {"order": values_ if first[1] == line else None, "lines": []}
            order["lines"].append({"product_id": product.id, "quantity": quantity, "unit": unit, "price": price})
        return orders

    def remember_ids(self, numbers: list[str], ids: list[int]) -> None:
        for number, id_ in zip(numbers, ids):
            self.seen[number][0] = id_

    def id_of(self, number: str) -> int:
        return self.seen[number][0]


def _audit(order_ids: list[int], order_rows: list[dict], orders) -> None:
    """One audit entry per order; its lines are summarised in it rather than audited one by one."""
    record_bulk("create", Order, [
        {"id": order_id, **row, "lines": [f"product #{line['product_id']} × {line['quantity']} {line['unit']} "
                                          f"@ {line['price']}" for line in order["lines"]]}
        for order_id, row, order in zip(order_ids, order_rows, orders)
    ])


def _progress(callback: Callback | None) -> ImportProgress:
    """The import's bar: the orders are inserted chunk by chunk as the file is read, then the steps over all
    of them (weights estimated: the reading does most of the work)."""
    return ImportProgress(callback, reading=70, steps={
        "summaries": (_l("updating the customers' order figures"), 10), "commit": (_l("committing"), 5),
        "churn": (_l("closing churn warnings of customers who ordered"), 5),
        "statistics": (_l("refreshing the database's statistics"), 10)})


def import_orders(table: Table, actor_id: int | None = None, progress: Callback | None = None) -> Report:
    """Check every line, a chunk at a time; insert the orders (with totals) and lines of each good chunk
    in one transaction, committed only if every line of the file is good. ``progress``: see progress.py."""
    report = Report()
    rows = OrderRows(table, report)
    steps = _progress(progress)
    imported, later_lines = 0, defaultdict(Decimal)  # order id -> amount of lines after its first chunk
    customers = set()  # whose order amount per month changes
    with all_or_nothing(report):
        for chunk in table.chunks(CHUNK):
            orders = rows.check_chunk(chunk)
            advance(steps, table)
            if report.error_count:  # after the first bad line, only check the rest for the report
                continue
            new = {number: order for number, order in orders.items() if order["order"] is not None}
            order_rows = [{**order["order"], "total": _total(order["lines"]), "created_by_id": actor_id}
                          for order in new.values()]
            ids = bulk_insert(Order, order_rows, key=Order.number)
            customers.update(row["customer_id"] for row in order_rows)
            rows.remember_ids(list(new), ids)
            _audit(ids, order_rows, new.values())
            for number, order in orders.items():
                if order["order"] is None:
                    later_lines[rows.id_of(number)] += _total(order["lines"])
            bulk_insert(OrderLine, [{**line, "order_id": rows.id_of(number)}
                                    for number, order in orders.items() for line in order["lines"]])
            imported += len(new)
        if not report.error_count:
            steps.step("summaries")
            for order_id, amount in later_lines.items():
                db.session.execute(update(Order).where(Order.id == order_id).values(total=Order.total + amount))
            order_summary.refresh_customers(customers)
            steps.step("commit")
    if report.error_count:
        report.sort(table)
        return report
    steps.step("churn")
    churn.close_recovered()  # customers who ordered again are no longer at risk (committed by analyze)
    steps.step("statistics")
    analyze(Order, OrderLine)
    report.imported = imported
    steps.finished()
    return report


def _total(lines: list[dict]) -> Decimal:
    return sum((line["quantity"] * line["price"] for line in lines), Decimal("0")).quantize(CENT)
