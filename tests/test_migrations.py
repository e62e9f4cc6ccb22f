"""Migrating an empty database to head gives exactly the models' schema, per component.

The ``migrated_database`` fixture runs ``crm db upgrade`` on an empty database
(SQLite, or PostgreSQL when CRM_TEST_DATABASE_URL is set); Alembic's
autogenerate comparison, restricted to each component's tables as
``core/migrations/env.py`` restricts it, must then find nothing to do.
"""
import pytest
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


def test_migrated_text_columns_have_the_models_collations(app):
    """Alembic's comparison does not look at collations: the key and code columns the models declare
    ``code_string`` (``COLLATE "C"`` on PostgreSQL) must be so in the migrated database, and no other."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("code_string is a plain String on SQLite")
        dialect = db.engine.dialect
        declared = {(table.name, column.name): "C" if 'COLLATE "C"' in column.type.compile(dialect=dialect) else None
                    for table in db.metadata.tables.values() for column in table.columns
                    if column.type.python_type is str and not table.name.endswith("_fts")}
        migrated = dict(((table, column), collation) for table, column, collation in db.session.execute(text(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()")))
    assert "C" in declared.values()
    assert {key: migrated.get(key) for key in declared} == declared


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


def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_point_at_it(tmp_path):
    """SQLite migrations rebuild a changed table (drop, rename); the rows of other tables
    pointing at it must survive (foreign keys are off while migrating, as Alembic advises).
    Always on a SQLite file of its own: PostgreSQL alters tables in place."""
    from core import create_app
    from core.testing import test_config

    app = create_app(test_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        migrate.upgrade_component("core", "20a256d9909d")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO core_role (id, name, description, data_scope, created_at, "
                                    "updated_at, version) VALUES (1, 'Clerks', '', 'own', '2026-01-01', '2026-01-01', 1)"))
            connection.execute(text("INSERT INTO core_user (id, username, display_name, password_hash, active, "
                                    "session_token, created_at, updated_at, version) VALUES (1, 'kept', 'Kept', 'x', 1, "
                                    "'t', '2026-01-01', '2026-01-01', 1)"))
            connection.execute(text("INSERT INTO core_user_role (user_id, role_id) VALUES (1, 1)"))
            connection.execute(text("UPDATE core_role SET created_by_id = 1"))
        migrate.upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT user_id, role_id FROM core_user_role")).all() == [(1, 1)]
            assert connection.execute(text("SELECT created_by_id FROM core_role")).scalar() == 1
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on afterwards
        db.engine.dispose()
