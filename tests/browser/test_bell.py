"""The notification bell in a real browser: the count, the menu, opening one, at desktop and phone width."""
import pytest

from core.api import N_, db, notify


def _notify(app, user_id, link):
    with app.test_request_context():
        notify([user_id], N_("Customer %(name)s (%(number)s) was assigned to you."), link,
               name="北京华信科技有限公司", number="KH2026112900001")
        notify([user_id], N_("Sales opportunity for %(customer)s was assigned to you."), "/notifications/",
               customer="杭州新星电子有限公司")
        db.session.commit()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_bell_opens_the_latest_notifications_and_one_click_follows_it(app, live_server, browser_login, width):
    page = browser_login("account_manager", width=width)
    _notify(app, page.user_id, "/customers/")
    page.goto(live_server + "/")
    assert page.inner_text("[data-bell-count]") == "2"
    page.click("#bell")
    menu = page.locator(".crm-bell-menu")
    menu.wait_for(state="visible")
    assert menu.locator("button.dropdown-item").first.inner_text().strip().startswith("Sales opportunity for 杭州新星电子有限公司")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the whole menu fits the screen
    menu.get_by_text("Customer 北京华信科技有限公司").click()
    page.wait_for_url(live_server + "/customers/")
    assert page.inner_text("[data-bell-count]") == "1"
    page.click("#bell")
    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_url(live_server + "/notifications/")
    assert page.locator("[data-bell-count]").count() == 0
