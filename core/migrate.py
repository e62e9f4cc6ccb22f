"""Migrations: one Alembic history and version table for the core and for each plugin.

All histories share the core's ``env.py`` and revision template
(``core/migrations``); a component's revision files live in its own folder
(``core/migrations/versions``, ``<plugin>/migrations``), chosen through the
``-x component=NAME`` argument Flask-Migrate passes to Alembic.
"""
from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.script import ScriptDirectory
from flask import current_app

from core.db import derived_tables

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


def upgrade(revision: str = "head") -> None:
    """Upgrade the core, then each enabled plugin in dependency order."""
    for name, _folder in components():
        flask_migrate.upgrade(directory=str(SCRIPT_LOCATION), revision=revision, x_arg=[f"component={name}"])


def new_revision(component: str, message: str) -> None:
    """Write a revision for ``component`` from the difference between its models and the database."""
    flask_migrate.migrate(directory=str(SCRIPT_LOCATION), message=message, x_arg=[f"component={component}"])


def heads(app=None) -> dict[str, str]:
    """The newest revision of every installed component that has migrations."""
    host = (app or current_app).extensions["crm"]
    result = {}
    for info in [host.enabled[0], *host.installed.values()]:
        folder = None if info.problem else versions_dir(info)
        if folder is None:
            continue
        from alembic.config import Config

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
