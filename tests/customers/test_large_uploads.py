"""Large uploads through a real server (issue 12, item 9): a file within MAX_CONTENT_LENGTH is saved to
disk as it arrives and handed to the job queue with bounded memory; a larger one gets a translated 413
page, neither a 500 nor a reset connection."""
import http.client
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.parse
import urllib.request

import pytest
from werkzeug.serving import make_server

from core.testing import TEST_PASSWORD, create_user
from plugins.basedata import services as basedata

MB = 1024 * 1024
BOUNDARY = "----crm-test-boundary"
ROW = "上海宏达贸易有限公司,beijing,zhang,021-66668888\n".encode()


@pytest.fixture
def server(make_app):
    app = make_app(MAX_CONTENT_LENGTH=8 * MB)
    with app.app_context():
        basedata.seed_dictionary()
    create_user(app, "account_manager", username="zhang")
    create_user(app, "admin", username="importer")
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served.server_port
    served.shutdown()
    thread.join()


class Browser:
    """Logged in through the login form of the real server; posts a file streamed in blocks."""

    def __init__(self, port: int, language: str):
        self.port, self.language, self.jar = port, language, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        token = self.token("/login")
        self.opener.open(self.url("/login"), urllib.parse.urlencode(
            {"username": "importer", "password": TEST_PASSWORD, "csrf_token": token}).encode())

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def token(self, path: str) -> str:
        request = urllib.request.Request(self.url(path), headers={"Accept-Language": self.language})
        page = self.opener.open(request).read().decode()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def upload(self, path: str, rows: int) -> tuple[int, dict, str]:
        """POST a CSV of ``rows`` rows, generated and sent block by block (never whole in memory)."""
        token = self.token(path)
        head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
                "Content-Type: text/csv\r\n\r\nname,region,manager,phone\n").encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        block = ROW * 1000

        def body():
            yield head
            for _n in range(rows // 1000):
                yield block
            yield tail

        length = len(head) + len(block) * (rows // 1000) + len(tail)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        connection.request("POST", path, body=body(), headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length),
            "Cookie": cookies, "Accept-Language": self.language})
        response = connection.getresponse()
        page = response.read().decode()
        connection.close()
        return response.status, dict(response.getheaders()), page


def test_an_upload_over_the_limit_gets_a_translated_413_page(server):
    browser = Browser(server, "en")
    status, _headers, page = browser.upload("/customers/import/customers", rows=200_000)  # about 11 MB
    assert status == 413
    assert "File too large" in page and "8 MB" in page
    status, _headers, page = Browser(server, "zh-CN").upload("/customers/import/customers", rows=200_000)
    assert status == 413 and "文件太大" in page


def test_an_upload_within_the_limit_goes_to_the_job_queue_with_bounded_memory(server):
    """The memory a request takes does not grow with the file: it is streamed to disk and checked in blocks."""
    browser = Browser(server, "en")

    def peak_of_upload(rows: int) -> int:
        tracemalloc.start()
        try:
            status, headers, _page = browser.upload("/customers/import/customers", rows=rows)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert status == 302 and "/jobs/" in headers["Location"]

    peak_of_upload(1_000)  # the first upload loads what any upload needs (the job queue, templates)
    small, large = peak_of_upload(10_000), peak_of_upload(140_000)  # about 0.5 MB and 7.5 MB of 8 MB
    assert large - small < 2 * MB, f"{small / MB:.1f} MB for 0.5 MB, {large / MB:.1f} MB for 7.5 MB"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(migrated_database, tmp_path):
    """The production server (README: gunicorn) on the test database, with an 8 MB limit."""
    pytest.importorskip("gunicorn", reason="gunicorn is not installed")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": migrated_database, "CRM_SECRET_KEY": "test-secret",
           "CRM_MAX_UPLOAD_MB": "8", "CRM_FILES_DIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "app:app"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def test_gunicorn_answers_an_upload_over_the_limit_with_the_page_not_a_reset(gunicorn):
    """The browser is still sending when the server refuses: the rest of the body is read and dropped,
    so the page arrives (without that, the client's send fails with a broken pipe or a reset)."""
    size = 20 * MB
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=60)
    connection.request("POST", "/login", body=(b"x" * (1 << 16) for _n in range(size >> 16)), headers={
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(size),
        "Accept-Language": "zh-CN"})
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    assert response.status == 413 and "文件太大" in page and "8 MB" in page
