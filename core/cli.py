"""The ``crm`` command: a Flask CLI group over ``create_app`` plus the core's commands."""
from __future__ import annotations

import gc
import secrets
import sys

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import select

from core.db import db


def main() -> None:
    """Entry point of the ``crm`` console script."""
    from core import create_app
    from core.plugins import PluginError

    # Building the app allocates ~100,000 objects that live as long as the process (plugins, models,
    # mappers, routes) and ~100 that do not: the collections run meanwhile free nothing and cost a
    # command ~0.1 s of its ~1 s start. Frozen after, no later collection walks them (core/long_lived.py).
    gc.disable()
    try:
        app = create_app()
    except PluginError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    finally:
        gc.freeze()
        gc.enable()
    FlaskGroup(create_app=lambda: app, add_version_option=False, load_dotenv=False,
               help="Customer relationship management.")(prog_name="crm")


def register(app) -> None:
    """Attach the core's commands, then the plugins' (``register_commands``), to ``app.cli``."""
    for command in (init, plugins, db_group, user_group, jobs_group, worker):
        app.cli.add_command(command)
    app.extensions["crm"].pm.hook.register_commands(cli=app.cli)


@click.command()
@with_appcontext
@click.option("--demo", is_flag=True, help="Also load the demo data set and demo users.")
def init(demo: bool) -> None:
    """Create or upgrade the database, sync default roles, create the first administrator."""
    from core import migrate
    from core.rbac.models import User
    from core.rbac.seed import sync_default_roles

    host = current_app.extensions["crm"]
    migrate.upgrade()
    for line in sync_default_roles(host):
        click.echo(line)
    if demo:
        from core.demo import load_demo

        load_demo(host)
        return
    if db.session.scalar(select(User).limit(1)) is None:
        password = secrets.token_urlsafe(12)
        _create_user("admin", "Administrator", password, ["admin"])
        click.echo(f"Created administrator 'admin' with password: {password}")
        click.echo("This password is shown only once: log in and change it.")
    else:
        click.echo("Database is up to date.")


def _create_user(username: str, display_name: str, password: str, role_keys: list[str], email=None):
    from core.rbac.models import Role, User

    roles = list(db.session.scalars(select(Role).where(Role.key.in_(role_keys))))
    user = User(username=username, display_name=display_name, email=email, roles=roles)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@click.command("plugins")
@with_appcontext
def plugins() -> None:
    """List the installed plugins: enabled or not, version, requires, permissions, migration head."""
    from core.migrate import heads
    from core.plugins import core_version

    host = current_app.extensions["crm"]
    enabled = set(host.enabled_names)
    revisions = heads()
    for info in [host.enabled[0], *sorted(host.installed.values(), key=lambda i: i.name)]:
        if info.problem:
            click.echo(f"{info.name} [broken] {info.problem}")
            continue
        if info.name == "core":
            click.echo(f"core {core_version()} [enabled]")
        else:
            state = "enabled" if info.name in enabled else "disabled"
            incompatible = info.core_problem(core_version())
            click.echo(f"{info.name} {info.version} [{state}{', incompatible' if incompatible else ''}]")
            click.echo(f"  requires core: {info.requires_core or 'any version'}")
            if incompatible:
                click.echo(f"  {incompatible}")
        click.echo(f"  requires: {', '.join(info.requires) or '-'}")
        click.echo(f"  migration head: {revisions.get(info.name, '-')}")
        codes = [perm.code for perm in host.permissions_of(info.name)]
        click.echo(f"  permissions: {', '.join(codes) or '-'}")


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database migrations of the core and every enabled plugin."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Upgrade the core, then each enabled plugin in dependency order."""
    from core import migrate

    migrate.upgrade()
    click.echo("Database upgraded.")


@db_group.command("revision")
@click.argument("component")
@click.option("-m", "--message", required=True, help="What the revision changes.")
def db_revision(component: str, message: str) -> None:
    """Write a new revision for COMPONENT (core or a plugin) from its models."""
    from core import migrate

    migrate.new_revision(component, message)


@click.group("user", cls=AppGroup)
def user_group() -> None:
    """Manage users from the command line."""


@user_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", help="Display name (default: the login name).")
@click.option("--role", "roles", multiple=True, default=["admin"], show_default=True,
              help="Default role key: admin, sales_director, account_manager, executive.")
@click.option("--email")
@click.password_option()
def user_create(username, display_name, roles, email, password) -> None:
    """Create a user with the given roles."""
    from core.rbac.models import User
    from sqlalchemy import func

    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters.", param_hint="--password")
    if db.session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise click.BadParameter(f"a user '{username}' exists already.", param_hint="USERNAME")
    _create_user(username, display_name or username, password, list(roles), email)
    click.echo(f"Created user '{username}'.")


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """Periodic jobs the plugins register."""


@jobs_group.command("list")
def jobs_list() -> None:
    """List the registered jobs and their schedules."""
    jobs = current_app.extensions["crm"].jobs
    if not jobs:
        click.echo("No jobs registered.")
    for job in jobs.values():
        click.echo(f"{job.name}\t{job.schedule or '-'}\t({job.plugin})")


@click.command()
@with_appcontext
@click.option("--threads", default=2, show_default=True, help="Jobs this worker runs at once.")
@click.option("--no-periodic", is_flag=True, help="Do not schedule periodic jobs from this worker.")
def worker(threads: int, no_periodic: bool) -> None:
    """Run a worker: execute queued jobs and schedule the periodic ones (stop with Ctrl-C)."""
    import logging

    from core import queue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    huey = app.extensions["crm_queue"]
    click.echo(f"Worker on the {type(huey.storage).__name__} queue '{huey.name}', {threads} thread(s), "
               f"periodic jobs {'off' if no_periodic else 'on'}.")
    queue.run_worker(app, workers=threads, periodic=not no_periodic)


@jobs_group.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run job NAME now."""
    jobs = current_app.extensions["crm"].jobs
    if name not in jobs:
        raise click.BadParameter(f"no job '{name}'; see 'crm jobs list'.", param_hint="NAME")
    result = jobs[name].func()
    click.echo(f"Job '{name}' done." + (f" {result}" if result else ""))
