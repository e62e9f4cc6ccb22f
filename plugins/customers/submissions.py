"""A new-customer form saved once, however many times it is sent (double clicks, resent pages)."""
from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.api import db

from plugins.customers.models import CustomerSubmission


def new_token() -> str:
    """The token a new form carries; saving the form claims it."""
    return secrets.token_urlsafe(24)


def customer_of(token: str | None) -> int | None:
    """The id of the customer already saved from the form with this token, or None."""
    if not token:
        return None
    return db.session.scalar(select(CustomerSubmission.customer_id).where(CustomerSubmission.token == token))


def is_claimed(token: str | None) -> bool:
    return bool(token) and db.session.scalar(
        select(CustomerSubmission.id).where(CustomerSubmission.token == token)) is not None


def claim(token: str | None) -> CustomerSubmission | None:
    """Claim the form's token before anything else is written; None if it was claimed already.

    Call it first in the transaction: the unique token decides between two copies of
    the form sent at once (the second insert waits for the first transaction and is
    refused once that commits), and the loser rolls back having written nothing.
    Set ``customer_id`` on the returned claim once the customer exists.
    """
    submission = CustomerSubmission(token=token or new_token())
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return submission
