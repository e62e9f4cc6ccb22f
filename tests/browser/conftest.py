"""Browser tests: the real app served on localhost, driven by headless Chromium through playwright.

    def test_something(live_server, browser_login):
        page = browser_login("account_manager")        # a new user of that role, logged in by the form
        page.goto(live_server + "/customers/")

Debian's ``chromium`` must be installed (``.ci/run`` installs it); without it
these tests are skipped with that reason.
"""
from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from core.testing import TEST_PASSWORD, create_user

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium): browser tests skipped")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, browser):
    """The test app served by a threaded server on a free port; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def browser_login(app, browser, live_server):
    """Factory: a new browser page logged in, through the login form, as a new user of a role."""
    contexts = []

    def login(role_key=None, *, width=1280, language="en", **user_fields):
        user_id = create_user(app, role_key, **user_fields)
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      locale="zh-CN" if language == "zh_CN" else "en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server + "/login")
        with app.app_context():
            from core.api import User, db

            page.fill("#username", db.session.get(User, user_id).username)
        page.fill("#password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.user_id = user_id
        return page

    yield login
    for context in contexts:
        context.close()
