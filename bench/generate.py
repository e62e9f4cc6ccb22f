"""Fill a CRM database with benchmark data, straight into the real tables.

    python -m bench.generate --customers 1000000 --database-url sqlite:////work/bench-data/crm-1m.db

Migrates the database as ``crm init`` does, creates the benchmark users
(``bench_admin`` and ``bench_mgr01``..; password ``bench-pass-1``), then per
customer about 1 contact, 2 orders of about 3 lines and 0.5 activities, spread
over the dictionary's regions and the managers; customers whose last order is
more than six months old get a churn record (warning, postponed or lost), as
the churn scan would have made; then about 0.3 sales opportunities and 0.5
service requests per customer (``bench/sales_service.py``; ``--add-sales-service``
adds just those to a database filled before they existed). Rows go in with executemany (SQLite) or COPY
(PostgreSQL) in chunks, then the statistics are refreshed (ANALYZE).
"""
from __future__ import annotations

import argparse
import io
import random
import time
from datetime import date, datetime, timedelta

from sqlalchemy import select, text

from bench import names, sales_service
from plugins.customers.name_order import sort_key
from plugins.customers.normalise import name_key, phone_key

PASSWORD = "bench-pass-1"
ADMIN = "bench_admin"
CHUNK = 20_000
PRODUCTS = 50


def _create_app(database_url: str):
    from core import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})


