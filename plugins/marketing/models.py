"""Sales opportunities, pipeline stages, their history and development plans (tables ``marketing_*``)."""
from __future__ import annotations

from datetime import date as Date, datetime
from decimal import Decimal

from flask import has_request_context, url_for
from sqlalchemy import Date as SQLDate, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.api import BusinessRecord, TextIndex, User, current_locale, db, either, lazy_gettext as _l, utcnow
from plugins.basedata import services as basedata
from plugins.marketing.seed import LOST_REASON

Money = Numeric(14, 2)

UNASSIGNED = "unassigned"
DEVELOPING = "developing"
WON = "won"
LOST = "lost"
STATUSES = {UNASSIGNED: _l("Unassigned"), DEVELOPING: _l("Developing"), WON: _l("Won"), LOST: _l("Failed")}
CLOSED = (WON, LOST)
OPEN = (UNASSIGNED, DEVELOPING)

# The opportunities' search index (core/text_search.py): the list's "customer name contains" at any length, 华信
# included, and the top bar's search of customer name, summary, contact and phone (from three characters).
OPPORTUNITY_TEXT = TextIndex("marketing_opportunity", ("customer_name", "summary", "contact", "contact_phone"),
                             grams="customer_name")

# The dictionary type of lost reasons: the marketing plugin's own, editable by administrators.
basedata.register_type(LOST_REASON, _l("Opportunity lost reason"))


class Stage(db.Model, BusinessRecord):
    """A pipeline stage inside "developing" (初步接洽, 需求确认, ...), edited by administrators."""

    __tablename__ = "marketing_stage"
    __audit_label__ = _l("Stage")
    __audit_fields__ = {"name": _l("Name (English)"), "name_zh": _l("Name (Chinese)"), "sort_order": _l("Sort order"),
                        "probability": _l("Default probability (%)")}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("marketing.stage_edit", stage_id=id_) for id_ in record_ids}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    name_zh: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, index=True)
    probability: Mapped[int] = mapped_column(Integer, default=0)  # default success probability, 0-100

    @property
    def label(self) -> str:
        """The name in the user's language."""
        chinese = has_request_context() and str(current_locale()) == "zh_CN"
        return (self.name_zh if chinese else self.name) or self.name or self.name_zh

    def __str__(self) -> str:
        return self.label


