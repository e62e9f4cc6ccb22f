"""The status flow of an opportunity, enforced on the server for every way in (form, kanban, URL).

    unassigned ──assign──▶ developing (stage 1 … n) ──▶ won | lost

Each change goes through ``transition``, which checks the flow, sets the
probability the stage asks for and writes the history row in the same
transaction. The public actions below check who may act and the version the
user saw (a stale move is refused; the other person's change stays), then
call it. They flush but never commit: the view commits once, so an error
anywhere leaves nothing saved.
"""
from __future__ import annotations

from sqlalchemy import select

from core.api import User, _, can, current_actor_id, db, emit, is_stale, users_holding, utcnow

from plugins.customers import services as customers
from plugins.marketing.models import (
    CLOSED, DEVELOPING, LOST, UNASSIGNED, WON, Opportunity, Stage, StageChange,
)

VIEW = "marketing.opportunity.view"
CREATE = "marketing.opportunity.create"
MANAGE = "marketing.opportunity.manage"  # act on everyone's opportunities (sales director)
ASSIGN = "marketing.opportunity.assign"
DEVELOP = "marketing.opportunity.develop"


class Refused(Exception):
    """A change the rules do not allow; ``str(exc)`` is the message shown beside the field or on the card."""


class ChooseCustomer(Exception):
    """Winning needs the user's choice: visible customers with the opportunity's name already exist."""

    def __init__(self, candidates: list[dict]):
        super().__init__("choose a customer")
        self.candidates = candidates


def stale_message() -> str:
    return _("This opportunity was changed by someone else meanwhile. Nothing was saved: "
             "reload the page to see their change, then make yours again.")


# --- who may do what ------------------------------------------------------------------------------

def may_edit(opportunity: Opportunity) -> bool:
    """Edit or delete: only while unassigned, by its creator or a sales director."""
    return opportunity.status == UNASSIGNED and can(CREATE) and (
        opportunity.created_by_id == current_actor_id() or can(MANAGE))


def may_assign(opportunity: Opportunity) -> bool:
    return opportunity.status in (UNASSIGNED, DEVELOPING) and can(ASSIGN)


def may_develop(opportunity: Opportunity) -> bool:
    """Plan, move through stages, win or lose: the assignee (or a sales director) while developing."""
    return opportunity.status == DEVELOPING and can(DEVELOP) and (
        opportunity.assignee_id == current_actor_id() or can(MANAGE))


def _check(opportunity: Opportunity, version, allowed: bool) -> None:
    if opportunity.is_closed:
        raise Refused(_("Won and lost opportunities are read-only."))
    if not allowed:
        raise Refused(_("You may not make this change to this opportunity."))
    if is_stale(opportunity, version):
        raise Refused(stale_message())


# --- the one transition -----------------------------------------------------------------------------

_ALLOWED = {UNASSIGNED: {DEVELOPING}, DEVELOPING: {DEVELOPING, WON, LOST}}


def transition(opportunity: Opportunity, to_status: str, to_stage: Stage | None = None) -> StageChange:
    """Move ``opportunity`` to a status (and stage), keep the history; refuses what the flow forbids."""
    if to_status not in _ALLOWED.get(opportunity.status, set()):
        raise Refused(_("An opportunity cannot go from %(from)s to %(to)s.",
                        **{"from": opportunity.status_label, "to": _status_label(to_status)}))
    if to_status == DEVELOPING and to_stage is None:
        raise Refused(_("Choose a pipeline stage."))
    if to_status == DEVELOPING and opportunity.status == DEVELOPING and to_stage.id == opportunity.stage_id:
        raise Refused(_("The opportunity is already in this stage."))
    change = StageChange(opportunity_id=opportunity.id, from_status=opportunity.status,
                         from_stage_id=opportunity.stage_id, to_status=to_status,
                         to_stage_id=to_stage.id if to_stage is not None else opportunity.stage_id,
                         changed_by_id=current_actor_id(), changed_at=utcnow())
    opportunity.status = to_status
    if to_stage is not None:
        opportunity.stage = to_stage
        opportunity.probability = to_stage.probability  # the user may still change it afterwards
    if to_status in CLOSED:
        opportunity.closed_at = change.changed_at
        opportunity.probability = 100 if to_status == WON else 0
    db.session.add(change)
    db.session.flush()
    return change


def _status_label(status: str) -> str:
    from plugins.marketing.models import STATUSES

    return str(STATUSES.get(status, status))


def first_stage() -> Stage | None:
    return db.session.scalar(select(Stage).order_by(Stage.sort_order, Stage.id).limit(1))


def stages() -> list[Stage]:
    return list(db.session.scalars(select(Stage).order_by(Stage.sort_order, Stage.id)))


# --- the actions -----------------------------------------------------------------------------------

def assignable_users():
    """``select(User)`` of active users who may develop opportunities (the account managers)."""
    return users_holding(DEVELOP)


