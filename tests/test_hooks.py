"""Every hook of core/hookspecs.py, called by the core, through an in-process test plugin."""
import itertools

import click
import pytest
from flask import Blueprint, current_app, request
from markupsafe import escape
from sqlalchemy import func, select

from core import hookspecs
from core.api import (
    Chart, Column, Job, MenuItem, Permission, Report, SearchGroup, SearchResult, SlotItem, User, can, db, emit,
    hookimpl, propagate, require_permission,
)
from core.plugins import PluginError
from core.rbac.models import Role
from core.rbac.seed import sync_default_roles
from core.testing import create_user, log_in

blueprint = Blueprint("hooky", __name__)
_numbers = itertools.count(1)


@blueprint.route("/ping")
@require_permission("hooky.thing.view")
def ping():
    return "pong"


@blueprint.route("/act", methods=["POST"])
@require_permission("hooky.thing.view")
def act():
    emit("hooky.acted", {"value": request.form["value"]})
    if request.form.get("undo"):
        db.session.rollback()
    db.session.commit()
    return "done"


@blueprint.route("/change", methods=["POST"])
@require_permission("hooky.thing.view")
def change():
    propagate("hooky.changed", {"value": request.form["value"]})
    if request.form.get("undo"):
        db.session.rollback()
    db.session.commit()
    return "done"


def users_by_state(form):
    return select(User.active.label("active"), func.count().label("users")).group_by(User.active)


USERS_BY_STATE = Report(
    key="hooky.users", title="Users by state", section="Hooky", permission="hooky.thing.view",
    columns=(Column("active", "Active"), Column("users", "Users", "integer")),
    query=users_by_state, chart=Chart("pie", label="active", values=("users",)),
)


class Hooky:
    """A plugin implementing every hook and recording what the core asked of it."""

    name = "hooky"
    title = "Hooky"
    version = "1.2.3"
    requires = ()

    def __init__(self):
        self.events = []
        self.changes = []
        self.jobs_run = []
        self.demo_sessions = []

    @hookimpl
    def register_blueprints(self):
        return [blueprint]

    @hookimpl
    def register_permissions(self):
        return [Permission("hooky.thing.view", "View things")]

    @hookimpl
    def register_roles(self):
        return {"account_manager": ["hooky.thing.view"]}

    @hookimpl
    def register_menu_items(self):
        return [MenuItem("Hooky things", "hooky.ping", "hooky.thing.view", order=1)]

    @hookimpl
    def template_slot(self, slot, context):
        if slot == "dashboard.widgets" and can("hooky.thing.view"):
            return SlotItem(f'<div id="hooky-widget">for {escape(context["user"].username)}</div>')
        return None

    @hookimpl
    def on_event(self, name, payload):
        self.events.append((name, payload))

    @hookimpl
    def on_change(self, name, payload):
        """Keeps a copy (here: a user named after the value) in the changer's transaction."""
        self.changes.append((name, payload))
        db.session.add(User(username=f"hooky-{payload['value']}", display_name="copy", password_hash="-"))

    @hookimpl
    def register_commands(self, cli):
        @cli.command("hooky-hello")
        @click.argument("who")
        def hello(who):
            """Greet WHO."""
            click.echo(f"hello {who} from {current_app.extensions['crm'].enabled_names[-1]}")

    @hookimpl
    def register_jobs(self):
        return [Job("hooky.tick", self.tick, "0 3 * * *")]

    def tick(self):
        self.jobs_run.append(current_app.name)
        return "1 thing ticked."

    @hookimpl
    def register_reports(self):
        return [USERS_BY_STATE]

    @hookimpl
    def global_search(self, term, limit):
        return SearchGroup("Hooky things", [SearchResult(f"hooky {term}", "/hooky/ping")][:limit])

    @hookimpl
    def load_demo_data(self, session):
        self.demo_sessions.append(session)
        session.add(User(username="hooky-demo", display_name="Hooky demo", password_hash="-"))


@pytest.fixture
def hooky():
    return Hooky()


@pytest.fixture
def hooky_app(make_app, hooky):
    return make_app(plugins="hooky", extra_plugins=[hooky])


def client_for(app, role_key=None, permissions=None):
    """A client logged in to ``app`` (which may differ from the ``app`` fixture)."""
    username = f"hooky-user{next(_numbers)}"
    create_user(app, role_key, permissions, username=username)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client


