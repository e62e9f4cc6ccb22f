"""Upload pages of the CSV import: the columns and the form; the import itself runs on the job queue.

The upload is saved to disk as it arrives (never held in memory) and handed to
a worker; the user follows the job's page, which ends with the number imported
or the report of every bad row.
"""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField

from core.api import (
    JobFailed, Outcome, TooManyJobs, _, can, current_user, lazy_gettext as _l, remove_upload, report_progress,
    require_permission, save_upload, start_job, upload_path,
)
from plugins.customers.importer import KINDS, ImportRefused, read_table

blueprint = Blueprint("customers_import", __name__, template_folder="templates", url_prefix="/import")

IMPORT_JOB = "customers.import"


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], _l("Choose a .csv file (save the spreadsheet as CSV).")),
    ])
    # Customers only: rows with the name or phone of an existing customer are refused unless ticked.
    allow_duplicates = BooleanField(_l("Import possible duplicates too"))


def _import_page(kind_key: str):
    kind = KINDS[kind_key]
    form = ImportForm()
    if form.validate_on_submit():
        upload = save_upload(form.file.data)
        try:
            with open(upload_path(upload), "rb") as source:
                read_table(source, kind.columns)  # the encoding and the header: answered beside the field
            options = {"allow_duplicates": True} if kind_key == "customers" and form.allow_duplicates.data else {}
            job = start_job(IMPORT_JOB, kind.title, params={"kind": kind_key, "upload": upload, **options})
        except ImportRefused as exc:
            remove_upload(upload)
            form.file.errors.append(str(exc))
        except TooManyJobs as exc:
            remove_upload(upload)
            flash(str(exc), "warning")
        else:
            return redirect(url_for("jobs.status", job_id=job.id))
    status = 400 if form.errors else 200
    return render_template("customers/import_form.html", kind=kind, kinds=KINDS, form=form), status


def import_job(kind: str, upload: str, **options) -> Outcome:
    """The ``customers.import`` job: check and import an uploaded file, all or nothing.

    ``options`` go to the kind's importer (customers: ``allow_duplicates``)."""
    import_kind = KINDS[kind]
    try:
        if not can(import_kind.permission):
            raise JobFailed(_("You may no longer import this kind of file."))
        with open(upload_path(upload), "rb") as source:
            table = read_table(source, import_kind.columns)
            report = import_kind.run(table, actor_id=current_user.id, progress=report_progress, **options)
    except ImportRefused as exc:
        raise JobFailed(_("The file was refused, nothing was imported. %(reason)s", reason=exc)) from exc
    finally:
        remove_upload(upload)
    if report.error_count:
        raise JobFailed(
            _("The file was refused: %(count)s error(s). Nothing was imported. Correct these rows in your file "
              "and upload it again.", count=report.error_count),
            header=(_("Line"), _("Column"), _("Problem")),
            rows=[(error.line, error.column or "—", error.message) for error in report.errors],
            more=report.error_count - len(report.errors))
    return Outcome(_("%(count)s record(s) imported.", count=report.imported),
                   url=url_for("customers.customer_list"))


@blueprint.route("/customers", methods=["GET", "POST"])
@require_permission("customers.customer.import")
def import_customers():
    return _import_page("customers")


@blueprint.route("/orders", methods=["GET", "POST"])
@require_permission("customers.order.import")
def import_orders():
    return _import_page("orders")
