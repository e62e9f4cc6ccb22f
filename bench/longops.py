"""The long operations: the full CSV export and a browser import (both on the job queue, run by a
``crm worker``), ``crm import customers``, the churn scan.

Each reports its time and peak RSS; the database is left as it was found
(imported customers are deleted again, churn records restored), so runs can repeat.
"""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

CRM = str(Path(sys.executable).with_name("crm"))


def run_command(args: list[str], env: dict, timeout: float) -> dict:
    """Run ``crm ARGS``; wall time, peak RSS (MB) and whether it finished in ``timeout`` seconds."""
    began = time.monotonic()
    process = subprocess.Popen([CRM, *args], env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - began > timeout:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            return {"seconds": None, "timeout_s": timeout, "peak_rss_mb": usage.ru_maxrss // 1024, "ok": False}
        time.sleep(0.1)
    output = process.stdout.read()
    return {"seconds": round(time.monotonic() - began, 1), "peak_rss_mb": usage.ru_maxrss // 1024,
            "ok": os.waitstatus_to_exitcode(status) == 0, "output": output.strip().splitlines()[-1:]}


def follow_job(session, base: str, response, timeout: float) -> dict:
    """Follow the job a request started (its page's JSON state) until it ends; its last state."""
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "/jobs/" not in location:
        return {"state": f"no job (HTTP {response.status_code})"}
    job_url = location if location.startswith("http") else base + location
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = session.get(job_url + "/state").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.2)  # the job's end is known this late at most: 0.5 s added 0.25 s to a time on average
    return {"state": "timeout"}


def _count_rows(response) -> int:
    rows = -1  # the header line
    for chunk in response.iter_content(64 * 1024):
        rows += chunk.count(b"\n")  # no cell holds a line break
    return rows


def export(session, base: str, expected: int, worker, timeout: float) -> dict:
    """The whole customer list as CSV: a short list streams; a long one is a job on the queue, then its
    download. Rows received against rows expected."""
    began = time.monotonic()
    rows, state = None, {"state": "streamed"}
    with session.get(f"{base}/customers/?export=csv", allow_redirects=False, stream=True, timeout=600) as response:
        if response.status_code == 200:
            rows = _count_rows(response)
        else:
            state = follow_job(session, base, response, timeout)
    seconds = round(time.monotonic() - began, 1)
    if state.get("download_url"):
        with session.get(base + state["download_url"], stream=True, timeout=600) as response:
            rows = _count_rows(response)
    return {"seconds": seconds, "rows": rows, "expected": expected, "complete": rows == expected,
            "state": state.get("state"), "worker_peak_rss_mb": worker.peak_mb()}


def customers_file(path: Path, count: int, manager: str) -> None:
    """A CSV of ``count`` new customers managed by ``manager``, as a user would upload it."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "region", "manager", "level", "phone", "address"])
        for n in range(count):
            # 010-9...: outside the generated phones (0xx-60000000 to 89999999), so no row is a duplicate
            writer.writerow([f"导入测试{n}贸易有限公司", "beijing", manager, "2", f"010-9{n:07d}", "北京市导入路1号"])


def _delete_imported(engine, before: int) -> int:
    with engine.begin() as conn:
        imported = conn.execute(text("SELECT count(*) FROM customers_customer WHERE id > :id"), {"id": before}).scalar()
        conn.execute(text("DELETE FROM customers_customer WHERE id > :id"), {"id": before})
    return imported


def _max_customer_id(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(id), 0) FROM customers_customer")).scalar()


def upload_customers(session, base: str, engine, count: int, manager: str, workdir: Path, worker,
                     timeout: float) -> dict:
    """A browser upload of ``count`` customers: the import runs on the queue; time to the end, worker peak RSS."""
    path = workdir / f"upload-{count}.csv"
    customers_file(path, count, manager)
    before = _max_customer_id(engine)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(f"{base}/customers/import/customers").text)
    began = time.monotonic()
    with path.open("rb") as handle:
        response = session.post(f"{base}/customers/import/customers", files={"file": ("customers.csv", handle)},
                                data={"csrf_token": token.group(1)}, allow_redirects=False)
    state = follow_job(session, base, response, timeout)
    seconds = round(time.monotonic() - began, 1)
    imported = _delete_imported(engine, before)
    path.unlink()
    return {"seconds": seconds, "rows": count, "imported": imported, "state": state.get("state"),
            "rows_per_s": round(count / seconds) if seconds and imported == count else None,
            "worker_peak_rss_mb": worker.peak_mb()}


def import_customers(engine, env: dict, count: int, manager: str, workdir: Path, timeout: float) -> dict:
    path = workdir / f"import-{count}.csv"
    customers_file(path, count, manager)
    before = _max_customer_id(engine)
    result = run_command(["import", "customers", str(path)], env, timeout)
    imported = _delete_imported(engine, before)
    path.unlink()
    seconds = result.get("seconds")
    return {**result, "rows": count, "imported": imported,
            "rows_per_s": round(count / seconds) if seconds and imported == count else None}


def _vacuum_churn(engine) -> None:
    """PostgreSQL: the churn table vacuumed and analysed (its deleted rows and their index entries gone)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE customers_churn"))


def churn_scan(engine, env: dict, timeout: float) -> dict:
    """A rescan (the generated records exist) and a scan of an empty churn table; records restored after.

    The empty table is vacuumed on PostgreSQL, as a fresh database has it: the deleted records' dead rows
    and index entries left in place made the new records' index insertions clean up after them, work a
    first scan never does (1M, the INSERT alone: ~0.3 s more of CPU, 484 instead of 153 MB of WAL)."""
    rescan = run_command(["jobs", "run", "churn-scan"], env, timeout)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_churn_backup"))
        conn.execute(text("CREATE TABLE bench_churn_backup AS SELECT * FROM customers_churn"))
        conn.execute(text("DELETE FROM customers_churn"))
    _vacuum_churn(engine)
    try:
        fresh = run_command(["jobs", "run", "churn-scan"], env, timeout)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM customers_churn"))
            conn.execute(text("INSERT INTO customers_churn SELECT * FROM bench_churn_backup"))
            conn.execute(text("DROP TABLE bench_churn_backup"))
        _vacuum_churn(engine)
    return {"rescan": rescan, "fresh": fresh}
