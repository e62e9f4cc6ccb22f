"""``crm import customers FILE`` and ``crm import orders FILE``."""
import click
from flask.cli import AppGroup


@click.group("import", cls=AppGroup)
def import_group() -> None:
    """Import customers or orders from a CSV file (UTF-8 or GBK); see the import page for the columns."""


def _run(kind_key: str, path: str, **options) -> None:
    from plugins.customers.importer import KINDS, ImportRefused, read_table
    from plugins.customers.importer.progress import SCALE

    kind = KINDS[kind_key]
    try:
        with open(path, "rb") as source:
            table = read_table(source, kind.columns)
            with click.progressbar(length=SCALE, label=f"Importing {kind_key}") as bar:
                def progress(done: int, _total: int, step: str) -> None:
                    bar.label = step  # reading, then each step of saving: the bar is not full before the commit
                    bar.update(done - bar.pos)

                report = kind.run(table, progress=progress, **options)
    except ImportRefused as exc:
        raise click.ClickException(f"Refused, nothing was imported. {exc}") from exc
    if report.error_count:
        lines = [f"Refused, nothing was imported: {report.error_count} error(s) in the file."]
        lines += [f"  line {e.line}, {e.column or '-'}: {e.message}" for e in report.errors]
        if report.error_count > len(report.errors):
            lines.append(f"  ... and {report.error_count - len(report.errors)} more.")
        raise click.ClickException("\n".join(lines))
    click.echo(f"Imported {report.imported} {kind_key}.")


@import_group.command("customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--allow-duplicates", is_flag=True,
              help="Also import rows whose name or phone matches an existing customer or an earlier row.")
def import_customers(path: str, allow_duplicates: bool) -> None:
    """Import customers from the CSV file PATH; they get new customer numbers.

    Possible duplicates (same name ignoring case, spaces and company suffixes, or same phone)
    are refused unless --allow-duplicates is given."""
    _run("customers", path, allow_duplicates=allow_duplicates)


@import_group.command("orders")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_orders(path: str) -> None:
    """Import orders from the CSV file PATH: one line per order line, grouped by order number."""
    _run("orders", path)
