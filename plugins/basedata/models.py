"""Base data tables: the data dictionary, products and stock."""
from __future__ import annotations

from decimal import Decimal

from flask import has_request_context, url_for
from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import BusinessRecord, current_locale, db, lazy_gettext as _l, watch_cache


def _edit_links(endpoint: str, key: str, record_ids: list[int]) -> dict[int, str]:
    return {id_: url_for(endpoint, **{key: id_}) for id_ in record_ids}


class DictionaryEntry(BusinessRecord, db.Model):
    """One item of a typed list (数据字典), e.g. type ``region``, item 北京, value ``beijing``.

    ``value`` is the stable code other plugins store; ``item`` is the label
    (usually Chinese) and ``item_en`` its optional English translation.
    """

    __tablename__ = "basedata_dictionary"
    __table_args__ = (
        UniqueConstraint("type", "item"),
        UniqueConstraint("type", "value"),
    )
    __audit_label__ = _l("Dictionary entry")
    __audit_fields__ = {"type": _l("Type"), "item": _l("Item"), "item_en": _l("English label"), "value": _l("Value"),
                        "sort_order": _l("Sort order"), "editable": _l("Editable")}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return _edit_links("basedata.dictionary_edit", "entry_id", record_ids)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    item: Mapped[str] = mapped_column(String(100), index=True)
    item_en: Mapped[str] = mapped_column(String(100), default="")
    value: Mapped[str] = mapped_column(String(40), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, index=True)
    editable: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def label(self) -> str:
        """The item in the current user's language (Chinese item unless English is chosen)."""
        return label_for(self.item, self.item_en)


def in_chinese() -> bool:
    """Are dictionary items shown in Chinese? Jobs and commands: English."""
    return has_request_context() and str(current_locale()) == "zh_CN"


def label_for(item: str, item_en: str | None, chinese: bool | None = None) -> str:
    """``chinese``: ``in_chinese()``, asked once by callers labelling many items."""
    if chinese is None:
        chinese = in_chinese()
    if item_en and not chinese:
        return item_en
    return item


class Product(BusinessRecord, db.Model):
    """A product (产品) that orders and stock refer to."""

    __tablename__ = "basedata_product"
    __audit_label__ = _l("Product")
    __audit_fields__ = {"name": _l("Name"), "model": _l("Model"), "batch": _l("Grade / batch"), "unit": _l("Unit"),
                        "price": _l("Unit price"), "memo": _l("Memo")}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return _edit_links("basedata.product_edit", "product_id", record_ids)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    model: Mapped[str] = mapped_column(String(60), default="", index=True)
    batch: Mapped[str] = mapped_column(String(60), default="", index=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"), index=True)
    memo: Mapped[str] = mapped_column(String(500), default="")

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.name, self.model, self.batch) if part)

    def __str__(self) -> str:
        return self.display_name


class Stock(BusinessRecord, db.Model):
    """How many pieces of a product lie at one place (库存: warehouse 仓库, location 货位)."""

    __tablename__ = "basedata_stock"
    __audit_label__ = _l("Stock")
    __audit_fields__ = {"product_id": _l("Product"), "warehouse": _l("Warehouse"), "location": _l("Location"),
                        "quantity": _l("Quantity"), "memo": _l("Memo")}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return _edit_links("basedata.stock_edit", "stock_id", record_ids)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("basedata_product.id"), index=True)
    warehouse: Mapped[str] = mapped_column(String(60), index=True)
    location: Mapped[str] = mapped_column(String(60), default="", index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0, index=True)
    memo: Mapped[str] = mapped_column(String(500), default="")

    product: Mapped[Product] = relationship()


watch_cache(DictionaryEntry, "basedata.dictionary")  # labels and choices are cached (services._entries)
