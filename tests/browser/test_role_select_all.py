"""The role page's "Select all" per plugin group, in a real browser: ticks the group, saves, shows "some"."""
from sqlalchemy import select

from core.api import db
from core.rbac.models import Role


def test_select_all_ticks_every_permission_of_a_group(app, live_server, browser_login):
    page = browser_login("admin")
    with app.app_context():
        role = Role(name="Helpers", data_scope="own")
        db.session.add(role)
        db.session.commit()
        role_id = role.id
    page.goto(f"{live_server}/admin/roles/{role_id}/edit")
    card = page.locator(".card", has=page.locator("#perm-core\\.dashboard\\.view"))
    toggle = card.locator("[data-select-all]")
    assert toggle.is_visible() and not toggle.is_checked()
    toggle.check()
    boxes = card.locator(".card-body input[type=checkbox]")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    card.locator("#perm-core\\.audit\\.view").uncheck()
    assert page.evaluate("el => el.indeterminate", toggle.element_handle())
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/roles")
    with app.app_context():
        granted = db.session.scalar(select(Role).where(Role.id == role_id)).permissions
    assert "core.dashboard.view" in granted and "core.user.manage" in granted and "core.audit.view" not in granted
