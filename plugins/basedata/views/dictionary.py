"""The data dictionary (数据字典): list, export, create, edit, delete."""
from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from core.api import _, db, list_page, require_permission
from plugins.basedata import services
from plugins.basedata.forms import DictionaryEntryForm, DictionaryFilter
from plugins.basedata.models import DictionaryEntry as Entry
from plugins.basedata.views import blueprint
from plugins.basedata.views.saving import delete, save

SORTS = {"type": Entry.type, "item": Entry.item, "value": Entry.value, "sort_order": Entry.sort_order}


def _filtered(filters: DictionaryFilter):
    stmt = select(Entry)
    if filters.type.data:
        stmt = stmt.where(Entry.type.icontains(filters.type.data, autoescape=True))
    if filters.item.data:
        stmt = stmt.where(or_(Entry.item.icontains(filters.item.data, autoescape=True),
                              Entry.item_en.icontains(filters.item.data, autoescape=True)))
    if filters.value.data:
        stmt = stmt.where(Entry.value.icontains(filters.value.data, autoescape=True))
    return stmt


@blueprint.route("/dictionary")
@require_permission("basedata.dictionary.view")
def dictionary():
    filters = DictionaryFilter(request.args)
    filters.validate()
    stmt = _filtered(filters) if not filters.errors else select(Entry).where(False)
    header = [_("Type"), _("Item"), _("English label"), _("Value"), _("Sort order"), _("Editable")]
    return list_page(stmt, SORTS, "type", Entry.id, template="basedata/dictionary_list.html",
                     export=("dictionary.csv", header, _csv_row), filters=filters, type_label=services.type_label)


def _csv_row(e: Entry) -> tuple:
    return e.type, e.item, e.item_en, e.value, e.sort_order, _("Yes") if e.editable else _("No")


def _known_types() -> list[tuple[str, str]]:
    """Every type in use or seeded, for the type field's completion list."""
    stored = set(db.session.scalars(select(Entry.type).distinct()))
    return [(key, services.type_label(key)) for key in sorted(stored | set(services.TYPE_LABELS))]


def _check_unique(form: DictionaryEntryForm, entry: Entry) -> bool:
    """Refuse a second entry with the same item or value within a type, and re-coding a used value."""
    same_type = select(Entry.id).where(Entry.type == form.type.data, Entry.id != (entry.id or 0))
    ok = True
    if db.session.scalar(same_type.where(Entry.item == form.item.data).limit(1)):
        form.item.errors.append(_("This type already has an item with this name."))
        ok = False
    if db.session.scalar(same_type.where(Entry.value == form.value.data).limit(1)):
        form.value.errors.append(_("This type already has an item with this value."))
        ok = False
    if entry.id is not None and (entry.type, entry.value) != (form.type.data, form.value.data):
        used_in = services.where_used(entry.type, entry.value)
        if used_in:
            message = _("The type and value cannot change while records use this entry (%(places)s).",
                        places=", ".join(used_in))
            form.value.errors.append(message)
            ok = False
    return ok


def _edit(entry: Entry, form: DictionaryEntryForm):
    if form.is_submitted():
        valid = form.validate_on_submit()
        unique = _check_unique(form, entry)  # also when other fields are wrong: show every problem at once
        if valid and unique and save(form, entry):
            return redirect(url_for("basedata.dictionary"))
    return render_template("basedata/dictionary_form.html", form=form, entry=entry, types=_known_types())


@blueprint.route("/dictionary/new", methods=["GET", "POST"])
@require_permission("basedata.dictionary.manage")
def dictionary_new():
    form = DictionaryEntryForm(type=request.args.get("type", ""))
    return _edit(Entry(), form)


def _editable_entry(entry_id: int) -> Entry:
    """The entry, or a 403 page saying why when it is protected (not editable)."""
    entry = db.get_or_404(Entry, entry_id)
    if not entry.editable:
        page = render_template("errors.html", code=403, title=_("Protected entry"),
                               message=_("This dictionary entry is not editable: it cannot be changed or deleted."))
        abort(make_response(page, 403))
    return entry


@blueprint.route("/dictionary/<int:entry_id>/edit", methods=["GET", "POST"])
@require_permission("basedata.dictionary.manage")
def dictionary_edit(entry_id: int):
    entry = _editable_entry(entry_id)
    return _edit(entry, DictionaryEntryForm(obj=entry))


@blueprint.route("/dictionary/<int:entry_id>/delete", methods=["POST"])
@require_permission("basedata.dictionary.manage")
def dictionary_delete(entry_id: int):
    entry = _editable_entry(entry_id)
    delete(entry, services.where_used(entry.type, entry.value))
    return redirect(url_for("basedata.dictionary"))
