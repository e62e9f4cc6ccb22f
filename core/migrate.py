"""Migrations: one Alembic history and version table for the core and for each plugin.

All histories share the core's ``env.py`` and revision template
(``core/migrations``); a component's revision files live in its own folder
(``core/migrations/versions``, ``<plugin>/migrations``), chosen through the
``-x component=NAME`` argument Flask-Migrate passes to Alembic.

Flask-Migrate and Alembic are imported by the functions that migrate, not with this module:
loading them costs every ``crm`` command ~0.2 s of CPU, and only a few commands migrate.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from core.db import db, derived_tables

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def versions_dir(info) -> Path | None:
    """Where a plugin keeps its revision files (None if it has no tables)."""
    if info.name == "core":
        return SCRIPT_LOCATION / "versions"
    folder = getattr(info.obj, "migrations_dir", None)
    if folder is None:
        module_file = getattr(info.obj, "__file__", None)
        folder = Path(module_file).parent / "migrations" if module_file else None
    return Path(folder) if folder and Path(folder).is_dir() else None


def components(app=None) -> list[tuple[str, Path]]:
    """(name, revision folder) of the core and each enabled plugin with tables, in dependency order."""
    host = (app or current_app).extensions["crm"]
    found = []
    for info in host.enabled:
        folder = versions_dir(info)
        if folder is not None:
            found.append((info.name, folder))
    return found


def component_of(config) -> str:
    args = dict(arg.split("=", 1) for arg in getattr(config.cmd_opts, "x", []) or [] if "=" in arg)
    return args.get("component", "core")


def configure(config):
    """Flask-Migrate callback: point Alembic at the component's revisions and version table."""
    name = component_of(config)
    folders = dict(components())
    if name not in folders:
        raise RuntimeError(f"'{name}' is not an enabled plugin with migrations.")
    config.set_main_option("version_locations", str(folders[name]))
    config.set_main_option("path_separator", "os")
    config.attributes["component"] = name
    return config


def _flask_migrate():
    """Flask-Migrate, its extension set up on the current app at the app's first migration."""
    import flask_migrate

    app = current_app._get_current_object()
    if "migrate" not in app.extensions:
        extension = flask_migrate.Migrate(db=db, directory=str(SCRIPT_LOCATION))
        extension.configure(configure)
        ours = app.cli.commands.get("db")
        extension.init_app(app)
        if ours is not None:  # init_app adds Flask-Migrate's own ``db`` group: ``crm db`` stays the core's
            app.cli.add_command(ours)
    return flask_migrate


def upgrade(revision: str = "head") -> None:
    """Upgrade the core, then each enabled plugin in dependency order."""
    for name, _folder in components():
        upgrade_component(name, revision)


def upgrade_component(name: str, revision: str = "head") -> None:
    """Upgrade one component's history (``core`` or an enabled plugin) to ``revision``."""
    _flask_migrate().upgrade(directory=str(SCRIPT_LOCATION), revision=revision, x_arg=[f"component={name}"])


def new_revision(component: str, message: str) -> None:
    """Write a revision for ``component`` from the difference between its models and the database."""
    _flask_migrate().migrate(directory=str(SCRIPT_LOCATION), message=message, x_arg=[f"component={component}"])


def heads(app=None) -> dict[str, str]:
    """The newest revision of every installed component that has migrations."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    host = (app or current_app).extensions["crm"]
    result = {}
    for info in [host.enabled[0], *host.installed.values()]:
        folder = None if info.problem else versions_dir(info)
        if folder is None:
            continue
        config = Config()
        config.set_main_option("script_location", str(SCRIPT_LOCATION))
        config.set_main_option("version_locations", str(folder))
        config.set_main_option("path_separator", "os")
        result[info.name] = ", ".join(ScriptDirectory.from_config(config).get_heads()) or "-"
    return result


def owner_of(table_name: str, names) -> str | None:
    """The component a table belongs to: the longest name that prefixes it (``<name>_``)."""
    matches = [name for name in names if table_name.startswith(name + "_")]
    return max(matches, key=len) if matches else None


def include_object_for(component: str, known, dialect: str):
    """Alembic ``include_object``: only ``component``'s own tables, never another plugin's, enabled or not.

    An index whose ``info["dialects"]`` lists database kinds (e.g. a PostgreSQL
    trigram index) exists only on those; its migration creates it only there.
    Derived tables (``core.db.derived_tables``: full-text indexes, trigger-kept
    tables) are made by migrations without models.
    """

    def include_object(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = name if type_ == "table" else getattr(table, "name", None)
        if table_name is None or table_name.startswith("alembic_version"):
            return False
        if type_ == "index" and dialect not in getattr(obj, "info", {}).get("dialects", (dialect,)):
            return False
        if type_ == "table" and reflected and compare_to is None and table_name in derived_tables():
            return False
        return owner_of(table_name, known) == component

    return include_object