def assign(opportunity: Opportunity, assignee_id, version, stage: Stage | None = None) -> None:
    """指派: give the opportunity to an active account manager; an unassigned one starts developing."""
    _check(opportunity, version, may_assign(opportunity))
    if assignee_id is None or db.session.scalar(
            assignable_users().with_only_columns(User.id).where(User.id == assignee_id)) is None:
        raise Refused(_("Choose an active user who may develop opportunities."))
    if opportunity.status == UNASSIGNED:
        transition(opportunity, DEVELOPING, stage or first_stage())
    elif stage is not None and stage.id != opportunity.stage_id:
        transition(opportunity, DEVELOPING, stage)
    if opportunity.assignee_id != assignee_id:
        opportunity.assignee_id = assignee_id
        opportunity.assigned_at = utcnow()
        emit("marketing.opportunity_assigned", {"id": opportunity.id, "assignee_id": assignee_id,
                                                "customer_name": opportunity.customer_name})
    db.session.flush()


def move_to_stage(opportunity: Opportunity, stage: Stage, version) -> None:
    _check(opportunity, version, may_develop(opportunity))
    transition(opportunity, DEVELOPING, stage)


def win_choices(opportunity: Opportunity) -> list[dict]:
    """Customers winning may link instead of creating one: the customer the opportunity names
    (a repeat sale), then visible customers of the same name; ``[{"id", "label", ...}]``."""
    choices = customers.visible_customers_named(opportunity.customer_name)
    named = _named_customer(opportunity)
    if named is not None and named not in {c["id"] for c in choices}:
        customer = customers.visible_customer(named)
        choices.insert(0, {"id": named, "number": customer.number, "name": customer.name,
                           "label": customers.label_of(customer)})
    elif named is not None:
        choices.sort(key=lambda c: c["id"] != named)
    return choices


def _named_customer(opportunity: Opportunity) -> int | None:
    """The customer the opportunity names, if the current user may see it."""
    if opportunity.customer_id is None:
        return None
    stmt = customers.scope_through_customer(select(Opportunity.customer_id).where(Opportunity.id == opportunity.id),
                                            Opportunity.customer_id)
    return db.session.scalar(stmt)


def win(opportunity: Opportunity, version, choice: str | None = None) -> bool:
    """开发成功: link or create the customer (with its first contact), then status won.

    ``choice`` is ``"new"`` (create a customer even though same-named ones
    exist), the id (as text) of one of ``win_choices`` to link it, or None:
    link the customer the opportunity names, else create one unless
    same-named customers exist (then ``ChooseCustomer`` asks). Returns True
    when a customer was created. Nothing is committed here.
    """
    _check(opportunity, version, may_develop(opportunity))
    if choice is None:
        linked = _named_customer(opportunity)
        if linked is None:
            candidates = win_choices(opportunity)
            if candidates:
                raise ChooseCustomer(candidates)
    elif choice == "new":
        linked = None
    else:
        linked = next((c["id"] for c in win_choices(opportunity) if str(c["id"]) == choice), None)
        if linked is None:
            raise Refused(_("Choose one of the customers offered, or a new customer."))
    transition(opportunity, WON)
    created = linked is None
    if created:
        customer = customers.create_customer_with_contact(
            opportunity.customer_name, opportunity.assignee_id,
            contact_name=opportunity.contact, contact_phone=opportunity.contact_phone)
        linked = customer.id
    opportunity.customer_id = linked
    emit("marketing.opportunity_won", {"id": opportunity.id, "customer_id": linked, "created_customer": created,
                                       "assignee_id": opportunity.assignee_id,
                                       "amount": str(opportunity.amount) if opportunity.amount is not None else None})
    return created


def lose(opportunity: Opportunity, version, reason: str, note: str = "") -> None:
    """终止开发: a reason from the dictionary is required."""
    _check(opportunity, version, may_develop(opportunity))
    if not reason:
        raise Refused(_("Choose the reason why the opportunity was lost."))
    opportunity.lost_reason = reason
    opportunity.lost_note = note or ""
    transition(opportunity, LOST)
    emit("marketing.opportunity_lost", {"id": opportunity.id, "reason": reason,
                                        "assignee_id": opportunity.assignee_id})


# --- a move on the kanban (drag and drop or the card's chooser) ------------------------------------

DONE, ASK_ASSIGNEE, ASK_WON, ASK_LOST = "done", "assign", "won", "lost"


def move(opportunity: Opportunity, target: str, version) -> tuple[str, Stage | None]:
    """Move to the kanban column ``target`` (``unassigned``, ``stage-<id>``, ``won``, ``lost``).

    A stage move is done at once. Moves that need more from the user are only
    checked here and answered with what to ask: an assignee (an unassigned
    card dropped on a stage), the won confirmation, or the lost reason; the
    pages that ask run ``assign``, ``win`` or ``lose``, which check again.
    """
    if target in (WON, LOST):
        _check(opportunity, version, may_develop(opportunity))
        return (ASK_WON if target == WON else ASK_LOST), None
    if target == UNASSIGNED:
        _check(opportunity, version, True)  # read-only and stale moves get those messages first
        raise Refused(_("The opportunity is already unassigned.") if opportunity.status == UNASSIGNED
                      else _("An opportunity in development cannot go back to unassigned."))
    stage_id = target.removeprefix("stage-")
    stage = db.session.get(Stage, int(stage_id)) if stage_id.isascii() and stage_id.isdigit() \
        and len(stage_id) < 10 else None
    if stage is None:
        raise Refused(_("This pipeline stage does not exist any more; reload the page."))
    if opportunity.status == UNASSIGNED:
        _check(opportunity, version, may_assign(opportunity))
        return ASK_ASSIGNEE, stage
    move_to_stage(opportunity, stage, version)
    return DONE, stage
