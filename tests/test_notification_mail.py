"""E-mail copies of notifications: sent by a worker through a local SMTP server the test starts."""
import email
import email.policy
import socket
import time
import uuid

import pytest
from sqlalchemy import update

from core.api import N_, User, db, notify
from core.testing import start_worker, stop_worker

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed")


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, parsed["From"], parsed["Subject"], parsed.get_content()))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:  # a free port (the controller cannot be asked for port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    inbox.port = port
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def _wait_for(inbox, count: int, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return inbox.messages


def test_a_notification_is_mailed_by_a_worker_in_the_recipients_language(make_app, migrated_database, smtp_server,
                                                                        login_as):
    settings = {"CRM_SMTP_HOST": "127.0.0.1", "CRM_SMTP_PORT": str(smtp_server.port),
                "CRM_SMTP_SENDER": "crm@example.com", "CRM_BASE_URL": "https://crm.example.com",
                "CRM_QUEUE_NAME": f"crm-mail-{uuid.uuid4().hex[:8]}"}
    app = make_app(**settings)
    from core.testing import create_user

    chinese = create_user(app, "account_manager", language="zh_CN", email="wang@example.com")
    english = create_user(app, "account_manager", email="li@example.com")
    no_address = create_user(app, "account_manager")
    worker = start_worker(migrated_database, **settings)
    try:
        with app.test_request_context():
            started = time.monotonic()
            notify([chinese, english, no_address], N_("Customer %(name)s (%(number)s) was assigned to you."),
                   "/customers/7", name="华信", number="KH1")
            db.session.commit()
            assert time.monotonic() - started < 2  # the request only enqueued the mail
        messages = _wait_for(smtp_server, 2)
    finally:
        stop_worker(worker)
    assert sorted(message[0] for message in messages) == [["li@example.com"], ["wang@example.com"]]
    by_recipient = {rcpt[0]: (sender, subject, body) for rcpt, sender, subject, body in messages}
    sender, subject, body = by_recipient["li@example.com"]
    assert sender == "crm@example.com"
    assert subject == "CRM: Customer 华信 (KH1) was assigned to you."
    assert "https://crm.example.com/customers/7" in body
    sender, subject, body = by_recipient["wang@example.com"]
    assert "客户 华信（KH1）已分配给您。" in subject and "https://crm.example.com/customers/7" in body


def test_without_smtp_settings_nothing_is_enqueued(app, login_as):
    manager = login_as("account_manager")
    with app.app_context():
        db.session.execute(update(User).where(User.id == manager.user_id).values(email="x@example.com"))
        db.session.commit()
    with app.test_request_context():
        assert not app.config["CRM_SMTP_HOST"]
        notify([manager.user_id], N_("Due today"), "/")
        db.session.commit()
    assert app.extensions["crm_queue"].pending_count() == 0
