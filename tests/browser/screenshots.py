"""Screenshots of every menu page in both languages, as a person sees them.

    make screenshots        # or: python -m tests.browser.screenshots [--user admin] [--out screenshots]

Starts the CRM on a throw-away SQLite database with demo data, logs in, opens
the login page, the dashboard and every sidebar link in English and 简体中文,
and saves full-page PNGs. Needs Debian's ``chromium`` (and ``fonts-wqy-zenhei``
for Chinese glyphs) plus the ``playwright`` Python package.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The CRM did not answer on {url}")


def serve(port: int, database: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    crm = str(Path(sys.executable).with_name("crm"))
    subprocess.run([crm, "init", "--demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([crm, "run", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/login")
    return server


def shoot(base: str, user: str, password: str, out: Path, width: int) -> list[Path]:
    saved = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900})
        for language in ("en", "zh_CN"):
            page.goto(f"{base}/login")
            page.click(f"form[action^='/language/{language}'] button")  # a POST; the login keeps the choice
            saved.append(_save(page, out / f"{language}-login.png"))
            page.fill("#username", user)
            page.fill("#password", password)
            page.click("form:has(#username) button[type=submit]")
            page.goto(f"{base}/")
            links = page.eval_on_selector_all("#sidebar a.nav-link", "els => els.map(e => e.getAttribute('href'))")
            for href in links:
                page.goto(base + href)
                name = href.strip("/").replace("/", "-") or "dashboard"
                saved.append(_save(page, out / f"{language}-{name}.png"))
            page.context.clear_cookies()
        browser.close()
    return saved


def _save(page, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="demo1234")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--width", type=int, default=1280, help="viewport width (e.g. 390 for a phone)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server = serve(args.port, Path(folder) / "crm.db")
        try:
            for path in shoot(f"http://127.0.0.1:{args.port}", args.user, args.password, out, args.width):
                print(path)
        finally:
            server.terminate()


if __name__ == "__main__":
    main()
