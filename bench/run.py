"""The benchmark: the CRM under gunicorn beside the floor app, on a database ``bench.generate`` filled.

    python -m bench.run --database-url sqlite:////work/bench-data/crm-1m.db --label sqlite-1m

Logs in through the login form as an administrator and as an account manager,
times every page (p50/p95 of sequential requests after warm-up), counts each
page's SQL statements, measures throughput with wrk on the first page and on a
search next to the floor, the long operations (export, import, churn scan) and
the web workers' memory; prints a table and writes JSON.

Pages are timed, and throughput first measured, with every request counting its list
(``CRM_COUNT_CAP_SECONDS=0``): a new search or filter pays that count. Then throughput
again on a second server as deployed, where a list's count is kept for 30 s while its tables
are unchanged (core/kept_counts.py): the same list reloaded or paged pays it once.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, text

from bench import longops, pages
from bench.generate import ADMIN, PASSWORD
from bench.servers import QueueWorker, Server, cookie_header, log_in, time_get, wrk
from bench.statements import StatementCounter

MANAGER = "bench_mgr01"


def measure_pages(base: str, users: dict, counter: StatementCounter, requests_: int,
                  only: list[str] | None = None, workers: int = 2, floor_base: str | None = None) -> list[dict]:
    """Every page's p50/p95 per user; first and last the floor's page, timed the same way: what the
    machine itself adds to a request (a p95 far above its p50 there is the machine, not the CRM)."""
    results = {}
    if floor_base:
        results["floor"] = {"page": "floor (bare Flask, 25 rows), before",
                            "admin": time_get(requests.Session(), floor_base + "/", requests_, workers=workers)}
    for role, (session, client, facts) in users.items():
        for name, url in pages.customer_pages(facts) + pages.sales_service_pages(facts):
            if only and not any(part in name for part in only):
                continue
            target = pages.resolve(session, base, url)
            row = results.setdefault(name, {"page": name})
            row[role] = {"url": target, **time_get(session, base + target, requests_, workers=workers),
                         "statements": counter.count(client, target)}
            print(f"  {role:<15} {name:<36} p50 {row[role]['p50']:>8} ms  p95 {row[role]['p95']:>8} ms  "
                  f"{row[role]['statements']:>3} SQL  {row[role]['status']}", flush=True)
    if floor_base:
        results["floor (again)"] = {"page": "floor (bare Flask, 25 rows), after",
                                    "admin": time_get(requests.Session(), floor_base + "/", requests_, workers=workers)}
    return list(results.values())


def measure_throughput(app_base: str, floor_base: str, users: dict, seconds: int, kept_base: str,
                       rounds: int = 1) -> dict:
    """wrk on the first page and a search, every request counting (``app_base``), then with counts
    kept (``kept_base``, the same database and logins), between two runs of the floor; ``rounds``
    times over, each run's × the floor taken against its own round's floor (one wrk run moves by
    ±15 % on this machine), the median of the rounds reported."""
    admin, manager = users["admin"][0], users["account_manager"][0]
    search = "/customers/?name=" + quote("华信")
    runs = [("floor", floor_base + "/", None), ("admin: first page", app_base + "/customers/", admin),
            ("account manager: first page", app_base + "/customers/", manager),
            ("admin: search 华信", app_base + search, admin),
            ("admin: first page, counts kept", kept_base + "/customers/", admin),
            ("account manager: first page, counts kept", kept_base + "/customers/", manager),
            ("admin: search 华信, counts kept", kept_base + search, admin),
            ("floor (again)", floor_base + "/", None)]
    for name, url, session in runs:  # the second server's workers too compile their pages before wrk
        if session is not None and url.startswith(kept_base):
            time_get(session, url, 1)
    measured: dict[str, list[dict]] = {name: [] for name, _, _ in runs}
    for _ in range(rounds):
        found = {}
        for name, url, session in runs:
            found[name] = wrk(url, cookie_header(session) if session else None, seconds)
            print(f"  wrk {name:<42} {found[name]}", flush=True)
        floors = [found["floor"]["rps"], found["floor (again)"]["rps"]]
        floor = sum(floors) / 2 if all(floors) else None
        for name, value in found.items():
            if not name.startswith("floor") and floor and value.get("rps"):
                value["x_floor"] = round(value["rps"] / floor, 2)
            measured[name].append(value)
    return {name: _median_run(values) for name, values in measured.items()}


def _median_run(values: list[dict]) -> dict:
    """One run's figures, or the median of several rounds' (and each round's × the floor)."""
    if len(values) == 1:
        return values[0]
    rps = [value["rps"] for value in values if value.get("rps")]
    ratios = [value["x_floor"] for value in values if "x_floor" in value]
    found = {"rps": statistics.median(rps) if rps else None, "non_2xx": sum(v.get("non_2xx", 0) for v in values),
             "rounds": len(values)}
    if ratios:
        found["x_floor"], found["x_floor_rounds"] = round(statistics.median(ratios), 2), ratios
    return found


def print_table(result: dict) -> None:
    print(f"\n{result['label']}: {result['customers']:,} customers, {result['when']}")
    print(f"{'page':<38}{'admin p50':>10}{'p95':>8}{'mgr p50':>9}{'p95':>8}{'SQL a/m':>9}")
    for row in result["pages"]:
        a, m = row.get("admin", {}), row.get("account_manager", {})
        print(f"{row['page']:<38}{a.get('p50', '-'):>10}{a.get('p95', '-'):>8}{m.get('p50', '-'):>9}"
              f"{m.get('p95', '-'):>8}{str(a.get('statements', '-')) + '/' + str(m.get('statements', '-')):>9}")
    for name, value in result.get("throughput", {}).items():
        print(f"throughput {name:<42} {value.get('rps')} req/s  x floor {value.get('x_floor', '-')}")
    for name, value in result.get("long", {}).items():
        print(f"long: {name:<12} {json.dumps(value, ensure_ascii=False)}")
    print(f"web workers after the run: {result['workers_after']}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", required=True, help="e.g. sqlite-1m: names the JSON file")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page and user")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5140,
                        help="the CRM; the floor uses the next port, the CRM with counts kept the one after")
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--wrk-rounds", type=int, default=1,
                        help="throughput runs this many times over, the median reported (each against its own floor)")
    parser.add_argument("--long", choices=("yes", "no", "export", "import", "churn"), default="yes",
                        help="also export, import, churn scan (yes), or only one of them")
    parser.add_argument("--long-timeout", type=float, default=300)
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--only", action="append", help="measure only the pages whose name contains this "
                        "(repeatable), e.g. --only report --only dashboard")
    args = parser.parse_args(argv)
    # Stopped by a signal (kill, a CI timeout), still stop the servers and the worker in ``finally``.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    engine = create_engine(args.database_url)
    with engine.connect() as conn:
        manager_id = conn.execute(text("SELECT id FROM core_user WHERE username = :u"), {"u": MANAGER}).scalar()
        facts = {"admin": {**pages.facts(conn, None), **pages.sales_facts(conn, None)},
                 "account_manager": {**pages.facts(conn, manager_id), **pages.sales_facts(conn, manager_id)}}
    queue_dir = Path(tempfile.mkdtemp(prefix="crm-bench-queue-"))  # the job queue and files of this run
    env = {"DATABASE_URL": args.database_url, "CRM_SECRET_KEY": "bench-secret-key",
           "CRM_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",
           "CRM_QUEUE_URL": os.environ.get("CRM_QUEUE_URL") or f"sqlite:///{queue_dir / 'queue.db'}",
           "CRM_QUEUE_NAME": f"bench-{os.getpid()}", "CRM_FILES_DIR": str(queue_dir / "files")}
    app = Server("app:app", args.port, args.workers, {**env, "CRM_COUNT_CAP_SECONDS": "0"})
    worker = QueueWorker(env) if args.long != "no" else None
    floor = Server("bench.floor:app", args.port + 1, args.workers, env)
    counter = StatementCounter(args.database_url)
    result = {"label": args.label, "customers": facts["admin"]["total"], "workers": args.workers,
              "requests": args.requests, "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                       text=True).stdout.strip(), "machine": platform.platform()}
    try:
        users = {role: (log_in(app.base, username, PASSWORD), counter.client(username, PASSWORD), facts[role])
                 for role, username in (("admin", ADMIN), ("account_manager", MANAGER))}
        result["pages"] = measure_pages(app.base, users, counter, args.requests, args.only, args.workers, floor.base)
        if args.wrk_seconds > 0:  # 0: pages only
            kept = Server("app:app", args.port + 2, args.workers, env)
            try:
                result["throughput"] = measure_throughput(app.base, floor.base, users, args.wrk_seconds, kept.base,
                                                          args.wrk_rounds)
            finally:
                kept.stop()
        result["workers_after"] = app.worker_memory()
        result["long"], admin = {}, users["admin"][0]
        if args.long in ("yes", "export"):
            result["long"]["export"] = longops.export(admin, app.base, facts["admin"]["total"], worker,
                                                      args.long_timeout)
            print(f"  export {result['long']['export']}", flush=True)
        if args.long in ("yes", "import"):
            rows = min(100_000, max(1000, facts["admin"]["total"] // 10))
            with tempfile.TemporaryDirectory() as workdir:
                result["long"]["upload"] = longops.upload_customers(
                    admin, app.base, engine, rows, MANAGER, Path(workdir), worker, args.long_timeout)
                print(f"  upload {result['long']['upload']}", flush=True)
                result["long"]["import"] = longops.import_customers(
                    engine, env, rows, MANAGER, Path(workdir), args.long_timeout)
            print(f"  import {result['long']['import']}", flush=True)
        if args.long in ("yes", "churn"):
            result["long"]["churn scan"] = longops.churn_scan(engine, env, args.long_timeout)
    finally:
        app.stop()
        floor.stop()
        if worker is not None:
            worker.stop()
        shutil.rmtree(queue_dir, ignore_errors=True)
    print_table(result)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{args.label}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"written {path}")


if __name__ == "__main__":
    main()
