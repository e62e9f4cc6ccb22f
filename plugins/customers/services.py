"""The public service of the customers plugin: the only module other plugins import.

    from plugins.customers import services as customers

    customer = customers.visible_customer(customer_id)          # 404 unless the user may see it
    stmt = customers.scope_through_customer(select(Ticket), Ticket.customer_id)

    class Ticket(db.Model, BusinessRecord):
        customer_id: Mapped[int] = mapped_column(customers.customer_foreign_key(), index=True)

    class TicketForm(FlaskForm):
        customer_id = customers.CustomerField(_l("Customer"), [InputRequired()])  # .data: a visible customer's id

The customer 360 page (``/customers/<id>``) offers three slots, each with
``context["customer"]`` (see docs/plugins.md for examples):

- ``customers.detail.tabs``: a ``SlotItem`` holding a section; ``data-title`` names the tab,
  ``data-count`` (optional) is shown beside it; without JavaScript the sections stack::

    SlotItem('<section class="crm-tab" id="tab-service" data-title="Service requests" data-count="3">…</section>', order=50)

- ``customers.detail.actions``: a ``SlotItem`` holding a small button (``btn btn-sm``) or link.
- ``customers.timeline``: a list of ``TimelineEntry`` for the customer's timeline, at most
  ``context["limit"]`` of them, newest first, all placed before ``context["before"]`` (None on the
  first page); ``timeline_query`` builds the query that reads just those rows.
"""
from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import ForeignKey, func, select

from core.api import db, emit, lock_for_update, propagate, scoped, search_term, users_holding

from plugins.basedata import services as basedata
from plugins.customers import notices
from plugins.customers.duplicates import Duplicates, find_duplicates
from plugins.customers.models import CONTACT_TEXT, CUSTOMER_TEXT, STATUS_DELETED, Contact, Customer, Order
from plugins.customers.normalise import name_key
from plugins.customers.numbering import add_numbered
from plugins.customers.picker import CustomerField, label_of  # noqa: F401  (public)
from plugins.customers.timeline import (  # noqa: F401  (public)
    Position as TimelinePosition, TimelineEntry, timeline_query,
)

MANAGER_PERMISSION = "customers.customer.edit"


def visible_customers_query():
    """``select(Customer)`` of the customers the current user may see (deleted ones excluded)."""
    return scoped(select(Customer), Customer).where(Customer.status != STATUS_DELETED)


def scope_through_customer(stmt, customer_id_column):
    """Narrow ``stmt`` over a table with a customer id (contacts, orders, churn records, ...)
    to rows whose customer the current user may see."""
    stmt = stmt.join(Customer, customer_id_column == Customer.id).where(Customer.status != STATUS_DELETED)
    return scoped(stmt, Customer)


def customer_foreign_key(ondelete: str = "CASCADE") -> ForeignKey:
    """The foreign key of a column pointing at a customer: ``mapped_column(customer_foreign_key(), index=True)``.

    Customers are deleted softly (their row stays), so ``ondelete`` only matters when an
    administrator purges rows: ``"CASCADE"`` (the default, as the customers plugin's own
    contacts and orders) removes yours with the customer, ``"SET NULL"`` keeps them unlinked
    (a nullable column).
    """
    return ForeignKey("customers_customer.id", ondelete=ondelete)


def with_customer(stmt, customer_id_column, *, outer: bool = False):
    """``stmt`` joined to each row's customer, adding the result columns ``customer_name`` and
    ``customer_number``: list pages and exports show them without a query per row.

    Not scoped: it adds columns and drops no row the user may not see through the customer,
    deleted customers included. Use it when your own scope already decided which rows the
    user sees (``scoped(select(Note), Note)``); ``outer=True`` keeps rows without a customer
    (a nullable column; their two columns are None). To show only rows of customers the user
    may see, use ``with_visible_customer``.
    """
    joined = stmt.outerjoin if outer else stmt.join
    return joined(Customer, customer_id_column == Customer.id).add_columns(
        Customer.name.label("customer_name"), Customer.number.label("customer_number"))


