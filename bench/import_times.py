"""CPU time of a customer import, per step, in process: the transaction rolled back, best of N.

    python -m bench.import_times --database-url URL --rows 100000 --runs 3 [--profile FILE]

The importer's steps (reading and checking the file, duplicates, insert, audit,
search index, commit) are timed by the client's CPU (``time.process_time``,
which includes SQLite's work) and, on PostgreSQL, by the backend's CPU
(utime + stime of ``/proc/<pid>/stat``; the server must run on this machine).
On a machine shared with other work, CPU time moves far less than wall time.
The file is the bench's (``bench/longops.py``); nothing is committed, and on
PostgreSQL the customers and the audit log are vacuumed between runs.

The customer import saves each chunk while the next is checked (in a thread:
``plugins/customers/importer/pipeline.py``): its steps are then "reading"
(reading, checking and saving, overlapped) and "commit", the client's CPU
counts both threads, and the wall time is what the overlap gains — on a quiet
machine only: with more runnable processes than cores the two threads do not
run at once. Each run also says how that CPU splits between the threads: the
main thread's (the saving: on SQLite the database's own work) bounds the wall
time on two free cores, the checking thread's overlaps it.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from bench.backend_cpu import backend_cpu
from bench.longops import customers_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--manager", default="bench_mgr01")
    parser.add_argument("--profile", help="write a cProfile of the last run here")
    parser.add_argument("--statements", action="store_true",
                        help="also each statement that took over 0.05 s of CPU (client + backend), last run, "
                             "and the CPU of each kind of statement (its first words) summed over the run")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from core import create_app
    from core.db import db
    from plugins.customers.importer import KINDS, read_table
    from plugins.customers.importer import customer_rows, pipeline, staging
    from plugins.customers.importer.progress import ImportProgress

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    marks: list[tuple[str, float, float]] = []
    backend: list[int | None] = [None]
    step = ImportProgress.step

    def mark(name: str) -> None:
        marks.append((name, time.process_time(), backend_cpu(backend[0])))

    def timed_step(self, key):
        mark(key)
        return step(self, key)

    @contextmanager
    def rolled_back(report):
        yield  # the import's work, then nothing committed (rolled back below)

    statements: list[tuple[float, str]] = []
    kinds: dict[str, float] = {}
    started: list[float] = []

    # The statements run on the main thread: its CPU (time.thread_time, SQLite's work included), not the
    # process's, which counts the checking thread's work meanwhile too.
    def before(conn, cursor, statement, parameters, context, executemany):
        started.append(time.thread_time() + backend_cpu(backend[0]))

    def after(conn, cursor, statement, parameters, context, executemany):
        cpu = time.thread_time() + backend_cpu(backend[0]) - started.pop()
        words = " ".join(statement.split())
        kind = " ".join(words.split()[:3])
        kinds[kind] = kinds.get(kind, 0.0) + cpu
        if cpu > 0.05:
            statements.append((cpu, words[:110]))

    if args.statements:
        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        write = staging.Staging.write

        def timed_write(self, rows):  # on the driver's connection: no SQLAlchemy events
            began = time.thread_time() + backend_cpu(backend[0])
            write(self, rows)
            kinds["staging rows (driver)"] = kinds.get("staging rows (driver)", 0.0) + (
                time.thread_time() + backend_cpu(backend[0]) - began)

        staging.Staging.write = timed_write
    checking = [0.0]  # CPU s of the checking thread (pipeline.py), this run

    @contextmanager
    def timed_checks(items, check):
        def timed(item):
            began = time.thread_time()
            try:
                return check(item)
            finally:
                checking[0] += time.thread_time() - began

        def read():  # the CSV reading is the checking thread's work too (the items are read there)
            iterator = iter(items)
            while True:
                began = time.thread_time()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    checking[0] += time.thread_time() - began
                yield item

        with pipeline.checked_ahead(read(), timed) as results:
            yield results

    customer_rows.checked_ahead = timed_checks
    ImportProgress.step = timed_step
    customer_rows.all_or_nothing = rolled_back
    customer_rows.analyze_grown = lambda *a, **k: []
    postgresql = args.database_url.startswith("postgresql")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as workdir, app.app_context():
        path = Path(workdir) / "customers.csv"
        customers_file(path, args.rows, args.manager)
        for run in range(args.runs):
            if postgresql:
                backend[0] = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
                db.session.rollback()
            marks.clear()
            statements.clear()
            kinds.clear()
            checking[0] = 0.0
            main_began = time.thread_time()
            profiler = cProfile.Profile() if args.profile and run == args.runs - 1 else None
            began = time.monotonic()
            mark("reading")
            if profiler:
                profiler.enable()
            with open(path, "rb") as source:
                report = KINDS["customers"].run(read_table(source, KINDS["customers"].columns))
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
            mark("end")
            wall, main_thread = time.monotonic() - began, time.thread_time() - main_began
            db.session.rollback()
            assert not report.error_count, report.errors[:3]
            steps = {}
            for (name, cpu, bcpu), (_n, cpu2, bcpu2) in zip(marks, marks[1:]):
                steps[name] = (cpu2 - cpu, bcpu2 - bcpu)
            total = sum(c for c, _b in steps.values()), sum(b for _c, b in steps.values())
            line = "  ".join(f"{name} {c:.2f}" + (f"+{b:.2f}" if postgresql else "") for name, (c, b) in steps.items())
            print(f"run {run + 1}: wall {wall:.1f} s, CPU {total[0]:.2f}" + (f" + backend {total[1]:.2f}" if postgresql
                  else "") + f" s (main thread {main_thread:.2f}, checking thread {checking[0]:.2f}) | {line}",
                  flush=True)
            if args.statements and run == args.runs - 1:
                for cpu, statement in statements:
                    print(f"    {cpu:5.2f} s  {statement}")
                print("  by kind (CPU s, main thread + backend): " + "  ".join(
                    f"{kind} {cpu:.2f}" for kind, cpu in sorted(kinds.items(), key=lambda item: -item[1])
                    if cpu >= 0.01))
            for name, (c, b) in [*steps.items(), ("total", total)]:
                best[name] = min(best.get(name, 1e9), c + b)
            if postgresql:
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM customers_customer"))
                    conn.execute(text("VACUUM core_audit_log"))
    print("best (client + backend CPU s): " + "  ".join(f"{k} {v:.2f}" for k, v in best.items()))
    print(f"rows/s of CPU (best total): {args.rows / best['total']:,.0f}")


if __name__ == "__main__":
    main()
