"""Saving and deleting records with optimistic locking, shared by the three pages."""
from __future__ import annotations

from flask import flash
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.api import _, db, is_stale

NOT_COPIED = {"version", "csrf_token", "submit"}


def stale_message() -> str:
    return _("This record was changed by someone else while you edited it. "
             "Reload the page to see the stored data, then apply your changes again.")


def save(form, record) -> bool:
    """Copy ``form`` into ``record`` and commit; False (with a message on the form) if nothing was saved."""
    if record.id is not None and is_stale(record, form.version.data):
        form.form_errors.append(stale_message())
        return False
    for field in form:
        if field.name not in NOT_COPIED:
            setattr(record, field.name, field.data if field.data is not None else "")
    db.session.add(record)
    try:
        db.session.commit()
    except StaleDataError:  # someone saved between our check and our commit
        db.session.rollback()
        form.form_errors.append(stale_message())
        return False
    except IntegrityError:
        db.session.rollback()
        form.form_errors.append(_("This record conflicts with one saved meanwhile. Check the data and try again."))
        return False
    flash(_("Saved."), "success")
    return True


def delete(record, used_in: list[str]) -> bool:
    """Delete ``record`` unless ``used_in`` names places that refer to it; flashes the outcome."""
    if used_in:
        flash(_("This record cannot be deleted: it is used in %(places)s.", places=", ".join(used_in)), "danger")
        return False
    db.session.delete(record)
    db.session.commit()
    flash(_("Deleted."), "success")
    return True