def with_visible_customer(stmt, customer_id_column):
    """``scope_through_customer`` and ``with_customer`` in one: only rows whose customer the user may
    see (not deleted), with ``customer_name`` and ``customer_number`` added."""
    return scope_through_customer(stmt, customer_id_column).add_columns(
        Customer.name.label("customer_name"), Customer.number.label("customer_number"))


def visible_customer(customer_id) -> Customer:
    """The customer if the current user may see it; otherwise abort with 404 (nothing leaks)."""
    customer = db.session.scalar(visible_customers_query().where(Customer.id == customer_id))
    if customer is None:
        abort(404)
    return customer


def customer_text_matches(term: str, columns: tuple[str, ...] = ("name", "number", "phone"), key=None):
    """A condition on ``Customer``: one of ``columns`` (of name, number, phone) contains ``term``.

    Answered from an index on SQLite and PostgreSQL whatever the term's length —
    one or two Chinese characters (华信) included, which search the name only;
    case-insensitive, ``%`` and ``_`` literal (see core/text_search.py). ``key``: a column
    holding the customer's id in the query (e.g. ``ChurnRecord.customer_id``), compared
    instead of ``Customer.id`` where the index allows (SQLite), so that rows referring to a
    customer are matched without reading the customer's row.
    """
    return CUSTOMER_TEXT.matches(Customer, search_term(term), columns, key=key)


def filter_by_customer_text(stmt, term: str, columns: tuple[str, ...] = ("name", "number", "phone"), key=None):
    """``stmt.where(customer_text_matches(term, columns, key))``, written so that the database
    chooses where to start from how common the term is (``core.api.TextIndex.filter``): for a
    list's filter, AND-ed with its others. ``customer_text_matches`` is the condition for any place."""
    return CUSTOMER_TEXT.filter(stmt, Customer, search_term(term), columns, key=key)


def contact_text_matches(term: str, columns: tuple[str, ...] = ("name", "office_phone", "mobile", "email")):
    """A condition on ``Contact``: one of ``columns`` (of name, office_phone, mobile, email) contains ``term``
    (indexed, as ``customer_text_matches``)."""
    return CONTACT_TEXT.matches(Contact, search_term(term), columns)


def customer_search(term: str, limit: int = 20) -> list[dict]:
    """Customers the user may see whose name, number or phone contains ``term``, by name (for select fields):
    ``[{"id", "number", "name", "phone", "label"}]``."""
    # The first few by name: for a common term (华信, one name in twenty) walking the names in order
    # and probing each finds them at once, where collecting and sorting every match would not.
    stmt = (visible_customers_query().with_only_columns(Customer.id, Customer.number, Customer.name, Customer.phone)
            .order_by(Customer.name, Customer.id).limit(limit))
    rows = CUSTOMER_TEXT.first_matches(stmt, Customer, search_term(term))
    return [{"id": id_, "number": number, "name": name, "phone": phone, "label": f"{name} ({number})"}
            for id_, number, name, phone in rows]


def contact_search(term: str, limit: int = 20) -> list[dict]:
    """Contacts of customers the user may see whose name, office phone, mobile or e-mail contains ``term``,
    by name: ``[{"id", "name", "phone", "mobile", "email", "customer_id", "customer_name"}]``."""
    if not search_term(term):
        return []
    stmt = scope_through_customer(select(Contact.id, Contact.name, Contact.office_phone, Contact.mobile,
                                         Contact.email, Contact.customer_id, Customer.name), Contact.customer_id)
    rows = CONTACT_TEXT.first_matches(stmt.order_by(Contact.name, Contact.id).limit(limit), Contact, search_term(term))
    return [{"id": id_, "name": name, "phone": phone, "mobile": mobile, "email": email, "customer_id": customer_id,
             "customer_name": customer_name} for id_, name, phone, mobile, email, customer_id, customer_name in rows]


