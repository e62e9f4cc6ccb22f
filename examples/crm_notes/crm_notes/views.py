"""The notes pages, mounted under /notes/. Every view is guarded by a permission."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from core.api import _, db, is_stale, list_page, require_permission, scoped
from plugins.customers import services as customers

from crm_notes.forms import NoteFilterForm, NoteForm
from crm_notes.models import Note

blueprint = Blueprint("notes", __name__, template_folder="templates")

# Sortable columns, each indexed; the id follows creation order.
SORTS = {"title": Note.title, "created": Note.id}   # sort key -> indexed column
DEFAULT_SORT = "-created"                           # "-" = descending


@blueprint.route("/")
@require_permission("notes.note.view")
def index():
    form = NoteFilterForm(request.args)
    notes = scoped(select(Note), Note)
    if form.validate() and form.q.data:
        notes = notes.where(Note.title.icontains(form.q.data, autoescape=True))
    notes = customers.with_customer(notes, Note.customer_id, outer=True)  # rows: (note, customer_name, customer_number)
    export = ("notes.csv", [_("ID"), _("Title"), _("Text"), _("Customer"), _("Created")], _csv_row)
    return list_page(notes, SORTS, DEFAULT_SORT, Note.id, template="notes/index.html", export=export, form=form)


@blueprint.route("/new", methods=["GET", "POST"])
@require_permission("notes.note.edit")
def create():
    form = NoteForm()
    if form.validate_on_submit():
        db.session.add(Note(title=form.title.data, body=form.body.data or "", customer_id=form.customer_id.data))
        db.session.commit()
        flash(_("Note saved."), "success")
        return redirect(url_for(".index"))
    return render_template("notes/form.html", form=form, note=None)


@blueprint.route("/<int:note_id>/edit", methods=["GET", "POST"])
@require_permission("notes.note.edit")
def edit(note_id: int):
    note = db.session.scalar(scoped(select(Note), Note).where(Note.id == note_id))
    if note is None:
        abort(404)
    form = NoteForm(obj=note)                      # fills version from the record
    if form.validate_on_submit():
        if is_stale(note, form.version.data):
            form.form_errors.append(_("This note was changed by someone else while you were editing it. "
                                      "Reload the page to see the current text, then make your change again."))
        else:
            note.title = form.title.data
            note.body = form.body.data or ""
            note.customer_id = form.customer_id.data
            db.session.commit()                    # version becomes version + 1
            flash(_("Note saved."), "success")
            return redirect(url_for(".index"))
    return render_template("notes/form.html", form=form, note=note)


def _csv_row(row) -> tuple:
    note, customer_name, customer_number = row
    customer = f"{customer_name} ({customer_number})" if customer_number else ""
    return note.id, note.title, note.body, customer, note.created_at
