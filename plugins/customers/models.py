"""Customers, their contacts, activities and orders (tables ``customers_*``)."""
from __future__ import annotations

from datetime import date as Date, datetime
from decimal import Decimal

from flask import url_for
from sqlalchemy import Boolean, Date as SQLDate, DateTime, ForeignKey, Index, Numeric, String, Text, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from core.api import BusinessRecord, TextIndex, User, code_string, db, lazy_gettext as _l, utcnow
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

ACTIVITY_TYPE = "activity_type"  # dictionary type of Activity.kind (seeded by the migration, see seed.py)
basedata.register_type(ACTIVITY_TYPE, _l("Activity type"))



def _links_through_customer(model, endpoint: str, record_ids: list[int], key: str) -> dict[int, str]:
    """Audit links of records whose pages sit under their customer's: one query for a page of them."""
    rows = db.session.execute(select(model.id, model.customer_id).where(model.id.in_(record_ids))).all()
    return {id_: url_for(endpoint, customer_id=customer_id, **{key: id_}) for id_, customer_id in rows}

# Searched by any fragment from an index; names also by one or two characters (core/text_search.py).
CUSTOMER_TEXT = TextIndex("customers_customer", ("name", "number", "phone"), grams="name")
CONTACT_TEXT = TextIndex("customers_contact", ("name", "office_phone", "mobile", "email"), grams="name")


class Customer(db.Model, BusinessRecord):
    __tablename__ = "customers_customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The number, dictionary values, the status and the keys are code_string: compared byte by byte on
    # PostgreSQL in the 14 B-tree indexes holding them (the name keeps the database's collation: it is
    # searched case-insensitively).
    # "KH" + YYYYMMDD + sequence, set by the server (see numbering.py), never edited.
    number: Mapped[str] = mapped_column(code_string(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_sort: Mapped[str] = mapped_column(code_string(400), default="", index=True)  # pinyin order (name_order.py)
    region: Mapped[str] = mapped_column(code_string(40))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    level: Mapped[str] = mapped_column(code_string(40), default="1")
    satisfaction: Mapped[str] = mapped_column(code_string(40), default="3")
    credit: Mapped[str] = mapped_column(code_string(40), default="3")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    fax: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    licence_no: Mapped[str] = mapped_column(String(50), default="")
    legal_person: Mapped[str] = mapped_column(String(50), default="")
    capital: Mapped[Decimal | None] = mapped_column(Money)  # registered capital, 10k CNY
    turnover: Mapped[Decimal | None] = mapped_column(Money)  # annual turnover, 10k CNY
    bank: Mapped[str] = mapped_column(String(40), default="")
    bank_account: Mapped[str] = mapped_column(String(50), default="")
    local_tax_no: Mapped[str] = mapped_column(String(50), default="")
    national_tax_no: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(code_string(10), default=STATUS_NORMAL)
    # What possible duplicates are found by (see duplicates.py): set whenever name or phone is set.
    name_key: Mapped[str] = mapped_column(code_string(200), default="", server_default="", index=True)
    phone_key: Mapped[str] = mapped_column(code_string(30), default="", server_default="", index=True)

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])

    __audit_label__ = _l("Customer")
    __audit_exclude__ = BusinessRecord.__audit_exclude__ | {"name_key", "phone_key", "name_sort"}
    __audit_fields__ = {
        "number": _l("Number"), "name": _l("Name"), "region": _l("Region"), "manager_id": _l("Account manager"),
        "level": _l("Level"), "satisfaction": _l("Satisfaction"), "credit": _l("Credit"), "address": _l("Address"),
        "postcode": _l("Postcode"), "phone": _l("Phone"), "fax": _l("Fax"), "email": _l("E-mail"),
        "website": _l("Website"), "licence_no": _l("Business licence no."),
        "legal_person": _l("Legal representative"), "capital": _l("Registered capital (10k CNY)"),
        "turnover": _l("Annual turnover (10k CNY)"), "bank": _l("Bank"), "bank_account": _l("Bank account"),
        "local_tax_no": _l("Local tax no."), "national_tax_no": _l("National tax no."), "status": _l("Status"),
        "created_at": _l("Created"), "created_by_id": _l("Created by"),
    }
    __audit_codes__ = {
        "region": lambda: basedata.labels(basedata.REGION), "level": lambda: basedata.labels(basedata.CUSTOMER_LEVEL),
        "satisfaction": lambda: basedata.labels(basedata.SATISFACTION),
        "credit": lambda: basedata.labels(basedata.CREDIT), "bank": lambda: basedata.labels(basedata.BANK),
        "status": lambda: CUSTOMER_STATUSES,
    }

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("customers.customer_detail", customer_id=id_) for id_ in record_ids}

    # Every sort the list offers, and each filter, has an index ending in the id: the
    # list's order is (column, id), so the first page, a keyset page (rows past
    # (value, id)) and the last page (read backwards) are each a short index range.
    # Data scope "own" narrows by manager first: its default and name orders get their own.
    __table_args__ = (
        *(Index(f"ix_customers_customer_{column}_id", column, "id")
          for column in ("created_at", "name", "region", "manager_id", "level", "status")),
        # (and the status, so that a page deep in a manager's list skips rows on the index's entries alone:
        # deleted customers are left out by it, without reading each skipped customer's row)
        Index("ix_customers_customer_manager_created", "manager_id", "created_at", "id", "status"),
        # Each filter in the list's default order (newest first): the page is an index range, not a sort.
        *(Index(f"ix_customers_customer_{column}_created", column, "created_at", "id")
          for column in ("region", "level", "status")),
        # (Not the status here: holding the id, name and status of a manager's customers, it made PostgreSQL
        # hash all 20,000 for the few whose follow-ups are due, 8 ms instead of 1.4.)
        Index("ix_customers_customer_manager_name", "manager_id", "name", "id"),
        # A manager's count, filtered by region and/or level or not, from index entries alone; and
        # their visible customers' ids (SQLite's indexes hold the rowid, PostgreSQL's include the id).
        Index("ix_customers_customer_manager_filters", "manager_id", "status", "region", "level",
              postgresql_include=["id"]),
        # Customer composition counts customers per level, credit or satisfaction from these alone.
        # (also the administrator's count of a region and level: PostgreSQL counts index entries)
        Index("ix_customers_customer_level_status_region", "level", "status", "region"),
        Index("ix_customers_customer_credit_status", "credit", "status"),
        Index("ix_customers_customer_satisfaction_status", "satisfaction", "status"),
        # "Contains" searches of name, number and phone (see core/text_search.py).
        *CUSTOMER_TEXT.indexes(),
        CUSTOMER_TEXT.table_info(),
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
    email: Mapped[str] = mapped_column(String(254), default="")
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)  # the customer's main contact (one at most)
    memo: Mapped[str] = mapped_column(String(500), default="")

    customer: Mapped[Customer] = relationship()

    __audit_label__ = _l("Contact")
    __audit_fields__ = {"customer_id": _l("Customer"), "name": _l("Name"), "sex": _l("Sex"),
                        "position": _l("Position"), "office_phone": _l("Office phone"), "mobile": _l("Mobile"),
                        "email": _l("E-mail"), "is_main": _l("Main contact"), "memo": _l("Memo"),
                        "created_at": _l("Created"), "created_by_id": _l("Created by")}
    __audit_codes__ = {"sex": lambda: SEXES}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return _links_through_customer(cls, "customers.contact_edit", record_ids, "contact_id")

    __table_args__ = (
        # At most one main contact per customer, whatever two people save at once.
        Index("uq_customers_contact_main", "customer_id", unique=True,
              sqlite_where=text("is_main"), postgresql_where=text("is_main")),
        *CONTACT_TEXT.indexes(),
        CONTACT_TEXT.table_info(),
    )

    def __str__(self) -> str:
        return self.name


