"""The plugin's one table. Its name starts with the plugin name: ``notes_``."""
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.api import BusinessRecord, db
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
