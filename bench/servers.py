"""gunicorn servers for the benchmark, logged-in HTTP sessions, timings and wrk."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


class Server:
    """``gunicorn -w N -b 127.0.0.1:PORT MODULE:app`` from the repository root, as the README deploys it."""

    def __init__(self, module: str, port: int, workers: int, env: dict):
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn {module} exited: {self.process.stderr.read()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                if len(self.worker_pids()) == workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn {module} did not start on port {port}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_memory(self) -> list[dict]:
        """Each worker's RSS now and its peak (VmHWM), in MB."""
        found = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            values = {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1)) // 1024 for key in ("VmRSS", "VmHWM")}
            found.append({"pid": pid, "rss_mb": values["VmRSS"], "peak_mb": values["VmHWM"]})
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class QueueWorker:
    """``crm worker``: runs the long operations (exports, browser imports) the CRM puts on its job queue."""

    def __init__(self, env: dict):
        crm = str(Path(sys.executable).with_name("crm"))
        self.process = subprocess.Popen([crm, "worker", "--threads", "1"], cwd=ROOT, env={**os.environ, **env},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def peak_mb(self) -> int:
        """The worker's peak RSS so far (VmHWM), in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # finishes the job it runs, then exits
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def log_in(base: str, username: str, password: str) -> requests.Session:
    """A session logged in through the real login form (CSRF token included)."""
    session = requests.Session()
    token = _CSRF.search(session.get(f"{base}/login").text).group(1)
    response = session.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token},
                            allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f"login of {username} failed: HTTP {response.status_code}")
    return session


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def time_get(session, url: str, requests_: int, warmup: int = 2, workers: int = 2) -> dict:
    """p50/p95 of ``requests_`` sequential GETs of ``url`` after ``warmup`` untimed rounds, in ms.

    A round sends ``workers`` requests at once, so that every gunicorn worker (one request at a time
    each) serves the page before the timing: sequential warm-up requests may all reach one worker,
    and the other's first request (its first Jinja compile of the page's templates, ~100 ms) was then
    the slow request out of ten that made a page's p95."""
    statuses = set()
    sessions = [session] + [_copy(session) for _ in range(workers - 1)]
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(warmup):
            statuses.update(pool.map(lambda each: each.get(url).status_code, sessions))
    times = []
    for _ in range(requests_):
        began = time.perf_counter()
        response = session.get(url)
        times.append((time.perf_counter() - began) * 1000)
        statuses.add(response.status_code)
    return {"p50": round(statistics.median(times), 1), "p95": round(percentile(times, 0.95), 1),
            "status": sorted(statuses)}


def _copy(session: requests.Session) -> requests.Session:
    """Another session with the same login (cookies): a requests.Session is not shared between threads."""
    other = requests.Session()
    other.cookies.update(session.cookies)
    return other


def wrk(url: str, cookie: str | None, seconds: int, connections: int = 32) -> dict:
    """``wrk -t2 -c32 -dNs`` on ``url``: requests per second and the count of non-2xx/3xx answers."""
    if shutil.which("wrk") is None:
        return {"rps": None, "error": "wrk is not installed (apt-get install wrk)"}
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": float(rps.group(1)) if rps else None, "non_2xx": int(errors.group(1)) if errors else 0}


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())
