"""CPU and wall time of the churn scan, per statement, in process; a fresh scan or a rescan.

    python -m bench.churn_times --database-url URL --mode fresh|rescan [--statements | --command]

One scan per process (so the peak RSS printed is that scan's). ``fresh`` keeps the
churn records in a side table, deletes them, scans, and puts them back; either mode
then deletes the audit entries and notices the scan wrote, and on PostgreSQL vacuums
the churn table and the audit log, so runs can repeat on one copy of a bench database. The scan's
statements are timed by the client's CPU (``time.process_time``: SQLite's work too)
and, on PostgreSQL, by the backend's CPU (``/proc/<pid>/stat``; the server must run
on this machine). On a machine shared with other work, CPU time moves far less than
wall time. Same scan as ``crm jobs run churn-scan`` (``bench/longops.py``), without
the command's start-up; ``--command`` runs that command instead (its wall, its CPU and its PostgreSQL
backends', peak RSS, the process's start included; the setup and the putting back as above).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time

from sqlalchemy import event, text

from bench.backend_cpu import backend_cpu
from bench.longops import CRM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--mode", choices=("fresh", "rescan"), default="fresh")
    parser.add_argument("--statements", action="store_true", help="each statement over 0.05 s (CPU or wall)")
    parser.add_argument("--as-longops", action="store_true",
                        help="fresh: the records deleted, neither vacuumed nor analysed (bench/longops.py's way)")
    parser.add_argument("--command", action="store_true", help="time `crm jobs run churn-scan` in a process of its own")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("CRM_PLUGINS", "basedata,customers,marketing,reports,service")

    from core import create_app
    from core.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        from plugins.customers import churn

        engine = db.engine
        postgresql = engine.dialect.name == "postgresql"
        with engine.begin() as conn:
            audit_before = conn.execute(text("SELECT coalesce(max(id), 0) FROM core_audit_log")).scalar()
            notice_before = conn.execute(text("SELECT coalesce(max(id), 0) FROM core_notification")).scalar()
            if args.mode == "fresh":
                conn.execute(text("DROP TABLE IF EXISTS bench_churn_backup"))
                conn.execute(text("CREATE TABLE bench_churn_backup AS SELECT * FROM customers_churn"))
                conn.execute(text("DELETE FROM customers_churn"))
        if args.as_longops:
            pass
        elif postgresql:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE customers_churn"))
        elif args.mode == "fresh":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE customers_churn"))

        statements: list[tuple[float, float, float, str]] = []
        current: dict = {}

        def backend_pid(conn):
            return conn.connection.dbapi_connection.info.backend_pid if postgresql else None

        def before(conn, cursor, statement, parameters, context, executemany):
            pid = backend_pid(conn)
            current.update(wall=time.monotonic(), cpu=time.process_time(), pid=pid, backend=backend_cpu(pid))

        def after(conn, cursor, statement, parameters, context, executemany):
            statements.append((time.monotonic() - current["wall"], time.process_time() - current["cpu"],
                               backend_cpu(current["pid"]) - current["backend"], " ".join(statement.split())))

        commit = db.session.commit

        def timed_commit():
            pid = backend_pid(db.session.connection())
            wall, cpu, server = time.monotonic(), time.process_time(), backend_cpu(pid)
            commit()
            statements.append((time.monotonic() - wall, time.process_time() - cpu, backend_cpu(pid) - server,
                               "COMMIT"))

        began_wall, began_cpu = time.monotonic(), time.process_time()
        try:
            if args.command:
                created, wall, cpu, backend, peak = _as_command(engine, args.database_url)
            else:
                event.listen(engine, "before_cursor_execute", before)
                event.listen(engine, "after_cursor_execute", after)
                db.session.commit = timed_commit
                created = churn.scan()
                wall, cpu = time.monotonic() - began_wall, time.process_time() - began_cpu
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        finally:
            db.session.commit = commit
            if event.contains(engine, "before_cursor_execute", before):
                event.remove(engine, "before_cursor_execute", before)
            if event.contains(engine, "after_cursor_execute", after):
                event.remove(engine, "after_cursor_execute", after)
            db.session.rollback()
            with engine.begin() as conn:
                if args.mode == "fresh":
                    conn.execute(text("DELETE FROM customers_churn"))
                    conn.execute(text("INSERT INTO customers_churn SELECT * FROM bench_churn_backup"))
                    conn.execute(text("DROP TABLE bench_churn_backup"))
                else:  # a rescan that created records (not expected): leave the copy as it was
                    conn.execute(text("DELETE FROM customers_churn WHERE id IN (SELECT CAST(record_id AS INTEGER) "
                                      "FROM core_audit_log WHERE id > :id AND table_name = 'customers_churn')"),
                                 {"id": audit_before})
                conn.execute(text("DELETE FROM core_audit_log WHERE id > :id"), {"id": audit_before})
                conn.execute(text("DELETE FROM core_notification WHERE id > :id"), {"id": notice_before})
            if postgresql:  # the deleted audit entries too: their dead index entries slowed the next run's
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE customers_churn"))
                    conn.execute(text("VACUUM core_audit_log"))
            else:
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE customers_churn"))
        if args.command:
            print(f"{engine.dialect.name} {args.mode}, crm jobs run churn-scan: {created} created, wall {wall:.2f} s, "
                  f"CPU {cpu:.2f} s, backend CPU {backend:.2f} s, total CPU {cpu + backend:.2f} s, peak RSS {peak} MB")
            return
        backend = sum(row[2] for row in statements)
        print(f"{engine.dialect.name} {args.mode}: {created} created, wall {wall:.2f} s, client CPU {cpu:.2f} s, "
              f"backend CPU {backend:.2f} s, total CPU {cpu + backend:.2f} s, peak RSS {peak} MB")
        if args.statements:
            for seconds, client, server, statement in statements:
                if max(seconds, client + server) >= 0.05:
                    print(f"  wall {seconds:6.2f}  client {client:5.2f}  backend {server:5.2f}  {statement[:150]}")


def _as_command(engine, database_url: str) -> tuple[int, float, float, float, int]:
    """``crm jobs run churn-scan``: records created, wall, the process's CPU (user + system), its PostgreSQL
    backends' CPU (each read every 20 ms until it ends: the last few ms may be missed) and its peak RSS in MB."""
    name = f"bench-churn-{os.getpid()}"  # the command's connections, found by their application_name
    backends: dict[int, float] = {}
    with tempfile.TemporaryFile("w+") as output:
        began = time.monotonic()
        process = subprocess.Popen([CRM, "jobs", "run", "churn-scan"], stdout=output, stderr=subprocess.STDOUT,
                                   env={**os.environ, "DATABASE_URL": database_url, "PGAPPNAME": name})
        looked = 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if engine.dialect.name == "postgresql":
                if time.monotonic() - looked > 0.5:
                    with engine.connect() as conn:
                        for backend in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name "
                                                         "= :name"), {"name": name}).scalars():
                            backends.setdefault(backend, 0.0)
                    looked = time.monotonic()
                for backend in backends:
                    try:
                        backends[backend] = backend_cpu(backend)
                    except FileNotFoundError:  # it ended
                        pass
            time.sleep(0.02)
        wall = time.monotonic() - began
        output.seek(0)
        text_out = output.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or " churn warning(s) created." not in text_out:
        raise SystemExit(f"crm jobs run churn-scan failed ({code}): {text_out[-2000:]}")
    created = int(text_out.split(" churn warning(s) created.")[0].rsplit(" ", 1)[1])
    return created, wall, usage.ru_utime + usage.ru_stime, sum(backends.values()), usage.ru_maxrss // 1024


if __name__ == "__main__":
    main()
