"""Alembic environment shared by the core and every plugin (see ``core.migrate``)."""
from alembic import context
from flask import current_app

from core.db import db
from core.migrate import component_of, include_object_for

component = component_of(context.config)
known = [name for name in current_app.extensions["crm"].installed] + ["core"]

with db.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        version_table=f"alembic_version_{component}",
        include_object=include_object_for(component, known, connection.dialect.name),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