def test_every_hookspec_is_covered_here():
    specs = {name for name in dir(hookspecs) if getattr(getattr(hookspecs, name), "crm_spec", None)}
    implemented = {name for name in dir(Hooky) if getattr(getattr(Hooky, name), "crm_impl", None)}
    assert specs == implemented


def test_register_blueprints_mounts_under_the_plugin_name(hooky_app):
    rules = {rule.rule for rule in hooky_app.url_map.iter_rules() if rule.endpoint.startswith("hooky.")}
    assert rules == {"/hooky/ping", "/hooky/act", "/hooky/change"}
    client = client_for(hooky_app, permissions=["hooky.thing.view"])
    assert client.get("/hooky/ping").get_data(as_text=True) == "pong"


def test_blueprint_not_named_after_its_plugin_fails_startup(make_app):
    class Stray:
        name = "stray"

        @hookimpl
        def register_blueprints(self):
            return [Blueprint("elsewhere", __name__)]

    with pytest.raises(PluginError, match="Plugin 'stray' registers blueprint 'elsewhere'; name it 'stray'"):
        make_app(plugins="stray", extra_plugins=[Stray()])


def test_blueprint_named_after_another_plugin_fails_startup(make_app):
    class Cust:
        name = "cust"

        @hookimpl
        def register_blueprints(self):
            return [Blueprint("customers_extra", __name__)]

    with pytest.raises(PluginError, match="start its name with 'cust_'"):
        make_app(plugins="cust", extra_plugins=[Cust()])


def test_register_permissions_collects_codes_with_their_plugin(hooky_app):
    permission = hooky_app.extensions["crm"].permissions["hooky.thing.view"]
    assert (permission.plugin, permission.label) == ("hooky", "View things")


def test_permission_without_the_plugin_prefix_fails_startup(make_app):
    class Greedy:
        name = "greedy"

        @hookimpl
        def register_permissions(self):
            return [Permission("customers.customer.delete", "Delete customers")]

    with pytest.raises(PluginError, match="Plugin 'greedy' registers permission 'customers.customer.delete'"):
        make_app(plugins="greedy", extra_plugins=[Greedy()])


def test_register_roles_grants_once_and_respects_an_administrators_removal(hooky_app):
    manager = client_for(hooky_app, "account_manager")
    assert manager.get("/hooky/ping").status_code == 200
    host = hooky_app.extensions["crm"]
    with hooky_app.app_context():
        role = db.session.scalar(select(Role).where(Role.key == "account_manager"))
        role.set_permissions(role.permissions - {"hooky.thing.view"})  # what an administrator does
        db.session.commit()
        sync_default_roles(host)  # what `crm init` does after every upgrade
        sync_default_roles(host)
    with hooky_app.app_context():
        role = db.session.scalar(select(Role).where(Role.key == "account_manager"))
        assert "hooky.thing.view" not in role.permissions
    assert client_for(hooky_app, "account_manager").get("/hooky/ping").status_code == 403


def test_register_menu_items_shown_only_with_the_permission(hooky_app):
    allowed = client_for(hooky_app, permissions=["core.dashboard.view", "hooky.thing.view"])
    assert 'href="/hooky/ping"' in allowed.get("/").get_data(as_text=True)
    refused = client_for(hooky_app, permissions=["core.dashboard.view"])
    assert 'href="/hooky/ping"' not in refused.get("/").get_data(as_text=True)


def test_template_slot_adds_a_dashboard_widget_for_users_who_may_see_it(hooky_app):
    allowed = client_for(hooky_app, permissions=["core.dashboard.view", "hooky.thing.view"])
    page = allowed.get("/").get_data(as_text=True)
    assert '<div id="hooky-widget">for hooky-user' in page  # the slot's context carries the user
    refused = client_for(hooky_app, permissions=["core.dashboard.view"])
    assert "hooky-widget" not in refused.get("/").get_data(as_text=True)


def test_on_event_is_called_after_commit_and_not_after_rollback(hooky_app, hooky):
    client = client_for(hooky_app, permissions=["hooky.thing.view"])
    client.post("/hooky/act", data={"value": "kept"})
    client.post("/hooky/act", data={"value": "undone", "undo": "1"})
    assert hooky.events == [("hooky.acted", {"value": "kept"})]