class Opportunity(db.Model, BusinessRecord):
    """A sales opportunity (销售机会): found, assigned, developed through stages, won or lost."""

    __tablename__ = "marketing_opportunity"
    __audit_label__ = _l("Sales opportunity")
    __audit_fields__ = {
        "source": _l("Source"), "customer_name": _l("Customer name"), "customer_id": _l("Customer"),
        "probability": _l("Success probability (%)"), "summary": _l("Summary"), "contact": _l("Contact"),
        "contact_phone": _l("Contact phone"), "description": _l("Description"), "amount": _l("Expected amount"),
        "close_date": _l("Expected close date"), "status": _l("Status"), "stage_id": _l("Stage"),
        "assignee_id": _l("Assigned to"), "assigned_at": _l("Assigned at"), "closed_at": _l("Closed at"),
        "lost_reason": _l("Reason"), "lost_note": _l("Details"), "created_by_id": _l("Created by"),
        "created_at": _l("Created"),
    }
    __audit_codes__ = {
        "source": lambda: basedata.labels(basedata.OPPORTUNITY_SOURCE),
        "lost_reason": lambda: basedata.labels(LOST_REASON), "status": lambda: STATUSES, "stage_id": lambda: {s.id: s.label for s in db.session.scalars(select(Stage))},
    }

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        return {id_: url_for("marketing.opportunity_detail", opportunity_id=id_) for id_ in record_ids}

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40), default="", index=True)  # dictionary opportunity_source
    customer_name: Mapped[str] = mapped_column(String(200))
    # A repeat sale names an existing customer; a won opportunity links to its customer.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers_customer.id", ondelete="SET NULL"))
    probability: Mapped[int] = mapped_column(Integer, default=0)  # success probability, 0-100
    summary: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal | None] = mapped_column(Money)  # expected amount
    close_date: Mapped[Date | None] = mapped_column(SQLDate)  # expected close date
    status: Mapped[str] = mapped_column(String(12), default=UNASSIGNED)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_stage.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)  # when it was won or lost
    lost_reason: Mapped[str] = mapped_column(String(40), default="")  # dictionary lost_reason
    lost_note: Mapped[str] = mapped_column(String(1000), default="")

    stage: Mapped[Stage | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    creator: Mapped[User | None] = relationship(foreign_keys="Opportunity.created_by_id", viewonly=True)
    plan_items: Mapped[list["PlanItem"]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", order_by="(PlanItem.date, PlanItem.id)")

    __table_args__ = (
        # Kanban columns: one status (and stage), newest first; won/lost columns by closing time. The
        # amount and probability make them cover each column's totals and the forecast (no row read),
        # the assignee and creator the same for an account manager (data scope "own"). The forecast's
        # holds the stage after the close date: the board groups the open columns' totals and the
        # forecast from one read of its entries, in its order (plugins/marketing/pipeline.py).
        *(Index(f"ix_marketing_opportunity_{name}", *columns, "amount", "probability", "assignee_id", "created_by_id")
          for name, columns in (("column", ("status", "stage_id", "id")), ("closed", ("status", "closed_at")),
                                ("forecast", ("status", "close_date", "stage_id")))),
        # Every sort of the list has an index ending in the id: the list's order is (column, id), so the
        # first, a keyset and the last page are each a short index range (see core/paging.py).
        *(Index(f"ix_marketing_opportunity_{column}_id", column, "id")
          for column in ("created_at", "customer_name", "probability", "amount", "close_date", "status", "stage_id",
                         "assignee_id")),
        # Data scope "own", counted arm after arm (see owned_by): each arm's owner and status (the list's
        # usual filter), then the earlier arm's owner, so that a count reads index entries only; and what an
        # account manager's open pipeline and win rate sum (either_rows): closing time, amount, probability.
        Index("ix_marketing_opportunity_assignee_scope", "assignee_id", "status", "id", "closed_at", "amount",
              "probability"),
        Index("ix_marketing_opportunity_created_by_scope", "created_by_id", "status", "assignee_id", "id", "closed_at",
              "amount", "probability"),
        # A customer's opportunities (360 tab) and its timeline entries, newest first.
        Index("ix_marketing_opportunity_customer_created", "customer_id", "created_at"),
        Index("ix_marketing_opportunity_customer_closed", "customer_id", "closed_at"),
        *OPPORTUNITY_TEXT.indexes(),
        OPPORTUNITY_TEXT.table_info(),
    )

    @classmethod
    def owned_by(cls, user_id: int):
        """Data scope "own": opportunities a user is assigned to or created. ``either``: counted as two
        disjoint index ranges, and a page read along the list's order or from the scope's rows, whichever
        is the shorter (core/paging.py); a plain OR made SQLite gather and sort all of an account manager's
        opportunities for every page (6,249 at a million customers: 19-29 ms)."""
        return either(cls.assignee_id == user_id, cls.created_by_id == user_id)

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    @property
    def weighted_amount(self) -> Decimal | None:
        if self.amount is None:
            return None
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        return f"{self.customer_name} · {self.summary}"


class StageChange(db.Model):
    """One status or stage change of an opportunity: from, to, who, when (days-in-stage, conversion)."""

    __tablename__ = "marketing_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_opportunity.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_stage.id"), index=True)
    to_status: Mapped[str] = mapped_column(String(12))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("marketing_stage.id"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    from_stage: Mapped[Stage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage | None] = relationship(foreign_keys=[to_stage_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])


class PlanItem(db.Model, BusinessRecord):
    """A dated item of an opportunity's development plan (客户开发计划) and its result (执行效果)."""

    __tablename__ = "marketing_plan_item"
    __audit_label__ = _l("Plan item")
    __audit_fields__ = {"opportunity_id": _l("Sales opportunity"), "date": _l("Date"), "item": _l("Plan item"),
                        "result": _l("Result"), "executed_at": _l("Result recorded")}

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:
        """The opportunity's page, which lists its plan (one query for the page's items)."""
        found = db.session.execute(select(cls.id, cls.opportunity_id).where(cls.id.in_(record_ids)))
        return {id_: url_for("marketing.opportunity_detail", opportunity_id=opportunity_id)
                for id_, opportunity_id in found}

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("marketing_opportunity.id", ondelete="CASCADE"), index=True)
    date: Mapped[Date] = mapped_column(SQLDate, index=True)
    item: Mapped[str] = mapped_column(String(500))
    result: Mapped[str] = mapped_column(String(1000), default="")
    executed_at: Mapped[datetime | None] = mapped_column(DateTime)  # set when the result is recorded

    opportunity: Mapped[Opportunity] = relationship(back_populates="plan_items")

    # The items not yet executed, by opportunity and date: the dashboard's "Plan items due" reads a user's
    # developing opportunities' entries here, without reading an executed item (most of them) or a row.
    __table_args__ = (Index("ix_marketing_plan_item_undone", "opportunity_id", "date", "id",
                            sqlite_where=text("executed_at IS NULL"), postgresql_where=text("executed_at IS NULL")),)

    @property
    def is_executed(self) -> bool:
        return self.executed_at is not None


basedata.register_usage(basedata.OPPORTUNITY_SOURCE, Opportunity.source, _l("Sales opportunities"))
basedata.register_usage(LOST_REASON, Opportunity.lost_reason, _l("Sales opportunities"))
