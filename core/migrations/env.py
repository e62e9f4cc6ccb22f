"""Alembic environment shared by the core and every plugin (see ``core.migrate``)."""
from alembic import context
from flask import current_app

from core.db import db
from core.migrate import component_of, include_object_for

component = component_of(context.config)
known = [name for name in current_app.extensions["crm"].installed] + ["core"]


def _sqlite_foreign_keys(connection, on: bool) -> None:
    # SQLite migrations rebuild a changed table (create a copy, drop, rename). With
    # foreign keys on, dropping a table deletes or nulls out every row pointing at it,
    # so they are off while migrating, as Alembic's batch mode advises. The pragma is
    # ignored inside a transaction: it goes to the driver's connection before one begins.
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with db.engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, False)
    try:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            version_table=f"alembic_version_{component}",
            include_object=include_object_for(component, known, connection.dialect.name),
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            before = context.get_context().get_current_heads()
            context.run_migrations()
            # Checking reads every table (40 s for a million customers): only after a migration that ran.
            if sqlite and context.get_context().get_current_heads() != before:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"The migration left rows pointing at missing rows: {broken[:5]}")
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, True)
