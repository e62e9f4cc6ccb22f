"""The audit log: changes made through the UI are recorded and shown, secrets redacted."""
import json
from datetime import timedelta

from sqlalchemy import event, select

from core.audit import AuditEntry
from core.db import db
from core.models import utcnow
from core.rbac.models import Role, User
from core.testing import create_user


def entries(app, **where):
    with app.app_context():
        return [(e.action, e.user_id, e.changed_fields)
                for e in db.session.scalars(select(AuditEntry).filter_by(**where).order_by(AuditEntry.id))]


def add_entry(app, user_id, table="core_role", record="1", at=None, changes=None):
    with app.app_context():
        db.session.add(AuditEntry(user_id=user_id, action="update", table_name=table, record_id=record,
                                  at=at or utcnow(), changes=json.dumps(changes or {"name": ["Old", "New"]})))
        db.session.commit()


def edit_user(app, client, user_id, **changes):
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {"username": user.username, "display_name": user.display_name, "email": user.email or "",
                "roles": [r.id for r in user.roles], "version": user.version, "active": "y"}
    return client.post(f"/admin/users/{user_id}/edit", data={**data, **changes})


def test_editing_a_user_is_recorded_with_the_changed_field(app, login_as):
    admin = login_as("admin")
    target = create_user(app, "account_manager", username="li.lei", display_name="Li Lei")
    assert edit_user(app, admin, target, display_name="Li Lei Jr").status_code == 302
    updates = [e for e in entries(app, table_name="core_user", record_id=str(target)) if e[0] == "update"]
    assert updates == [("update", admin.user_id, {"display_name": ["Li Lei", "Li Lei Jr"]})]
    page = admin.get(f"/admin/audit?table=core_user&record={target}").get_data(as_text=True)
    assert "Display name" in page and "Li Lei Jr" in page
    with app.app_context():
        assert db.session.get(User, admin.user_id).display_name in page


