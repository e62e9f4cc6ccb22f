"""The public service of basedata: the only module other plugins import.

Other plugins store a dictionary entry's ``value`` (a short stable code such
as ``"3"`` or ``"beijing"``) in their own ``String(40)`` columns and ask this
module for labels and choices::

    from plugins.basedata import services as basedata

    form.region.choices = basedata.choices(basedata.REGION)
    regions = basedata.labels(basedata.REGION)   # one query for a whole list page
    basedata.register_usage(basedata.REGION, Customer.region, _l("Customers"))
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, func, inspect, select

from core.api import cache_changed, db, lazy_gettext as _l, stable_cache

from plugins.basedata.models import DictionaryEntry, Product, Stock, in_chinese, label_for

# Dictionary type keys: stable codes, never translated.
CUSTOMER_LEVEL = "customer_level"
CREDIT = "credit"
SATISFACTION = "satisfaction"
REGION = "region"
SERVICE_TYPE = "service_type"
OPPORTUNITY_SOURCE = "opportunity_source"
ENTERPRISE_TYPE = "enterprise_type"
ENTERPRISE_NATURE = "enterprise_nature"
BANK = "bank"

TYPE_LABELS = {
    CUSTOMER_LEVEL: _l("Customer level"),
    CREDIT: _l("Credit"),
    SATISFACTION: _l("Satisfaction"),
    REGION: _l("Region"),
    SERVICE_TYPE: _l("Service type"),
    OPPORTUNITY_SOURCE: _l("Opportunity source"),
    ENTERPRISE_TYPE: _l("Enterprise type"),
    ENTERPRISE_NATURE: _l("Enterprise nature"),
    BANK: _l("Bank"),
}

# Columns of any plugin that hold dictionary values or product ids: (type key or None, column) -> where.
_usages: dict[tuple, tuple] = {}


def register_type(type_key: str, label) -> None:
    """Name a plugin's own dictionary type (a lazy label such as ``_l("Lost reason")``).

    Call it when your models module is imported: the data dictionary page then
    shows the type by this name and offers it for completion.
    """
    TYPE_LABELS[type_key] = label


def seed_type(type_key: str, entries, *, editable: bool = True, connection=None) -> int:
    """Add a plugin's default entries ``[(value, item, English label), ...]`` to ``type_key``
    if the type has no entry yet; returns how many were added (0 when it had some).

    Idempotent, and an administrator's later edits stay: once the type has
    entries nothing is added. Call it from your migration's data step with
    ``connection=op.get_bind()`` (it does not commit), or with no connection
    inside a request or command (it uses ``db.session``; the caller commits).
    """
    from plugins.basedata.seed import ensure_type

    added = ensure_type(connection if connection is not None else db.session.connection(), type_key, entries,
                        editable)
    if added and connection is None:
        cache_changed(DICTIONARY_CACHE)  # rows written without the ORM's flush
    return added


def type_label(type_key: str) -> str:
    """The translated name of a dictionary type; the key itself for types users added."""
    return str(TYPE_LABELS.get(type_key, type_key))


DICTIONARY_CACHE = "basedata.dictionary"


def _entries() -> dict[str, list[tuple[str, str, str]]]:
    """Every dictionary entry as ``{type: [(value, item, item_en), ...]}`` in sort order: a few
    hundred rows, read once and kept between requests until an entry changes (core.api.stable_cache)."""

    def load():
        found: dict[str, list[tuple[str, str, str]]] = {}
        rows = db.session.execute(select(DictionaryEntry.type, DictionaryEntry.value, DictionaryEntry.item,
                                         DictionaryEntry.item_en)
                                  .order_by(DictionaryEntry.type, DictionaryEntry.sort_order, DictionaryEntry.id))
        for type_, value, item, item_en in rows:
            found.setdefault(type_, []).append((value, item, item_en))
        return found

    return stable_cache(DICTIONARY_CACHE, load)


def choices(type_key: str) -> list[tuple[str, str]]:
    """``[(value, label), ...]`` of a type in sort order, labels in the current user's language."""
    chinese = in_chinese()
    return [(value, label_for(item, item_en, chinese)) for value, item, item_en in _entries().get(type_key, ())]