def prepare(app, customers: int) -> dict:
    """Migrate, seed roles, create users and products; returns what the rows refer to."""
    from core import migrate
    from core.db import db
    from core.rbac.models import Role, User
    from core.rbac.seed import sync_default_roles
    from plugins.basedata import services as basedata

    migrate.upgrade()
    sync_default_roles(app.extensions["crm"])
    if db.session.scalar(select(User).where(User.username == ADMIN)) is not None:
        raise SystemExit("This database already has benchmark data; use a new one "
                         "(or --add-sales-service to add the opportunities and service requests).")
    roles = {role.key: role for role in db.session.scalars(select(Role).where(Role.key.isnot(None)))}
    admin = User(username=ADMIN, display_name="基准管理员", roles=[roles["admin"]])
    admin.set_password(PASSWORD)
    managers = []
    for n in range(1, max(5, customers // 20_000) + 1):
        rng = random.Random(n)
        user = User(username=f"bench_mgr{n:02d}", display_name=names.person(rng) + f"{n:02d}",
                    roles=[roles["account_manager"]])
        user.set_password(PASSWORD)
        managers.append(user)
    db.session.add_all([admin, *managers])
    rng = random.Random(7)
    products = [basedata.Product(name=f"产品{n:02d}", model=f"M{n}", batch="A", unit="台",
                                 price=rng.randint(10, 9000), memo="") for n in range(1, PRODUCTS + 1)]
    db.session.add_all(products)
    db.session.commit()
    regions = [value for value, in db.session.execute(
        select(basedata.DictionaryEntry.value).where(basedata.DictionaryEntry.type == basedata.REGION))]
    return {"admin": admin.id, "managers": [m.id for m in managers], "regions": regions,
            "products": [(p.id, int(p.price)) for p in products]}


COLUMNS = {
    "customers_customer": ["id", "number", "name", "region", "manager_id", "level", "satisfaction", "credit",
                           "address", "postcode", "phone", "fax", "website", "licence_no", "legal_person", "capital",
                           "turnover", "bank", "bank_account", "local_tax_no", "national_tax_no", "status",
                           "created_at", "updated_at", "created_by_id", "version", "name_key", "phone_key", "name_sort", "email"],
    "customers_contact": ["id", "customer_id", "name", "sex", "position", "office_phone", "mobile", "memo",
                          "created_at", "updated_at", "created_by_id", "version", "email", "is_main"],
    "customers_activity": ["id", "customer_id", "date", "place", "summary", "details", "remark",
                           "created_at", "updated_at", "created_by_id", "version", "kind", "next_step", "owner_id",
                           "next_step_due", "next_step_done_at"],
    "customers_order": ["id", "customer_id", "number", "date", "address", "status", "total",
                        "created_at", "updated_at", "created_by_id", "version"],
    "customers_order_line": ["id", "order_id", "product_id", "quantity", "unit", "price"],
    "customers_churn": ["id", "customer_id", "manager_id", "last_order_date", "status", "reason", "lost_at",
                        "closed_at", "created_at", "updated_at", "created_by_id", "version"],
}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Rows:
    """The rows of one chunk of customers, per table."""

    def __init__(self):
        self.tables = {table: [] for table in COLUMNS}
        self.next_id = {table: 1 for table in COLUMNS}

    def add(self, table: str, *values) -> int:
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.tables[table].append((row_id, *values) if COLUMNS[table][0] == "id" else values)
        return row_id

    def take(self) -> dict:
        chunk, self.tables = self.tables, {table: [] for table in COLUMNS}
        return chunk


def customer_rows(rng: random.Random, rows: Rows, refs: dict, today: date, start: datetime, span_s: int,
                  index: int, total: int) -> None:
    created = start + timedelta(seconds=span_s * index // total + rng.randint(0, 59))
    stamp = _stamp(created)
    name, city = names.company(rng)
    manager = rng.choice(refs["managers"])
    address = f"{city}市{rng.choice(names.STREETS)}{rng.randint(1, 300)}号"
    cutoff = today - timedelta(days=183)
    orders = rng.choice((0, 1, 2, 2, 3, 4))
    # One customer in four stopped ordering more than six months ago.
    last_order = today - timedelta(days=rng.randint(200, 700) if rng.random() < 0.25 else rng.randint(0, 170))
    dates = [last_order - timedelta(days=n * rng.randint(20, 120)) for n in range(orders)]
    lost = bool(dates) and dates[0] < cutoff and rng.random() < 0.05
    number = f"KH{created:%Y%m%d}{index % 100000:05d}"
    phone = names.phone(rng)
    customer_id = rows.add(
        "customers_customer", number, name, rng.choice(refs["regions"]), manager,
        str(rng.choice((1, 1, 1, 2, 2, 3, 4, 5))), str(rng.randint(1, 5)), str(rng.randint(1, 5)), address,
        str(rng.randint(100000, 850000)), phone, "", f"www.c{index}.cn", "", names.person(rng),
        str(rng.randint(50, 5000)), None, "", "", "", "", "lost" if lost else "normal", stamp, stamp,
        refs["admin"], 1, name_key(name), phone_key(phone), sort_key(name), f"info@c{index}.cn")
    rows.add("customers_contact", customer_id, names.person(rng), rng.choice(("male", "female")),
             rng.choice(names.POSITIONS), names.phone(rng), names.mobile(rng), "", stamp, stamp, refs["admin"], 1,
             "", True)  # each customer's one contact is its main contact
    if rng.random() < 0.5:
        day = today - timedelta(days=rng.randint(0, 700))
        # One activity in three plans a next step, due within a month of it; those due by now are mostly
        # done, so each manager has a few hundred open follow-ups (the follow-up list and reminder).
        step, due, done = "", None, None
        if rng.random() < 1 / 3:
            step, due = rng.choice(names.NEXT_STEPS), day + timedelta(days=rng.randint(1, 30))
            if due <= today and rng.random() < 0.9:
                done = _stamp(datetime.combine(due, datetime.min.time()) + timedelta(hours=rng.randint(8, 18)))
        rows.add("customers_activity", customer_id, day.isoformat(), city, rng.choice(names.SUMMARIES), "", "",
                 stamp, stamp, manager, 1, rng.choice(("call", "visit", "email", "meeting")), step, manager,
                 due.isoformat() if due else None, done)
    for day in dates:
        order_id = rows.next_id["customers_order"]
        lines = [(rng.choice(refs["products"]), rng.randint(1, 50)) for _ in range(rng.randint(1, 5))]
        total = sum(price * quantity for (_pid, price), quantity in lines)
        rows.add("customers_order", customer_id, f"DD{order_id:010d}", day.isoformat(), address,
                 "paid" if day < today - timedelta(days=60) else rng.choice(("paid", "unpaid")), f"{total}.00",
                 stamp, stamp, manager, 1)
        for (product_id, price), quantity in lines:
            rows.add("customers_order_line", order_id, product_id, f"{quantity}.00", "台", f"{price}.00")
    if dates and dates[0] < cutoff:
        warned = datetime.combine(dates[0] + timedelta(days=183), datetime.min.time())
        status = "lost" if lost else rng.choice(("warning", "warning", "warning", "postponed"))
        lost_at = _stamp(warned + timedelta(days=30)) if lost else None
        rows.add("customers_churn", customer_id, manager, dates[0].isoformat(), status,
                 "客户转向竞争对手" if lost else "", lost_at, None, _stamp(warned), _stamp(warned), None, 1)


def _write_sqlite(raw, table: str, rows: list, columns: list | None = None) -> None:
    columns = columns or COLUMNS[table]
    raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def _copy_text(value) -> str:
    return r"\N" if value is None else str(value)


def _write_postgresql(raw, table: str, rows: list, columns: list | None = None) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_copy_text, row)))
        buffer.write("\n")
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns or COLUMNS[table])}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def fill(app, customers: int, seed: int = 2026) -> dict:
    from core.db import db

    refs = prepare(app, customers)
    dialect = db.engine.dialect.name
    write = _write_sqlite if dialect == "sqlite" else _write_postgresql
    rng = random.Random(seed)
    rows = Rows()
    today = date.today()
    start = datetime.combine(today - timedelta(days=5 * 365), datetime.min.time())
    span = int((datetime.combine(today, datetime.min.time()) - start).total_seconds())
    counts = {table: 0 for table in COLUMNS}
    began = time.monotonic()
    connection = db.engine.raw_connection()
    try:
        raw = connection.driver_connection
        if dialect == "sqlite":
            raw.execute("PRAGMA synchronous=OFF")
        for first in range(0, customers, CHUNK):
            for index in range(first, min(first + CHUNK, customers)):
                customer_rows(rng, rows, refs, today, start, span, index, customers)
            if dialect == "sqlite":
                raw.execute("BEGIN")  # the driver begins no transactions itself (see core.db)
            for table, chunk in rows.take().items():
                write(raw, table, chunk)
                counts[table] += len(chunk)
            raw.commit()
            print(f"  {min(first + CHUNK, customers):>9,} customers  {time.monotonic() - began:6.0f} s", flush=True)
        if dialect == "postgresql":
            for table in COLUMNS:
                raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
            raw.commit()
    finally:
        connection.close()
    # The customers per manager, level, credit and satisfaction, which every customer write keeps (the
    # composition report reads them).
    from plugins.customers import composition

    composition.rebuild()
    db.session.commit()
    # The order amount per customer per month, which every order write keeps (reports and dashboard read it).
    from plugins.customers import order_summary

    counts["customers_order_month"] = order_summary.rebuild()
    db.session.commit()
    # The RFM scores the nightly job keeps (the customer value report reads them).
    from plugins.customers import rfm

    counts["customers_rfm_score"] = rfm.store_scores()
    db.session.commit()
    # Sales opportunities and service requests of these customers (analysed below with the rest).
    counts.update(sales_service.add(app, analyse_tables=False))
    analyse(db)
    counts["seconds"] = round(time.monotonic() - began, 1)
    return counts


def analyse(db) -> None:
    """Refresh the planner's statistics after the bulk load (VACUUM also sets PostgreSQL's visibility map)."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:  # AUTOCOMMIT does not fit core.db's SQLite transactions
            conn.execute(text("ANALYZE"))
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--add-sales-service", action="store_true",
                        help="on a database filled before: migrate it, then add the sales opportunities and service "
                        "requests while their tables are empty (again: nothing)")
    args = parser.parse_args(argv)
    app = _create_app(args.database_url)
    with app.app_context():
        if args.add_sales_service:
            from core import migrate

            migrate.upgrade()
            counts = sales_service.add(app)
        else:
            counts = fill(app, args.customers)
    print("rows:", ", ".join(f"{table} {count:,}" for table, count in counts.items()))


if __name__ == "__main__":
    main()
