"""The status flow of a service request, enforced on the server for every way in.

    new ──assign──▶ assigned ──handle──▶ handled ──feedback ≥ 3──▶ archived
                       ▲                    │
                       └──feedback < 3──────┘  (another round; every round is kept)

The actions check who may act, the status and the version the user saw (a
replayed or stale submit is refused and changes nothing), then flush. They
never commit: the view commits once, so an error anywhere leaves nothing saved.
Events are delivered after that commit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.api import User, _, can, current_actor_id, db, emit, is_stale, users_holding

from plugins.customers import services as customers
from plugins.service import sla
from plugins.service.models import (
    ARCHIVED, ASSIGNED, HANDLED, NEW, PRIORITIES, SATISFIED, STATUSES, Round, ServiceRequest,
)

VIEW = "service.request.view"
CREATE = "service.request.create"
ASSIGN = "service.request.assign"
HANDLE = "service.request.handle"
FEEDBACK = "service.request.feedback"
MANAGE = "service.request.manage"  # record feedback on every request (sales director)


class Refused(Exception):
    """A change the rules do not allow; ``str(exc)`` is the message shown to the user."""


def stale_message() -> str:
    return _("This service request was changed by someone else meanwhile. Nothing was saved: "
             "reload the page to see their change, then make yours again.")


# --- who may do what ------------------------------------------------------------------------------

def may_assign(request: ServiceRequest) -> bool:
    """Assign a new request, or give an assigned one to someone else: the sales director."""
    return request.status in (NEW, ASSIGNED) and can(ASSIGN)


def may_delete(request: ServiceRequest) -> bool:
    return request.status == NEW and can(ASSIGN)


def may_handle(request: ServiceRequest) -> bool:
    """Only the assignee handles a request."""
    return request.status == ASSIGNED and can(HANDLE) and request.assignee_id == current_actor_id()


def may_feedback(request: ServiceRequest) -> bool:
    """服务反馈: the creator or the customer's account manager (or whoever may manage every request)."""
    me = current_actor_id()
    return request.status == HANDLED and can(FEEDBACK) and (
        can(MANAGE) or (me is not None and me in (request.created_by_id, request.customer_manager_id)))


def _check(request: ServiceRequest, version, allowed: bool, refusal: str) -> None:
    if request.status == ARCHIVED:
        raise Refused(_("Archived service requests are read-only."))
    if is_stale(request, version):
        raise Refused(stale_message())
    if not allowed:
        raise Refused(refusal)


def status_label(status: str) -> str:
    return str(STATUSES.get(status, status))


# --- the actions -----------------------------------------------------------------------------------

def assignable_users():
    """``select(User)`` of the active users who may handle service requests (the account managers)."""
    return users_holding(HANDLE)


def create(*, type: str, priority: str, summary: str, customer_id: int, text: str, at: datetime) -> ServiceRequest:
    if priority not in PRIORITIES:
        raise Refused(_("Choose a priority."))
    request = ServiceRequest(type=type, priority=priority, summary=summary, customer_id=customer_id, text=text,
                             status=NEW, created_at=at, customer_manager_id=customers.manager_of(customer_id))
    sla.start_clocks(request, at)
    db.session.add(request)
    db.session.flush()
    emit("service.request_created", {"id": request.id, "customer_id": customer_id, "priority": priority,
                                     "type": type})
    return request


def _valid_assignee(assignee_id) -> bool:
    return assignee_id is not None and db.session.scalar(
        assignable_users().with_only_columns(User.id).where(User.id == assignee_id)) is not None


def assign(request: ServiceRequest, assignee_id, version, at: datetime) -> None:
    """分配: a sales director gives the request to an active account manager."""
    _check(request, version, may_assign(request), _("Only new or assigned requests can be assigned."))
    if not _valid_assignee(assignee_id):
        raise Refused(_("Choose an active user who may handle service requests."))
    if request.status == ASSIGNED and request.assignee_id == assignee_id:
        raise Refused(_("The request is already assigned to this person."))
    _assign(request, assignee_id, at)


def _assign(request: ServiceRequest, assignee_id: int, at: datetime) -> None:
    request.status = ASSIGNED
    request.assignee_id = assignee_id
    request.assigned_at = at
    db.session.flush()
    emit("service.request_assigned", {"id": request.id, "assignee_id": assignee_id, "summary": request.summary})


def assign_many(requests: list[ServiceRequest], assignee_id, at: datetime) -> int:
    """Bulk assignment from the list of new requests: the ones still new are assigned; returns how many."""
    if not can(ASSIGN):
        raise Refused(_("You may not assign service requests."))
    if not _valid_assignee(assignee_id):
        raise Refused(_("Choose an active user who may handle service requests."))
    fresh = [request for request in requests if request.status == NEW]
    for request in fresh:
        _assign(request, assignee_id, at)
    return len(fresh)


def handle(request: ServiceRequest, handling: str, version, at: datetime) -> None:
    """服务处理: the assignee writes what was done; the customer's feedback is awaited."""
    _check(request, version, may_handle(request),
           _("Only the person the request is assigned to can handle it, while it is assigned."))
    request.handling = handling
    request.handler_id = current_actor_id()
    request.handled_at = at
    request.status = HANDLED
    db.session.add(Round(request_id=request.id, number=request.round, handling=handling, handler_id=current_actor_id(),
                         handled_at=at))
    sla.pause(request, at)
    db.session.flush()
    emit("service.request_handled", {"id": request.id, "handler_id": request.handler_id,
                                     "created_by_id": request.created_by_id, "round": request.round})


def feedback(request: ServiceRequest, result: str, satisfaction, version, at: datetime,
             by_customer: bool = False) -> bool:
    """服务反馈: satisfaction ≥ 3 archives the request, less sends it back to its assignee for
    another round. ``by_customer``: through the customer's rating link (no staff member).
    Returns True when the request was archived."""
    allowed = request.status == HANDLED and (by_customer or may_feedback(request))
    _check(request, version, allowed, _("Feedback can only be recorded on a handled request, by its creator "
                                        "or the customer's account manager."))
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise Refused(_("Choose a satisfaction from 1 to 5."))
    current = db.session.scalar(select(Round).where(Round.request_id == request.id, Round.number == request.round))
    if current is None or current.feedback_at is not None:
        raise Refused(_("Feedback on this round was already recorded."))
    current.result = result
    current.satisfaction = satisfaction
    current.feedback_by_id = None if by_customer else current_actor_id()
    current.feedback_at = at
    current.by_customer = by_customer
    request.result = result
    request.satisfaction = satisfaction
    archived = satisfaction >= SATISFIED
    if archived:
        request.status = ARCHIVED
        request.archived_at = at
        sla.close(request)
    else:
        request.status = ASSIGNED
        request.round += 1
        request.handling, request.handler_id, request.handled_at = "", None, None
        sla.resume(request, at)
    db.session.flush()
    payload = {"id": request.id, "satisfaction": satisfaction, "assignee_id": request.assignee_id,
               "round": current.number, "by_customer": by_customer}
    emit("service.request_archived" if archived else "service.request_reopened", payload)
    return archived


def delete(request: ServiceRequest, version) -> None:
    """A sales director deletes a request while it is new."""
    _check(request, version, may_delete(request), _("Only new requests can be deleted, by a sales director."))
    db.session.delete(request)
    db.session.flush()