def visible_customers_named(name: str, limit: int = 10) -> list[dict]:
    """Customers the user may see whose name is ``name`` ignoring case, spaces, punctuation and company
    suffixes (an index lookup of the name key), as ``[{"id", "number", "name", "label"}]``: to offer
    linking one instead of creating a duplicate."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        return []
    rows = db.session.execute(visible_customers_query().with_only_columns(Customer.id, Customer.number, Customer.name)
                              .where(Customer.name_key == name_key(name)).limit(limit))
    return [{"id": id_, "number": number, "name": name_, "label": f"{name_} ({number})"}
            for id_, number, name_ in sorted(rows)]


def possible_duplicates(name: str, phone: str = "", limit: int = 10) -> Duplicates:
    """Customers that may be the same as a new one named ``name`` (case, spaces, punctuation and company
    suffixes such as 有限公司 or Co., Ltd. ignored) or with the same phone number: ``.visible`` lists
    those the user may see (at most ``limit``), ``.hidden`` counts the others, which must not be shown.
    Two index lookups, whatever the number of customers."""
    return find_duplicates(name, phone, limit)


def last_order_date(customer_id) -> date | None:
    """The date of the customer's latest order, or None."""
    return db.session.scalar(select(func.max(Order.date)).where(Order.customer_id == customer_id))


def customers_managed_by(user_id: int):
    """``select`` of the ids of the customers ``user_id`` manages (an index lookup): for the ``owned_by``
    clause of a table whose rows belong to a customer's account manager too."""
    return select(Customer.id).where(Customer.manager_id == user_id)


def manager_of(customer_id: int) -> int | None:
    """The customer's account manager, for a record that keeps a copy of it: held as it is until the
    caller commits (a reassignment made meanwhile waits, then updates the copy too)."""
    lock_for_update(Customer, customer_id)
    return db.session.scalar(manager_of_query(customer_id))


def manager_of_query(customer_id: int):
    """``select`` of the customer's account manager's id (no lock: see ``manager_of``)."""
    return select(Customer.manager_id).where(Customer.id == customer_id)


def account_managers():
    """``select(User)`` of the active users who may be a customer's account manager."""
    return users_holding(MANAGER_PERMISSION)


def create_customer_with_contact(name: str, manager_id: int | None, *, region: str | None = None,
                                 contact_name: str = "", contact_phone: str = "", contact_position: str = "",
                                 **fields) -> Customer:
    """Create a customer (and its first contact, its main one, when ``contact_name`` is given) and flush.

    The caller commits; ``customers.customer_created`` is delivered after that
    commit. ``region`` defaults to the first region of the dictionary; other
    ``fields`` are Customer columns (address, phone, level, ...).
    """
    if region is None:
        regions = basedata.choices(basedata.REGION)
        region = regions[0][0] if regions else ""
    customer = Customer(name=name[:200], manager_id=manager_id, region=region, **fields)
    add_numbered(customer)
    if contact_name:
        db.session.add(Contact(customer_id=customer.id, name=contact_name[:50], is_main=True,
                               position=contact_position[:50], office_phone=contact_phone[:30]))
        db.session.flush()
    customer_created(customer)
    return customer


def customer_created(customer: Customer) -> None:
    notices.customer_assigned(customer)
    emit("customers.customer_created", {"id": customer.id, "number": customer.number, "name": customer.name,
                                        "manager_id": customer.manager_id})


def customers_reassigned(customer_ids: list[int], manager_id: int | None) -> None:
    """The customers' account manager is now ``manager_id`` (flushed, not yet committed): plugins that
    keep a copy of it update it now, in this transaction (``customers.manager_changed`` to ``on_change``);
    so do the customers' churn records and RFM scores (``follow_manager`` of each)."""
    from plugins.customers import churn, rfm

    churn.follow_manager(customer_ids, manager_id)
    rfm.follow_manager(customer_ids, manager_id)
    propagate("customers.manager_changed", {"customer_ids": list(customer_ids), "manager_id": manager_id})


def customer_deleted(customer: Customer) -> None:
    emit("customers.customer_deleted", {"id": customer.id, "number": customer.number, "name": customer.name,
                                        "manager_id": customer.manager_id})


def order_created(order: Order) -> None:
    """A new order was flushed: close its customer's open churn warning in the same transaction
    (the caller commits) and announce ``customers.order_created`` after the commit."""
    from plugins.customers import churn

    churn.close_recovered([order.customer_id])
    emit("customers.order_created", {"id": order.id, "number": order.number, "customer_id": order.customer_id,
                                     "total": str(order.total), "date": order.date.isoformat()})
