"""Alembic environment shared by the core and every plugin (see ``core.migrate``)."""
from alembic import context
from flask import current_app

from core.db import db
from core.migrate import component_of, owner_of

component = component_of(context.config)
known = [name for name in current_app.extensions["crm"].installed] + ["core"]


def include_object(obj, name, type_, reflected, compare_to):
    """Only the component's own tables: never touch another plugin's, enabled or not."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = name if type_ == "table" else getattr(table, "name", None)
    if table_name is None or table_name.startswith("alembic_version"):
        return False
    return owner_of(table_name, known) == component


with db.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        version_table=f"alembic_version_{component}",
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