def labels(type_key: str) -> dict[str, str]:
    """``{value: label}`` of a type (cached: no query per row, nor per request)."""
    return dict(choices(type_key))


def label(type_key: str, value: str | None) -> str:
    """The label of one value: '' for None, the value itself if no entry has it."""
    if value is None:
        return ""
    return labels(type_key).get(value, value)


def register_usage(type_key: str, column, where) -> None:
    """Declare that ``column`` (a mapped attribute, e.g. ``Customer.region``) stores values of ``type_key``.

    Call it when your models module is imported. basedata then refuses to
    delete (or re-code) an entry whose value that column holds, naming ``where``
    (a lazy label such as ``_l("Customers")``) in its message.
    """
    _usages[(type_key, _column_key(column))] = (column, where)


def register_product_usage(column, where) -> None:
    """Declare that ``column`` (e.g. ``OrderLine.product_id``) holds ``basedata_product.id`` values.

    basedata refuses to delete a product while any row refers to it.
    """
    _usages[(None, _column_key(column))] = (column, where)


def where_used(type_key: str | None, value) -> list[str]:
    """Labels of the places whose rows hold ``value`` (type None: a product id). One query per place."""
    tables = set(inspect(db.session.connection()).get_table_names())
    found = []
    for (key, _name), (column, where) in _usages.items():
        if key != type_key or _table_of(column).name not in tables:
            continue  # a plugin whose tables are not in this database cannot hold the value
        if db.session.scalar(select(exists().where(column == value))):
            found.append(str(where))
    return found


def get_product(product_id) -> Product | None:
    """The product with this id, or None."""
    return db.session.get(Product, product_id) if product_id is not None else None


def product_choices() -> list[tuple[int, str]]:
    """``[(id, "name model batch"), ...]`` of every product, ordered by name, model and batch."""
    rows = db.session.scalars(select(Product).order_by(Product.name, Product.model, Product.batch, Product.id))
    return [(product.id, product.display_name) for product in rows]


@dataclass(frozen=True)
class ProductFacts:
    """What an order form needs to know of a product."""

    id: int
    label: str  # "name model batch"
    unit: str
    price: Decimal
    stock: int  # pieces on hand, summed over every warehouse and location


def products_with_stock() -> list[ProductFacts]:
    """Every product, ordered as ``product_choices``, with its unit, price and stock on hand: one query."""
    on_hand = (select(Stock.product_id, func.sum(Stock.quantity).label("quantity"))
               .group_by(Stock.product_id).subquery())
    rows = db.session.execute(
        select(Product, func.coalesce(on_hand.c.quantity, 0))
        .outerjoin(on_hand, on_hand.c.product_id == Product.id)
        .order_by(Product.name, Product.model, Product.batch, Product.id)
    )
    return [ProductFacts(product.id, product.display_name, product.unit, product.price, int(quantity))
            for product, quantity in rows]


def seed_dictionary() -> int:
    """Add the seeded dictionary entries that are missing and commit; returns how many were added.

    The migration seeds a new database; tests that empty the tables call this again.
    """
    from plugins.basedata.seed import ensure_dictionary

    added = ensure_dictionary(db.session.connection())
    if added:
        cache_changed(DICTIONARY_CACHE)  # rows written without the ORM's flush
    db.session.commit()
    return added


def _table_of(column):
    element = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return element.table


def _column_key(column) -> str:
    element = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return f"{element.table.name}.{element.name}"


register_product_usage(Stock.product_id, _l("Stock"))

__all__ = [
    "CUSTOMER_LEVEL", "CREDIT", "SATISFACTION", "REGION", "SERVICE_TYPE", "OPPORTUNITY_SOURCE",
    "ENTERPRISE_TYPE", "ENTERPRISE_NATURE", "BANK", "TYPE_LABELS", "type_label", "register_type", "seed_type",
    "choices", "labels", "label", "register_usage", "register_product_usage", "where_used",
    "get_product", "product_choices", "ProductFacts", "products_with_stock", "seed_dictionary", "Product",
    "DictionaryEntry",
]
