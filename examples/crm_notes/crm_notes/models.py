"""The plugin's one table. Its name starts with the plugin name: ``notes_``."""
from flask import url_for
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BusinessRecord, db, lazy_gettext as _l
from plugins.customers import services as customers  # a plugin listed in `requires`


class Note(db.Model, BusinessRecord):
    """A short note. BusinessRecord adds timestamps, the creator, a version for
    optimistic locking and the audit trail; users whose data scope is "own"
    see only the notes they created (the default ``owned_by``)."""

    __tablename__ = "notes_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)  # indexed: the list sorts by it
    body: Mapped[str] = mapped_column(Text, default="")
    # Optional: the customer the note is about (kept, unlinked, if the customer row is ever purged).
    customer_id: Mapped[int | None] = mapped_column(customers.customer_foreign_key(ondelete="SET NULL"), index=True)

    # How the audit log shows a note: what it is, its fields' labels, a link to it.
    __audit_label__ = _l("Note")                                             # one record of the table
    __audit_fields__ = {"title": _l("Title"), "body": _l("Text"), "customer_id": _l("Customer")}  # field labels

    @classmethod
    def audit_links(cls, record_ids: list[int]) -> dict[int, str]:           # one query at most for a page
        return {id_: url_for("notes.edit", note_id=id_) for id_ in record_ids}
