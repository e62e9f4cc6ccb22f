"""Upload pages of the CSV import: the columns, the form and the report of a refused file."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from core.api import _, current_user, lazy_gettext as _l, require_permission
from plugins.customers.importer import KINDS, ImportRefused, Report, read_table

blueprint = Blueprint("customers_import", __name__, template_folder="templates", url_prefix="/import")


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], _l("Choose a .csv file (save the spreadsheet as CSV).")),
    ])


def _import_page(kind_key: str):
    kind = KINDS[kind_key]
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        try:
            report = kind.run(read_table(form.file.data.read(), kind.columns), actor_id=current_user.id)
        except ImportRefused as exc:
            form.file.errors.append(str(exc))
        if report is not None and not report.error_count:
            flash(_("%(count)s record(s) imported.", count=report.imported), "success")
            return redirect(url_for(f".import_{kind_key}"))
    status = 400 if form.errors or (report and report.error_count) else 200
    return render_template("customers/import_form.html", kind=kind, kinds=KINDS, form=form,
                           report=report or Report()), status


@blueprint.route("/customers", methods=["GET", "POST"])
@require_permission("customers.customer.import")
def import_customers():
    return _import_page("customers")


@blueprint.route("/orders", methods=["GET", "POST"])
@require_permission("customers.order.import")
def import_orders():
    return _import_page("orders")
