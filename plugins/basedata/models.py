"""Base data tables: the data dictionary, products and stock."""
from __future__ import annotations

from decimal import Decimal

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import BusinessRecord, db, watch_cache


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


def label_for(item: str, item_en: str | None) -> str:
    chinese = has_request_context() and str(get_locale()) == "zh_CN"  # jobs and commands: English
    if item_en and not chinese:
        return item_en
    return item


class Product(BusinessRecord, db.Model):
    """A product (产品) that orders and stock refer to."""

    __tablename__ = "basedata_product"

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

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("basedata_product.id"), index=True)
    warehouse: Mapped[str] = mapped_column(String(60), index=True)
    location: Mapped[str] = mapped_column(String(60), default="", index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0, index=True)
    memo: Mapped[str] = mapped_column(String(500), default="")

    product: Mapped[Product] = relationship()


watch_cache(DictionaryEntry, "basedata.dictionary")  # labels and choices are cached (services._entries)
