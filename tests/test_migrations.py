"""Migrating an empty database to head gives exactly the models' schema, per component.

The ``migrated_database`` fixture runs ``crm db upgrade`` on an empty database
(SQLite, or PostgreSQL when CRM_TEST_DATABASE_URL is set); Alembic's
autogenerate comparison, restricted to each component's tables as
``core/migrations/env.py`` restricts it, must then find nothing to do.
"""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from core import migrate
from core.api import db


def schema_differences(app) -> dict[str, list]:
    known = list(app.extensions["crm"].installed) + ["core"]
    differences = {}
    with app.app_context(), db.engine.connect() as connection:
        for name, _folder in migrate.components(app):
            context = MigrationContext.configure(connection, opts={
                "include_object": migrate.include_object_for(name, known, connection.dialect.name),
                "compare_type": True,
            })
            differences[name] = compare_metadata(context, db.metadata)
    return differences


def test_every_enabled_component_has_migrations_matching_its_models(app):
    differences = schema_differences(app)
    assert "core" in differences
    assert all(diff == [] for diff in differences.values()), differences


def test_each_component_has_its_own_version_table_at_head(app):
    heads = migrate.heads(app)
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        for name, _folder in migrate.components(app):
            assert f"alembic_version_{name}" in tables
            stored = db.session.scalar(text(f"SELECT version_num FROM alembic_version_{name}"))
            assert stored == heads[name]
    assert "alembic_version" not in tables


def test_every_table_belongs_to_a_component_by_its_prefix(app):
    names = list(app.extensions["crm"].installed) + ["core"]
    with app.app_context():
        tables = [t for t in inspect(db.engine).get_table_names() if not t.startswith("alembic_version")]
    assert [t for t in tables if migrate.owner_of(t, names) is None] == []


def test_upgrading_again_changes_nothing(app):
    def state():
        with app.app_context():
            inspector = inspect(db.engine)
            return {table: [c["name"] for c in inspector.get_columns(table)] for table in inspector.get_table_names()}

    before = state()
    with app.app_context():
        migrate.upgrade()
    assert state() == before