def test_password_hashes_are_redacted(app, login_as):
    admin = login_as("admin")
    target = create_user(app, "account_manager", username="li.lei")
    admin.post(f"/admin/users/{target}/password", data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    (_action, _who, changes), = [e for e in entries(app, table_name="core_user", record_id=str(target))
                                 if e[0] == "update"]
    assert changes["password_hash"] == ["***", "***"]
    with app.app_context():
        stored_hash = db.session.get(User, target).password_hash
        raw = db.session.scalars(select(AuditEntry.changes)).all()
    assert not any(stored_hash in text for text in raw)
    assert stored_hash not in admin.get("/admin/audit").get_data(as_text=True)


def test_newest_first_with_filters(app, login_as):
    admin = login_as("admin")
    someone = create_user(app, "executive", username="someone", display_name="Some One")
    add_entry(app, someone, table="core_role", record="7", at=utcnow() - timedelta(days=10),
              changes={"description": ["old-marker", "ten-days-ago"]})
    add_entry(app, someone, table="core_user", record="8", changes={"email": ["a@x.cn", "b@x.cn"]})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert page.index("b@x.cn") < page.index("ten-days-ago")
    assert "Some One" in page
    by_user = admin.get(f"/admin/audit?user={someone}").get_data(as_text=True)
    assert "ten-days-ago" in by_user and "b@x.cn" in by_user
    by_admin = admin.get(f"/admin/audit?user={admin.user_id}").get_data(as_text=True)
    assert "ten-days-ago" not in by_admin and "b@x.cn" not in by_admin
    by_table = admin.get("/admin/audit?table=core_role&record=7").get_data(as_text=True)
    assert "ten-days-ago" in by_table and "b@x.cn" not in by_table
    recent = (utcnow() - timedelta(days=2)).date().isoformat()
    newer = admin.get(f"/admin/audit?date_from={recent}").get_data(as_text=True)
    assert "b@x.cn" in newer and "ten-days-ago" not in newer
    older = admin.get(f"/admin/audit?date_to={recent}").get_data(as_text=True)
    assert "ten-days-ago" in older and "b@x.cn" not in older
    assert admin.get("/admin/audit?date_from=not-a-date&user=x&page=-4").status_code == 200


def test_pagination(app, login_as):
    admin = login_as("admin")
    for n in range(30):
        add_entry(app, admin.user_id, table="notes_note", record=str(n),
                  changes={"name": [f"before-{n}", f"after-{n}"]})
    first = admin.get("/admin/audit?table=notes_note").get_data(as_text=True)
    assert "after-29" in first and "after-0" not in first and "1–20 of 30" in first
    last = admin.get("/admin/audit?table=notes_note&page=2").get_data(as_text=True)
    assert "after-0" in last and "after-29" not in last and "21–30 of 30" in last


def test_users_are_read_in_one_query_not_per_row(app, login_as):
    admin = login_as("admin")

    def user_queries(count):
        for n in range(count):
            add_entry(app, create_user(app, "executive"), record=str(n))
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert admin.get("/admin/audit").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return sum("FROM core_user" in s for s in statements)

    assert user_queries(2) == user_queries(8)


def test_account_manager_is_refused(app, login_as):
    add_entry(app, None, changes={"name": ["secret-old", "secret-new"]})
    response = login_as("account_manager").get("/admin/audit")
    assert response.status_code == 403
    assert "secret-new" not in response.get_data(as_text=True)


def test_language_switch_is_not_audited(app, login_as):
    admin = login_as("admin")
    before = entries(app, table_name="core_user", record_id=str(admin.user_id))
    admin.post("/language/zh_CN")
    assert entries(app, table_name="core_user", record_id=str(admin.user_id)) == before


def test_role_assignments_and_grants_are_recorded(app, login_as):
    admin = login_as("admin")
    target = create_user(app, "account_manager", username="li.lei")
    with app.app_context():
        executive = db.session.scalar(select(Role).where(Role.key == "executive"))
        executive_id, executive_version = executive.id, executive.version
    edit_user(app, admin, target, roles=[executive_id])
    (_a, _w, changes), = [e for e in entries(app, table_name="core_user", record_id=str(target)) if e[0] == "update"]
    assert changes == {"roles": [["Account manager"], ["Executive"]]}
    admin.post(f"/admin/roles/{executive_id}/edit", data={
        "name": "Executive", "description": "", "data_scope": "all", "version": executive_version,
        "permissions": ["core.dashboard.view", "core.audit.view"]})
    updates = [e for e in entries(app, table_name="core_role", record_id=str(executive_id)) if e[0] == "update"]
    grants = updates[-1][2]["grants"]
    assert "core.audit.view" in grants[1] and "core.audit.view" not in grants[0]
    page = admin.get(f"/admin/audit?table=core_user&record={target}").get_data(as_text=True)
    assert "Account manager" in page and "Executive" in page and "[" not in page.split("crm-changes")[1][:400]


def test_created_and_deleted_records_carry_their_id(app, login_as):
    admin = login_as("admin")
    admin.post("/admin/users/new", data={"username": "wang.fang", "display_name": "Wang Fang",
                                         "password": "long-enough-1", "active": "y"})
    with app.app_context():
        new_id = db.session.scalar(select(User.id).where(User.username == "wang.fang"))
    assert [e[0] for e in entries(app, table_name="core_user", record_id=str(new_id))] == ["create"]
    admin.post("/admin/roles/new", data={"name": "Temp", "data_scope": "own"})
    with app.app_context():
        temp = db.session.scalar(select(Role.id).where(Role.name == "Temp"))
    admin.post(f"/admin/roles/{temp}/delete", data={})
    assert [e[0] for e in entries(app, table_name="core_role", record_id=str(temp))] == ["create", "delete"]


def test_csv_export_follows_the_filters(app, login_as):
    admin = login_as("admin")
    someone = create_user(app, "executive", username="someone", display_name="Some One")
    add_entry(app, someone, table="notes_note", record="5", changes={"title": ["a", "exported-title"]})
    add_entry(app, None, table="notes_note", record="6", changes={"title": ["b", "by-the-system"]})
    response = admin.get("/admin/audit?export=csv&table=notes_note")
    lines = response.get_data(as_text=True).strip().splitlines()
    assert response.mimetype == "text/csv" and len(lines) == 3
    assert "Some One" in lines[2] and "exported-title" in lines[2] and "System" in lines[1]


def test_bulk_writes_are_recorded_with_secrets_redacted(app):
    from core.api import record_bulk

    with app.app_context():
        record_bulk("create", User, [{"id": 41, "username": "bulk.one", "password_hash": "not-a-real-hash",
                                      "version": 1, "email": None}])
        db.session.commit()
    [(action, who, changes)] = entries(app, table_name="core_user", record_id="41")
    assert (action, who) == ("create", None)
    assert changes == {"id": [None, 41], "username": [None, "bulk.one"], "password_hash": [None, "***"]}


def test_entries_built_in_the_database_equal_the_bulk_entries(app):
    """record_bulk_created writes, in SQL, what record_bulk("create", ...) writes from Python rows."""
    from core.api import record_bulk, record_bulk_created

    ids = [create_user(app, username="sql.one", display_name="李 \"雷\" O'Neil", email=None),
           create_user(app, username="sql.two", display_name="Two", email="two@example.com")]
    columns = ["id", "username", "display_name", "email", "password_hash", "version"]
    with app.app_context():
        db.session.execute(AuditEntry.__table__.delete())
        rows = [dict(row._mapping) for row in db.session.execute(
            select(*(User.__table__.c[key] for key in columns)).where(User.id.in_(ids)))]
        record_bulk("create", User, rows)
        record_bulk_created(User, columns, User.id.in_(ids))
        db.session.commit()
    built = []
    for id_ in ids:
        [(_, _, from_python), (_, _, from_sql)] = entries(app, table_name="core_user", record_id=str(id_))
        assert from_sql == from_python
        built.append(from_sql)
    assert built[0]["display_name"] == [None, "李 \"雷\" O'Neil"] and "email" not in built[0]  # None is left out
    assert built[1]["email"] == [None, "two@example.com"] and built[1]["password_hash"] == [None, "***"]