class Activity(db.Model, BusinessRecord):
    """A contact with the customer (交往记录): a call, visit, e-mail or meeting, and its next step.

    The owner (who had the contact, set by the server) is reminded of the next
    step on its due date; marking it done sets ``next_step_done_at``.
    """

    __tablename__ = "customers_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_customers_activity_customer_date below (customer_id comes first).
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers_customer.id", ondelete="CASCADE"))
    date: Mapped[Date] = mapped_column(SQLDate, index=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")  # dictionary type activity_type
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("customers_contact.id", ondelete="SET NULL"),
                                                   index=True)
    # Indexed by ix_customers_activity_open_follow_ups below (owner_id comes first).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    place: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    remark: Mapped[str] = mapped_column(String(500), default="")
    next_step: Mapped[str] = mapped_column(String(200), default="")
    next_step_due: Mapped[Date | None] = mapped_column(SQLDate, index=True)  # the daily reminder reads it
    next_step_done_at: Mapped[datetime | None] = mapped_column(DateTime)

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    __audit_label__ = _l("Activity")
    __audit_fields__ = {"customer_id": _l("Customer"), "date": _l("Date"), "kind": _l("Type"),
                        "contact_id": _l("Contact met"), "owner_id": _l("Owner"), "place": _l("Place"),
                        "summary": _l("Summary"), "details": _l("Details"), "remark": _l("Remark"),
                        "next_step": _l("Next step"), "next_step_due": _l("Next step due"),
                        "next_step_done_at": _l("Next step done"), "created_at": _l("Created"),
                        "created_by_id": _l("Created by")}
    __audit_codes__ = {"kind": lambda: basedata.labels(ACTIVITY_TYPE)}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return _links_through_customer(cls, "customers.activity_edit", record_ids, "activity_id")

    __table_args__ = (
        # A customer's activities newest first (tab, timeline pages) read this index only.
        Index("ix_customers_activity_customer_date", "customer_id", "date"),
        # Everyone's newest first, with their customers: the dashboard's recent activities look for a user's
        # among them.
        Index("ix_customers_activity_date_id", "date", "id", "customer_id"),
        # A user's open follow-ups by due date (dashboard, "My follow-ups"), with the customer the scope
        # checks: the done ones are not in it (an account manager's 330 open steps due among 3,277).
        Index("ix_customers_activity_open_follow_ups", "owner_id", "next_step_due", "id", "customer_id",
              "next_step_done_at",
              postgresql_where=text("next_step_done_at IS NULL AND next_step_due IS NOT NULL"),
              sqlite_where=text("next_step_done_at IS NULL AND next_step_due IS NOT NULL")),
    )

    @property
    def follow_up_open(self) -> bool:
        return bool(self.next_step_due) and self.next_step_done_at is None

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

    __audit_label__ = _l("Order")
    __audit_fields__ = {"customer_id": _l("Customer"), "number": _l("Order number"), "date": _l("Date"),
                        "address": _l("Delivery address"), "status": _l("Status"), "total": _l("Total"),
                        "lines": _l("Lines"), "created_at": _l("Created"), "created_by_id": _l("Created by")}
    __audit_codes__ = {"status": lambda: ORDER_STATUSES}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return _links_through_customer(cls, "customers.order_detail", record_ids, "order_id")

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
basedata.register_usage(ACTIVITY_TYPE, Activity.kind, _l("Activities"))
basedata.register_product_usage(OrderLine.product_id, _l("Orders"))
