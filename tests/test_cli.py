"""The ``crm`` command line, through ``app.test_cli_runner()`` (the commands live on ``app.cli``)."""
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from core.api import User, db
from core.rbac.models import Role

CRM = Path(sys.executable).parent / "crm"


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_init_twice_is_safe_and_shows_a_generated_password_once(app):
    first = run(app, "init")
    assert first.exit_code == 0, first.output
    assert "Created administrator 'admin' with password: " in first.output
    password = first.output.split("with password: ")[1].split()[0]
    with app.app_context():
        roles_before = db.session.scalar(select(func.count()).select_from(Role))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert admin.check_password(password)
        assert "core.user.manage" in admin.permissions

    second = run(app, "init")
    assert second.exit_code == 0, second.output
    assert "Database is up to date." in second.output
    assert password not in second.output and "password" not in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Role)) == roles_before
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        keys = list(db.session.scalars(select(Role.key).where(Role.key.is_not(None))))
        assert sorted(keys) == ["account_manager", "admin", "executive", "sales_director"]


def test_init_demo_prints_no_generated_password(make_app):
    app = make_app(plugins="")  # the core's demo users only: plugins' demo data is theirs to test
    result = run(app, "init", "--demo")
    assert result.exit_code == 0, result.output
    assert "Created administrator" not in result.output
    assert "Demo logins (password demo1234)" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "director")) is not None


def test_plugins_lists_each_plugin_with_version_requires_permissions_and_head(app):
    result = run(app, "plugins")
    assert result.exit_code == 0, result.output
    host = app.extensions["crm"]
    with app.app_context():
        from core.migrate import heads

        revisions = heads()
    assert "core 0.1.0 [enabled]" in result.output
    assert f"  migration head: {revisions['core']}" in result.output
    assert "core.user.manage" in result.output
    for name, info in host.installed.items():
        if info.problem:
            assert f"{name} [broken]" in result.output
            continue
        state = "enabled" if name in host.enabled_names else "disabled"
        block = result.output.split(f"\n{name} {info.version} [{state}]\n")[1]
        assert block.startswith(f"  requires core: {info.requires_core or 'any version'}\n"
                                f"  requires: {', '.join(info.requires) or '-'}\n")
        assert f"  migration head: {revisions.get(name, '-')}\n" in block


def test_plugins_shows_enabled_and_disabled_plugins(make_app):
    enabled = run(make_app(plugins="basedata,customers,notes"), "plugins").output
    assert "notes 0.1.0 [enabled]\n  requires core: " in enabled and "\n  requires: customers\n" in enabled
    assert "  permissions: notes.note.view, notes.note.edit\n" in enabled
    disabled = run(make_app(plugins=""), "plugins").output
    assert "notes 0.1.0 [disabled]" in disabled
    assert "  permissions: notes.note.view, notes.note.edit\n" in disabled  # what enabling it would add


def test_unknown_plugin_in_crm_plugins_exits_with_one_line():
    env = {**os.environ, "CRM_PLUGINS": "nosuch", "DATABASE_URL": "sqlite://"}
    result = subprocess.run([str(CRM), "plugins"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'nosuch'" in lines[0], result.stderr


def test_user_create_refuses_a_short_password_and_creates_a_user(app):
    short = run(app, "user", "create", "carol", "--password", "short")
    assert short.exit_code == 2
    assert "use at least 8 characters" in short.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "carol")) is None

    created = run(app, "user", "create", "carol", "--role", "account_manager", "--password", "long-enough-1")
    assert created.exit_code == 0, created.output
    assert "Created user 'carol'." in created.output
    with app.app_context():
        carol = db.session.scalar(select(User).where(User.username == "carol"))
        assert carol.check_password("long-enough-1")
        assert [role.key for role in carol.roles] == ["account_manager"]

    again = run(app, "user", "create", "CAROL", "--password", "long-enough-1")
    assert again.exit_code == 2 and "exists already" in again.output


def test_jobs_list(make_app):
    result = run(make_app(plugins=""), "jobs", "list")
    assert result.exit_code == 0
    assert result.output == "list-export\t-\t(core)\njobs-cleanup\t30 3 * * *\t(core)\n"


def test_a_command_that_neither_migrates_nor_enqueues_loads_neither_alembic_nor_huey(migrated_database):
    """Importing Flask-Migrate (Alembic) and Huey cost every command ~0.3 s of CPU: only the commands that
    migrate or use the queue load them (``core.migrate``, ``core.queue.Deferred``)."""
    from core.testing import _QUEUE

    code = ("import atexit, sys; atexit.register(lambda: print('loaded:', sorted(name for name in "
            "('alembic', 'flask_migrate', 'huey', 'redis') if name in sys.modules))); "
            "from core.cli import main; main()")
    env = {**os.environ, "DATABASE_URL": migrated_database, "CRM_SECRET_KEY": "test-secret", **_QUEUE}
    for command, loaded in ((["jobs", "run", "jobs-cleanup"], "[]"), (["jobs", "list"], "[]"),
                            (["db", "upgrade"], "['alembic', 'flask_migrate']")):
        result = subprocess.run([sys.executable, "-c", code, *command], env=env, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert f"loaded: {loaded}" in result.stdout, (command, result.stdout)
