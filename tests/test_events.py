"""Domain events: ``emit`` queues, ``on_event`` hooks run once the transaction commits, never after a rollback."""
import pytest
from flask import Blueprint
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.api import db, emit, hookimpl, require_permission
from core.rbac.models import Role
from core.testing import create_user, log_in


class Recorder:
    """Records each event with the role names a fresh connection sees at delivery time."""

    name = "recorder"

    def __init__(self):
        self.events = []

    @hookimpl
    def on_event(self, name, payload):
        with db.engine.connect() as other_connection:
            committed = set(other_connection.scalars(text("SELECT name FROM core_role")))
        self.events.append((name, payload, committed))

    @hookimpl
    def register_blueprints(self):
        return [pages]


pages = Blueprint("recorder", __name__)


@pages.route("/emit-without-commit", methods=["POST"])
@require_permission("core.dashboard.view")
def emit_without_commit():
    emit("recorder.forgotten", {})
    return "not committed"


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def recorder_app(make_app, recorder):
    return make_app(plugins="recorder", extra_plugins=[recorder])


def test_event_is_delivered_after_commit(recorder_app, recorder):
    with recorder_app.app_context():
        db.session.add(Role(name="Auditors"))
        emit("recorder.role_added", {"name": "Auditors"})
        assert recorder.events == []  # queued until the commit
        db.session.commit()
    assert recorder.events == [("recorder.role_added", {"name": "Auditors"}, {"Auditors"} | _default_roles(recorder_app))]


def test_event_is_delivered_once(recorder_app, recorder):
    with recorder_app.app_context():
        emit("recorder.once", {})
        db.session.commit()
        db.session.commit()
    assert [name for name, _payload, _seen in recorder.events] == ["recorder.once"]


def test_rolled_back_event_is_never_delivered(recorder_app, recorder):
    with recorder_app.app_context():
        db.session.add(Role(name="Temporary"))
        emit("recorder.rolled_back", {})
        db.session.rollback()
        emit("recorder.kept", {})
        db.session.commit()
    assert [name for name, _payload, _seen in recorder.events] == ["recorder.kept"]


def test_failed_commit_delivers_nothing(recorder_app, recorder):
    with recorder_app.app_context():
        db.session.add(Role(name="Twin"))
        db.session.commit()
        recorder.events.clear()
        db.session.add(Role(name="Twin"))
        emit("recorder.duplicate", {})
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.commit()
    assert recorder.events == []


def test_event_of_a_request_that_never_commits_is_dropped(recorder_app, recorder):
    client = recorder_app.test_client()
    create_user(recorder_app, "admin", username="emitter")
    log_in(client, "emitter")
    assert client.post("/recorder/emit-without-commit", data={}).status_code == 200
    with recorder_app.app_context():
        db.session.commit()
    assert client.get("/").status_code == 200  # a later request commits nothing of it either
    assert [name for name, _payload, _seen in recorder.events] == []


def _default_roles(app):
    with app.app_context():
        return set(db.session.scalars(select(Role.name).where(Role.key.is_not(None))))
