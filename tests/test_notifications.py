"""In-app notifications through HTTP: notify(), the bell, the page, mark as read, data scope, bad links."""
import pytest
from sqlalchemy import func, select

from core.api import N_, db, notify
from core.notifications.models import Notification
from core.testing import create_user


def _notify(app, user_ids, message=N_("Customer %(name)s (%(number)s) was assigned to you."), link="/", **params):
    params = params or {"name": "北京华信科技有限公司", "number": "KH2026112900001"}
    with app.test_request_context():
        ids = notify(user_ids, message, link, **params)
        db.session.commit()
        return ids


def _count(app, **filters) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Notification).filter_by(**filters))


def test_the_bell_shows_the_unread_count_and_the_latest_ones(app, login_as):
    manager = login_as("account_manager")
    _notify(app, [manager.user_id], link="/customers/")
    page = manager.get("/").get_data(as_text=True)
    assert 'data-bell-count>1<' in page
    assert "Customer 北京华信科技有限公司 (KH2026112900001) was assigned to you." in page


@pytest.mark.parametrize("sent, unread", [(3, 2), (7, 6)])
def test_the_bell_counts_unread_ones_beyond_those_it_shows(app, login_as, sent, unread):
    """The bell counts without a query while it shows all of a user's notifications, with one beyond."""
    manager = login_as("account_manager")
    first, *_ = [_notify(app, [manager.user_id], number=f"KH{n}", name="客户")[0] for n in range(sent)]
    manager.post(f"/notifications/{first}/open")
    assert f"data-bell-count>{unread}<" in manager.get("/").get_data(as_text=True)


def test_a_notification_reads_in_the_readers_language(app, login_as):
    manager = login_as("account_manager", language="zh_CN")
    _notify(app, [manager.user_id])
    page = manager.get("/notifications/").get_data(as_text=True)
    assert "客户 北京华信科技有限公司（KH2026112900001）已分配给您。" in page


def test_opening_one_marks_it_read_and_follows_its_link(app, login_as):
    manager = login_as("account_manager")
    [notification_id] = _notify(app, [manager.user_id], link="/notifications/?show=unread")
    response = manager.post(f"/notifications/{notification_id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/?show=unread"
    assert _count(app, read_at=None) == 0
    assert "data-bell-count" not in manager.get("/").get_data(as_text=True)


def test_mark_one_and_mark_all_as_read_twice_changes_nothing_more(app, login_as):
    manager = login_as("account_manager")
    first, second, third = (_notify(app, [manager.user_id])[0] for _ in range(3))
    assert manager.post(f"/notifications/{first}/read").status_code == 302
    assert manager.post(f"/notifications/{first}/read").status_code == 302  # a double submit
    assert _count(app, read_at=None) == 2
    page = manager.get("/notifications/?show=unread").get_data(as_text=True)
    assert page.count("Mark as read</button>") == 2
    assert "2 notifications marked as read." in manager.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)
    assert "No unread notifications." in manager.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)
    assert _count(app, read_at=None) == 0


def test_a_user_sees_and_touches_only_their_own_notifications(app, login_as):
    manager, other = login_as("account_manager"), login_as("admin")
    [theirs] = _notify(app, [manager.user_id], N_("Secret for %(name)s"), name="manager")
    assert "Secret for manager" not in other.get("/notifications/").get_data(as_text=True)
    assert "Secret for manager" not in other.get("/").get_data(as_text=True)
    assert other.post(f"/notifications/{theirs}/open").status_code == 404
    assert other.post(f"/notifications/{theirs}/read").status_code == 404
    other.post("/notifications/read-all")
    assert _count(app, read_at=None) == 1  # still unread: another user's "read all" is theirs only


def test_mark_as_read_needs_the_csrf_token(app, login_as):
    manager = login_as("account_manager")
    [notification_id] = _notify(app, [manager.user_id])
    assert manager.post(f"/notifications/{notification_id}/read", csrf=False).status_code == 400
    assert manager.post("/notifications/read-all", csrf=False).status_code == 400
    assert _count(app, read_at=None) == 1


@pytest.mark.parametrize("link", ["https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com",
                                  "javascript:alert(1)", "data:text/html,x", "customers/1", "/a b", "/x\x00y"])
def test_a_link_to_another_host_is_refused_and_nothing_is_stored(app, login_as, link):
    manager = login_as("account_manager")
    with pytest.raises(ValueError, match="path on this CRM"):
        _notify(app, [manager.user_id], link=link)
    assert _count(app) == 0


def test_a_key_sends_a_notification_once_and_inactive_users_get_none(app, login_as):
    manager = login_as("account_manager")
    inactive_id = create_user(app, "account_manager", active=False)
    with app.test_request_context():
        assert len(notify([manager.user_id, inactive_id], N_("Due today"), "/", key="due:1")) == 1
        assert notify([manager.user_id], N_("Due today"), "/", key="due:1") == []
        db.session.commit()
    assert _count(app) == 1


def test_notifications_roll_back_with_their_transaction(app, login_as):
    manager = login_as("account_manager")
    with app.test_request_context():
        notify([manager.user_id], N_("Due today"), "/")
        db.session.rollback()
    assert _count(app) == 0


def test_the_page_is_paged_and_needs_the_permission(app, login_as):
    manager = login_as("account_manager")
    for number in range(25):
        _notify(app, [manager.user_id], N_("Number %(n)s"), n=number)
    page = manager.get("/notifications/").get_data(as_text=True)
    assert "Number 24" in page and "Number 4" not in page and "1–20 of 25" in page
    assert "Number 4" in manager.get("/notifications/?page=2").get_data(as_text=True)
    assert 'data-bell-count>25<' in page
    nobody = login_as(permissions=[])
    assert nobody.get("/notifications/").status_code == 403
    assert "bi-bell" not in nobody.get("/login").get_data(as_text=True)


def test_hostile_text_in_parameters_is_shown_as_text(app, login_as):
    manager = login_as("account_manager")
    _notify(app, [manager.user_id], N_("Customer %(name)s (%(number)s) was assigned to you."),
            name="<script>alert(1)</script>", number="%(x)s")
    page = manager.get("/notifications/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_bell_is_kept_until_a_notification_is_written_in_any_process(app, make_app, login_as):
    """The bell costs no statement while no notification is written (core.table_versions); one written by
    another worker (its own app, the same database) or marked read shows on the next page."""
    from sqlalchemy import event

    manager = login_as("account_manager")
    _notify(app, [manager.user_id], name="第一", number="KH1")
    assert 'data-bell-count>1<' in manager.get("/").get_data(as_text=True)
    reads = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM core_notification" in statement:
            reads.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert 'data-bell-count>1<' in manager.get("/customers/").get_data(as_text=True)
        assert reads == []  # kept
        other = make_app()
        with other.test_request_context():
            notify([manager.user_id], N_("Customer %(name)s (%(number)s) was assigned to you."), "/",
                   name="第二", number="KH2")
            db.session.commit()
        page = manager.get("/customers/").get_data(as_text=True)
        assert 'data-bell-count>2<' in page and "Customer 第二 (KH2) was assigned to you." in page
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert manager.post("/notifications/read-all").status_code == 302
    assert "data-bell-count" not in manager.get("/").get_data(as_text=True)
