"""The notes plugin's report, rendered by the reports plugin when it is enabled."""
from sqlalchemy import String, func, select

from core.api import Chart, Column, Report, lazy_gettext as _l, scoped

from crm_notes.models import Note


def notes_per_month(form):
    month = func.substr(func.cast(Note.created_at, String), 1, 7).label("month")
    return scoped(select(month, func.count().label("notes")), Note).group_by(month).order_by(month)


NOTES_PER_MONTH = Report(
    key="notes.per_month", title=_l("Notes per month"), section=_l("Notes"),
    permission="notes.note.view",
    columns=(Column("month", _l("Month")), Column("notes", _l("Notes"), "integer")),
    query=notes_per_month, chart=Chart("line", label="month", values=("notes",)),
)
