"""The long operations: full CSV export over HTTP, ``crm import customers``, the churn scan.

Each reports its time and peak RSS; the database is left as it was found
(imported customers are deleted again, churn records restored), so runs can repeat.
"""
from __future__ import annotations

import csv
import os
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


def export(session, base: str, expected: int, server) -> dict:
    """The whole customer list as CSV through the web worker: rows received against rows expected."""
    began = time.monotonic()
    rows = -1  # the header line
    status = None
    try:
        with session.get(f"{base}/customers/?export=csv", stream=True, timeout=600) as response:
            status = response.status_code
            for chunk in response.iter_content(64 * 1024):
                rows += chunk.count(b"\n")  # no cell holds a line break
    except Exception as exc:  # a worker killed mid-stream: the rows so far are the point
        status = f"{status} then {type(exc).__name__}"
    peak = max((worker["peak_mb"] for worker in server.worker_memory()), default=None)
    return {"seconds": round(time.monotonic() - began, 1), "rows": rows, "expected": expected,
            "complete": rows == expected, "status": status, "worker_peak_rss_mb": peak}


def import_customers(engine, env: dict, count: int, manager: str, workdir: Path, timeout: float) -> dict:
    path = workdir / f"import-{count}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "region", "manager", "level", "phone", "address"])
        for n in range(count):
            writer.writerow([f"导入测试{n}贸易有限公司", "beijing", manager, "2", f"010-6{n:07d}", "北京市导入路1号"])
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM customers_customer")).scalar()
    result = run_command(["import", "customers", str(path)], env, timeout)
    with engine.begin() as conn:
        imported = conn.execute(text("SELECT count(*) FROM customers_customer WHERE id > :id"), {"id": before}).scalar()
        conn.execute(text("DELETE FROM customers_customer WHERE id > :id"), {"id": before})
    path.unlink()
    seconds = result.get("seconds")
    return {**result, "rows": count, "imported": imported,
            "rows_per_s": round(count / seconds) if seconds and imported == count else None}


def churn_scan(engine, env: dict, timeout: float) -> dict:
    """A rescan (the generated records exist) and a scan of an empty churn table; records restored after."""
    rescan = run_command(["jobs", "run", "churn-scan"], env, timeout)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_churn_backup"))
        conn.execute(text("CREATE TABLE bench_churn_backup AS SELECT * FROM customers_churn"))
        conn.execute(text("DELETE FROM customers_churn"))
    try:
        fresh = run_command(["jobs", "run", "churn-scan"], env, timeout)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM customers_churn"))
            conn.execute(text("INSERT INTO customers_churn SELECT * FROM bench_churn_backup"))
            conn.execute(text("DROP TABLE bench_churn_backup"))
    return {"rescan": rescan, "fresh": fresh}
