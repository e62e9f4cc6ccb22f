"""``make bench``: make (once) and fill a database of the chosen size, then run the benchmark on it.

    python -m bench --size 10000 --db sqlite|postgresql [bench.run options...]

SQLite files go to ``--data-dir`` (crm-bench-<size>.db); PostgreSQL databases are
created as ``crm_bench_<size>`` on the server of ``--postgresql`` (CRM_BENCH_POSTGRESQL).
A database that already holds benchmark data is reused.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from bench import generate, run


def database_url(kind: str, size: int, data_dir: str, server: str) -> str:
    if kind == "sqlite":
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(data_dir).resolve() / f'crm-bench-{size}.db'}"
    name = f"crm_bench_{size}"
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server}/{name}"


def filled(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return "core_user" in inspect(conn).get_table_names() and bool(conn.execute(
                text("SELECT 1 FROM core_user WHERE username = :u"), {"u": generate.ADMIN}).scalar())
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    from core import migrate

    app = generate._create_app(url)
    with app.app_context():
        migrate.upgrade()
        # A database filled before the opportunities and service requests existed gets them, once.
        generate.sales_service.add(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="customers")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--data-dir", default="instance/bench")
    parser.add_argument("--postgresql", default=os.environ.get("CRM_BENCH_POSTGRESQL",
                                                               "postgresql+psycopg://postgres@127.0.0.1:5432"))
    args, rest = parser.parse_known_args()
    url = database_url(args.db, args.size, args.data_dir, args.postgresql)
    if not filled(url):
        print(f"Filling {url} with {args.size:,} customers ...", flush=True)
        generate.main(["--customers", str(args.size), "--database-url", url])
    else:
        upgrade(url)  # a database filled by an older version gets this version's schema
    run.main(["--database-url", url, "--label", f"{args.db}-{args.size}", *rest])


if __name__ == "__main__":
    main()
