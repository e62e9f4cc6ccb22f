"""Customers, their contacts, activities and orders (tables ``customers_*``)."""
from __future__ import annotations

from datetime import date as Date, datetime
from decimal import Decimal

from sqlalchemy import Date as SQLDate, ForeignKey, Index, Numeric, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from core.api import BusinessRecord, User, db, lazy_gettext as _l, utcnow
from plugins.basedata import services as basedata
from plugins.customers.normalise import name_key, phone_key

Money = Numeric(14, 2)

STATUS_NORMAL = "normal"
STATUS_LOST = "lost"
STATUS_DELETED = "deleted"
CUSTOMER_STATUSES = {STATUS_NORMAL: _l("Normal"), STATUS_LOST: _l("Lost"), STATUS_DELETED: _l("Deleted")}

ORDER_UNPAID = "unpaid"
ORDER_PAID = "paid"
ORDER_STATUSES = {ORDER_UNPAID: _l("Unpaid"), ORDER_PAID: _l("Paid")}

SEXES = {"male": _l("Male"), "female": _l("Female")}


class Customer(db.Model, BusinessRecord):
    __tablename__ = "customers_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "KH" + YYYYMMDD + sequence, set by the server (see numbering.py), never edited.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"), index=True)
    level: Mapped[str] = mapped_column(String(40), default="1", index=True)
    satisfaction: Mapped[str] = mapped_column(String(40), default="3")
    credit: Mapped[str] = mapped_column(String(40), default="3")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    fax: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    licence_no: Mapped[str] = mapped_column(String(50), default="")
    legal_person: Mapped[str] = mapped_column(String(50), default="")
    capital: Mapped[Decimal | None] = mapped_column(Money)  # registered capital, 10k CNY
    turnover: Mapped[Decimal | None] = mapped_column(Money)  # annual turnover, 10k CNY
    bank: Mapped[str] = mapped_column(String(40), default="")
    bank_account: Mapped[str] = mapped_column(String(50), default="")
    local_tax_no: Mapped[str] = mapped_column(String(50), default="")
    national_tax_no: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(10), default=STATUS_NORMAL, index=True)
    # What possible duplicates are found by (see duplicates.py): set whenever name or phone is set.
    name_key: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    phone_key: Mapped[str] = mapped_column(String(30), default="", server_default="", index=True)

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])

    __audit_exclude__ = BusinessRecord.__audit_exclude__ | {"name_key", "phone_key"}

    __table_args__ = (
        Index("ix_customers_customer_created_at", "created_at"),
        # Customer composition counts customers per level, credit or satisfaction from these alone.
        Index("ix_customers_customer_level_status", "level", "status"),
        Index("ix_customers_customer_credit_status", "credit", "status"),
        Index("ix_customers_customer_satisfaction_status", "satisfaction", "status"),
        # "Name contains" searches: a trigram index lets PostgreSQL answer ILIKE '%...%'
        # from the index at a million rows (SQLite scans; it is the small embedded default).
        Index("ix_customers_customer_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}, info={"dialects": ("postgresql",)}),
    )

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": the customers a user manages."""
        return cls.manager_id == user_id

    @validates("name")
    def _keep_name_key(self, _key, name):
        self.name_key = name_key(name)
        return name

    @validates("phone")
    def _keep_phone_key(self, _key, phone):
        self.phone_key = phone_key(phone)
        return phone

    @property
    def status_label(self) -> str:
        return str(CUSTOMER_STATUSES.get(self.status, self.status))

    def __str__(self) -> str:
        return self.name


class CustomerSubmission(db.Model):
    """The token of a new-customer form that was saved: the same form sent twice creates one customer."""

    __tablename__ = "customers_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # None while the customer is being saved (the token is claimed first, see submissions.py).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"),
                                                    index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(db.Model, BusinessRecord):
    __tablename__ = "customers_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    sex: Mapped[str] = mapped_column(String(10), default="")
    position: Mapped[str] = mapped_column(String(50))
    office_phone: Mapped[str] = mapped_column(String(30))
    mobile: Mapped[str] = mapped_column(String(30), default="")
    memo: Mapped[str] = mapped_column(String(500), default="")

    customer: Mapped[Customer] = relationship()

    def __str__(self) -> str:
        return self.name


class Activity(db.Model, BusinessRecord):
    """A contact with the customer (交往记录): visit, call, meeting."""

    __tablename__ = "customers_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_customers_activity_customer_date below (customer_id comes first).
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"))
    date: Mapped[Date] = mapped_column(SQLDate, index=True)
    place: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    remark: Mapped[str] = mapped_column(String(500), default="")

    customer: Mapped[Customer] = relationship()

    # A customer's activities newest first (tab, timeline pages) read this index only.
    __table_args__ = (Index("ix_customers_activity_customer_date", "customer_id", "date"),)

    def __str__(self) -> str:
        return self.summary


class Order(db.Model, BusinessRecord):
    """A past order (历史订单); ``total`` is kept equal to the sum of its lines."""

    __tablename__ = "customers_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_customers_order_customer_date below (customer_id comes first).
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    date: Mapped[Date] = mapped_column(SQLDate, index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default=ORDER_UNPAID)
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    # Last order date per customer (churn scan, customer 360) reads this index only.
    __table_args__ = (Index("ix_customers_order_customer_date", "customer_id", "date"),)

    @property
    def status_label(self) -> str:
        return str(ORDER_STATUSES.get(self.status, self.status))

    def recalculate_total(self) -> None:
        self.total = sum((line.amount for line in self.lines), Decimal("0.00"))

    def __str__(self) -> str:
        return self.number


class OrderLine(db.Model):
    __tablename__ = "customers_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("customers_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("basedata_product.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")
    price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[basedata.Product] = relationship(lazy="joined")

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.quantity or 0) * Decimal(self.price or 0)).quantize(Decimal("0.01"))


@event.listens_for(Session, "before_flush")
def _keep_order_totals(session, flush_context, instances):
    """Whoever changes lines (form, import, script), the stored total follows."""
    orders = {obj for obj in session.new | session.dirty if isinstance(obj, Order)}
    orders |= {obj.order for obj in session.new | session.dirty | session.deleted
               if isinstance(obj, OrderLine) and obj.order is not None}
    for order in orders - set(session.deleted):
        order.recalculate_total()


basedata.register_usage(basedata.REGION, Customer.region, _l("Customers"))
basedata.register_usage(basedata.CUSTOMER_LEVEL, Customer.level, _l("Customers"))
basedata.register_usage(basedata.CREDIT, Customer.credit, _l("Customers"))
basedata.register_usage(basedata.SATISFACTION, Customer.satisfaction, _l("Customers"))
basedata.register_usage(basedata.BANK, Customer.bank, _l("Customers"))
basedata.register_product_usage(OrderLine.product_id, _l("Orders"))