def test_on_change_writes_in_the_changers_transaction_and_rolls_back_with_it(hooky_app, hooky):
    client = client_for(hooky_app, permissions=["hooky.thing.view"])
    client.post("/hooky/change", data={"value": "kept"})
    client.post("/hooky/change", data={"value": "undone", "undo": "1"})
    assert hooky.changes == [
        ("hooky.changed", {"value": "kept"}), ("hooky.changed", {"value": "undone"})]
    with hooky_app.app_context():
        copies = set(db.session.scalars(select(User.username).where(User.username.like("hooky-%")
                                                                    & (User.display_name == "copy"))))
    assert copies == {"hooky-kept"}


def test_register_commands_adds_a_crm_command(hooky_app):
    assert "hooky-hello" in hooky_app.cli.list_commands(None)
    result = hooky_app.test_cli_runner().invoke(args=["hooky-hello", "Ann"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello Ann from hooky\n"


def test_register_jobs_lists_and_runs_a_job(hooky_app, hooky):
    runner = hooky_app.test_cli_runner()
    listing = runner.invoke(args=["jobs", "list"])
    assert listing.exit_code == 0
    assert "hooky.tick\t0 3 * * *\t(hooky)" in listing.output
    result = runner.invoke(args=["jobs", "run", "hooky.tick"])
    assert result.exit_code == 0, result.output
    assert result.output == "Job 'hooky.tick' done. 1 thing ticked.\n"
    assert hooky.jobs_run == [hooky_app.name]  # ran inside an application context
    unknown = runner.invoke(args=["jobs", "run", "nosuch"])
    assert unknown.exit_code == 2 and "no job 'nosuch'" in unknown.output


def test_register_reports_are_collected_by_the_host_with_their_plugin(hooky_app):
    report = hooky_app.extensions["crm"].reports["hooky.users"]
    assert report.plugin == "hooky" and report.title == "Users by state"
    create_user(hooky_app, "executive")
    create_user(hooky_app, "executive", active=False)
    create_user(hooky_app, "executive", active=False)
    with hooky_app.app_context():
        assert dict(db.session.execute(report.query(None)).all()) == {True: 1, False: 2}


@pytest.mark.parametrize("change, message", [
    ({"key": "customers.users"}, "prefix its key with 'reporty.'"),
    ({"columns": (Column("n", "N", "float"),)}, "give column 'n' one of the types"),
    ({"chart": Chart("radar", label="active", values=("users",))}, "give its chart one of the kinds"),
    ({"chart": Chart("bar", label="active", values=("nosuch",))}, "draw its chart from its own columns"),
])
def test_malformed_report_fails_startup(make_app, change, message):
    import dataclasses

    class Reporty:
        name = "reporty"

        @hookimpl
        def register_reports(self):
            return [dataclasses.replace(USERS_BY_STATE, **{"key": "reporty.users", **change})]

    with pytest.raises(PluginError, match=f"Plugin 'reporty' registers report .*; {message}"):
        make_app(plugins="reporty", extra_plugins=[Reporty()])


def test_load_demo_data_is_called_by_init_demo_and_committed(hooky_app, hooky):
    result = hooky_app.test_cli_runner().invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    assert len(hooky.demo_sessions) == 1
    with hooky_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "hooky-demo")) is not None


def test_misspelt_hook_fails_startup(make_app):
    class Typo:
        name = "typo"

        @hookimpl
        def register_blueprint(self):
            return []

    with pytest.raises(PluginError, match="Plugin 'typo' implements a hook the CRM does not define") as error:
        make_app(plugins="typo", extra_plugins=[Typo()])
    assert "register_blueprint" in str(error.value)


def test_hook_with_an_unknown_argument_fails_startup(make_app):
    class Confused:
        name = "confused"

        @hookimpl
        def template_slot(self, slot, user):
            return None

    with pytest.raises(PluginError, match="Plugin 'confused' implements a hook"):
        make_app(plugins="confused", extra_plugins=[Confused()])


def test_hooks_may_accept_a_subset_of_the_arguments(make_app):
    class Terse:
        name = "terse"

        @hookimpl
        def template_slot(self, slot):
            return SlotItem('<p id="terse">terse</p>') if slot == "dashboard.widgets" else None

    app = make_app(plugins="terse", extra_plugins=[Terse()])
    client = client_for(app, permissions=["core.dashboard.view"])
    assert '<p id="terse">terse</p>' in client.get("/").get_data(as_text=True)


def test_global_search_shows_a_plugins_group(hooky_app):
    page = client_for(hooky_app, "sales_director").get("/search?q=abc").get_data(as_text=True)
    assert 'aria-label="Hooky things"' in page and "hooky abc" in page
