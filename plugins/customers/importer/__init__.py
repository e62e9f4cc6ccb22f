"""CSV import of customers and orders (the web upload page and ``crm import`` share it).

Every row is checked first, with the rules of the web forms; a file with any
error is refused whole with a report of each bad row. A good file goes in with
bulk inserts in one transaction, so it is imported completely or not at all,
with an audit entry for each customer and order created.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from core.api import lazy_gettext as _l
from plugins.customers.importer.customer_rows import CUSTOMER_COLUMNS, import_customers
from plugins.customers.importer.order_rows import ORDER_COLUMNS, import_orders
from plugins.customers.importer.report import Report
from plugins.customers.importer.table import Column, ImportRefused, read_table

__all__ = ["KINDS", "ImportKind", "ImportRefused", "Report", "read_table"]


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
