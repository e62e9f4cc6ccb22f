"""SQL time per page, in process: each statement a GET runs, re-run 5 times on a raw connection, the best kept.

    python -m bench.sql_times --database-url sqlite:////path/crm-bench-1000000.db --user bench_mgr01 \\
        --pages /service/ LAST:/service/ "/service/?summary=发票" [--plans]

Deterministic enough on a loaded machine, where the HTTP timings of ``bench.run`` move with the load:
the figures are the database's work for the page (``--plans``: each statement's EXPLAIN QUERY PLAN on
SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL). ``LAST:<url>`` and ``NEXT:<url>`` open the page the
list's Last or Next link names.
"""
from __future__ import annotations

import argparse
import re
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.generate import PASSWORD
from bench.statements import StatementCounter

_LINK = {"LAST:": re.compile(r'href="([^"]+)"[^>]*aria-label="(?:Last|最后一页|末页)"'),
         "NEXT:": re.compile(r'href="([^"]+)"[^>]*aria-label="Next"')}


_SPACES = re.compile(r"\s+")


def _target(client, page: str) -> str:
    prefix = page[:5]
    if prefix not in _LINK:
        return page
    found = _LINK[prefix].search(client.get(page[5:]).get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else page[5:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--user", default="bench_mgr01")
    parser.add_argument("--password", default=PASSWORD)
    parser.add_argument("--pages", nargs="+", required=True)
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    counter = StatementCounter(args.database_url)
    client = counter.client(args.user, args.password)
    from core.db import db

    for page in args.pages:
        url = _target(client, page)
        client.get(url)  # warm-up
        statements = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        event.listen(Engine, "before_cursor_execute", record)
        try:
            status = client.get(url).status_code
        finally:
            event.remove(Engine, "before_cursor_execute", record)
        print(f"=== {page} -> {url}  HTTP {status}  {len(statements)} statements")
        with counter.app.app_context():
            sqlite = db.engine.dialect.name == "sqlite"
            raw = db.engine.raw_connection()
            try:
                total = 0.0
                for sql, parameters in statements:
                    if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                        continue
                    best = float("inf")
                    for _ in range(5):
                        cursor = raw.cursor()
                        began = time.perf_counter()
                        cursor.execute(sql, parameters)
                        cursor.fetchall()
                        best = min(best, time.perf_counter() - began)
                        cursor.close()
                    total += best * 1000
                    print(f"  {best * 1000:8.2f} ms  {_SPACES.sub(' ', sql)[:160]}")
                    if args.plans:
                        cursor = raw.cursor()
                        cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) ") + sql,
                                       parameters)
                        for row in cursor.fetchall():
                            print("        |", row[-1] if sqlite else row[0])
                        cursor.close()
                print(f"  SQL of the page, best of 5: {total:.1f} ms")
            finally:
                raw.rollback()
                raw.close()


if __name__ == "__main__":
    main()
