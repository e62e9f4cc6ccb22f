"""Demo users and the plugins' demo data (``crm init --demo``)."""
from __future__ import annotations

import click
from sqlalchemy import select

from core.db import db
from core.rbac.models import Role, User

DEMO_PASSWORD = "demo1234"
DEMO_USERS = [
    # login, display name, role key
    ("admin", "管理员 Admin", "admin"),
    ("director", "王强 Wang Qiang", "sales_director"),
    ("manager1", "李明 Li Ming", "account_manager"),
    ("manager2", "张伟 Zhang Wei", "account_manager"),
    ("manager3", "刘洋 Liu Yang", "account_manager"),
    ("ceo", "陈静 Chen Jing", "executive"),
]


def load_demo(host) -> None:
    roles = {role.key: role for role in db.session.scalars(select(Role).where(Role.key.is_not(None)))}
    existing = set(db.session.scalars(select(User.username)))
    for username, name, role_key in DEMO_USERS:
        if username in existing:
            continue
        user = User(username=username, display_name=name, email=f"{username}@example.com",
                    roles=[roles[role_key]] if role_key in roles else [])
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.commit()
    # Dependency order (pluggy itself calls the last registered plugin first),
    # so a plugin finds its requirements' demo data.
    for _plugin, _result in host.each("load_demo_data", session=db.session):
        pass
    db.session.commit()
    click.echo("Demo data loaded. Demo logins (password %s): %s" % (
        DEMO_PASSWORD, ", ".join(username for username, _n, _r in DEMO_USERS)))
