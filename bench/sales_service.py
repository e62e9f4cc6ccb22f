"""Marketing and service data for the benchmark, as the flows would have written it.

Per customer about 0.3 sales opportunities (most closed won or lost, some open in
every stage, each with the stage changes ``marketing.flow`` writes and, while
developing, about two plan items) and about 0.5 service requests (in every status
of ``service.flow``, with the assignee, rounds of handling and feedback,
satisfaction and SLA times that status implies). About half of the opportunities
name their customer (all won ones do), the others a prospect with a name of the
same kind (~5 % containing 华信); over the past three years, open ones recent.

``add(app)`` fills each group only while its tables are empty, in one transaction
per group, so it can run on a database the generator filled before these rows
existed, and again without effect:

    python -m bench.generate --add-sales-service --database-url URL
"""
from __future__ import annotations

import random
import time
from dataclasses import fields
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select, text

from bench import names

CHUNK = 20_000  # customers read per step

COLUMNS = {
    "marketing_opportunity": ["id", "source", "customer_name", "customer_id", "probability", "summary", "contact",
                              "contact_phone", "description", "amount", "close_date", "status", "stage_id",
                              "assignee_id", "assigned_at", "closed_at", "lost_reason", "lost_note", "created_at",
                              "updated_at", "created_by_id", "version"],
    "marketing_stage_change": ["id", "opportunity_id", "from_status", "from_stage_id", "to_status", "to_stage_id",
                               "changed_by_id", "changed_at"],
    "marketing_plan_item": ["id", "opportunity_id", "date", "item", "result", "executed_at", "created_at",
                            "updated_at", "created_by_id", "version"],
    "service_request": ["id", "type", "priority", "summary", "customer_id", "customer_manager_id", "text", "status",
                        "assignee_id", "assigned_at", "round", "handling", "handler_id", "handled_at", "result",
                        "satisfaction", "archived_at", "first_handled_at", "response_due_at", "response_risk_at", "response_state",
                        "resolution_due_at", "resolution_risk_at", "resolution_state", "resolution_left",
                        "resolution_risk_left", "created_at", "updated_at", "created_by_id", "version"],
    "service_round": ["id", "request_id", "number", "handling", "handler_id", "handled_at", "result", "satisfaction",
                      "feedback_by_id", "feedback_at", "by_customer"],
}
GROUPS = {"marketing": ("marketing_opportunity", "marketing_stage_change", "marketing_plan_item"),
          "service": ("service_request", "service_round")}

# Opportunity statuses: most closed, some open in each stage.
OPPORTUNITY_MIX = (("unassigned", 4), ("developing", 12), ("won", 38), ("lost", 46))
NEEDS = ["采购办公电脑 %d 台", "升级机房服务器 %d 台", "年度网络设备维保 %d 项", "采购打印耗材 %d 箱",
         "部署视频会议系统 %d 间", "更换门店收银终端 %d 套", "采购生产设备 %d 套", "软件授权续费 %d 个"]
PLAN_ITEMS = ["电话了解需求", "上门拜访，演示样机", "发送产品方案", "提交报价单", "邀请参观展厅", "商务谈判，确认合同条款"]
PLAN_RESULTS = ["客户有兴趣，约好下周见面", "已确认预算和时间表", "客户要求调整配置", "报价已收到，正在内部审批",
                "客户反馈良好"]
LOST_NOTES = {"price": "对方报价低约 10%", "competitor": "客户选择了竞争对手的方案", "budget": "今年预算被砍",
              "need_cancelled": "项目取消", "no_response": "多次联系无人回复", "other": "客户内部调整"}
DESCRIPTION = "客户在展会或电话中表达了需求，需要进一步跟进。"

# Service request statuses: most archived, the open work of the last days.
REQUEST_MIX = (("new", 2), ("assigned", 4), ("handled", 4), ("archived", 90))
PRIORITY_MIX = (("low", 2), ("normal", 5), ("high", 3), ("urgent", 1))
SUMMARIES = {
    "consultation": ["咨询产品保修政策", "询问发票开具流程", "咨询批量采购折扣", "了解新版本功能", "咨询上门安装时间",
                     "咨询配件价格"],
    "suggestion": ["建议增加夜间服务热线", "建议简化退货流程", "建议提供中文操作手册", "希望增加培训课程"],
    "complaint": ["打印机频繁卡纸", "送货延误三天", "服务器间歇性宕机", "售后电话长时间无人接听", "安装人员迟到",
                  "发票金额有误", "设备噪音过大"],
}
OTHER_SUMMARIES = ["客户来电咨询", "客户反映使用问题"]
HANDLINGS = ["电话回访，指导客户完成设置", "远程协助排查并修复了故障", "安排工程师上门更换配件", "补发了缺失的资料",
             "与物流公司协调，加急配送", "更正发票并重新寄出"]
GOOD = ["问题已解决，客户满意", "处理及时，客户认可", "客户表示感谢"]
BAD = ["问题仍未解决", "客户认为响应太慢", "故障再次出现"]


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _pick(rng: random.Random, mix) -> str:
    return rng.choices([value for value, _ in mix], [weight for _, weight in mix])[0]


class Rows:
    """Rows per table with ids counted from ``first`` (the tables are empty when filled)."""

    def __init__(self, tables):
        self.tables = {table: [] for table in tables}
        self.next_id = {table: 1 for table in tables}

    def add(self, table: str, *values) -> int:
        row_id = self.next_id[table]
        self.next_id[table] += 1
        self.tables[table].append((row_id, *values))
        return row_id

    def take(self) -> dict:
        chunk, self.tables = self.tables, {table: [] for table in self.tables}
        return chunk


def refs() -> dict:
    """What the rows refer to, read from the database: users, stages, dictionaries, SLA targets, calendar."""
    from core.db import db
    from core.rbac.models import User
    from plugins.basedata import services as basedata
    from plugins.marketing.models import Stage
    from plugins.marketing.seed import LOST_REASON
    from plugins.service import sla

    from bench.generate import ADMIN

    admin = db.session.scalar(select(User.id).where(User.username == ADMIN))
    managers = list(db.session.scalars(select(User.id).where(User.username.like("bench\\_mgr%", escape="\\"))
                                       .order_by(User.id)))
    if admin is None or not managers:
        raise SystemExit("No benchmark users: fill the database with bench.generate first.")

    def values(kind):
        entry = basedata.DictionaryEntry
        return list(db.session.scalars(select(entry.value).where(entry.type == kind).order_by(entry.id)))

    stages = [(s.id, s.probability) for s in db.session.scalars(select(Stage).order_by(Stage.sort_order, Stage.id))]
    return {"admin": admin, "managers": managers, "stages": stages,
            "sources": values(basedata.OPPORTUNITY_SOURCE) or [""], "reasons": values(LOST_REASON) or ["other"],
            "types": values(basedata.SERVICE_TYPE) or ["consultation"], "targets": sla.targets(),
            "calendar": _cached(sla.load_calendar())}


def _cached(calendar):
    """The business calendar with each day's working hours computed once (a million clock computations)."""
    from plugins.service.workhours import BusinessCalendar

    windows: dict = {}

    class Cached(BusinessCalendar):
        def window(self, day):
            if day not in windows:
                windows[day] = BusinessCalendar.window(self, day)
            return windows[day]

    return Cached(**{f.name: getattr(calendar, f.name) for f in fields(calendar)})


# --- marketing ------------------------------------------------------------------------------------

def opportunity_rows(rng, rows: Rows, r: dict, customer, now: datetime) -> None:
    customer_id, customer_name, manager_id = customer
    status = _pick(rng, OPPORTUNITY_MIX)
    stages = r["stages"]
    repeat = status == "won" or rng.random() < 0.4  # won ones link their customer; others half prospects
    name = customer_name if repeat else names.company(rng)[0]
    closed = None
    if status == "unassigned":
        created = now - timedelta(days=rng.uniform(0.1, 30))
    elif status == "developing":
        created = now - timedelta(days=rng.uniform(3, 180))
    else:  # closed evenly over three years (about 3 % in the kanban's last 30 days), after 10-150 days
        closed = now - timedelta(days=rng.uniform(1 / 24, 3 * 365))
        created = closed - timedelta(days=rng.uniform(10, 150))
    creator = r["admin"] if rng.random() < 2 / 3 else manager_id
    assignee = manager_id if repeat or rng.random() < 0.5 else rng.choice(r["managers"])
    amount = f"{rng.randrange(20_000, 2_000_000, 500)}.00"
    end = closed or now
    opportunity_id = rows.next_id["marketing_opportunity"]
    stage_id, probability, assigned_at, updated = None, 10, None, created
    lost_reason = lost_note = ""
    if status != "unassigned":
        assigned_at = min(created + timedelta(days=rng.uniform(0, 3)), end)
        last = rng.randrange(len(stages)) if status in ("developing", "lost") else rng.randint(1, len(stages) - 1)
        previous, when = ("unassigned", None), assigned_at
        for position in range(last + 1):
            stage_id, probability = stages[position]
            rows.add("marketing_stage_change", opportunity_id, previous[0], previous[1], "developing", stage_id,
                     r["admin"] if position == 0 else assignee, _stamp(when))
            previous, updated = ("developing", stage_id), when
            when = min(when + timedelta(days=rng.uniform(3, 25)), end - timedelta(minutes=position + 1))
        if closed is not None:
            rows.add("marketing_stage_change", opportunity_id, "developing", stage_id, status, stage_id, assignee,
                     _stamp(closed))
            probability, updated = (100 if status == "won" else 0), closed
            if status == "lost":
                lost_reason = rng.choice(r["reasons"])
                lost_note = LOST_NOTES.get(lost_reason, "")
        _plan_rows(rng, rows, opportunity_id, status, assignee, created, now)
    close_date = closed.date() if closed else now.date() + timedelta(days=rng.randint(-20, 200))
    rows.add("marketing_opportunity", rng.choice(r["sources"]), name, customer_id if repeat else None, probability,
             rng.choice(NEEDS) % rng.randint(5, 200), names.person(rng), names.mobile(rng), DESCRIPTION, amount,
             close_date.isoformat(), status, stage_id, assignee if assigned_at else None, _stamp(assigned_at),
             _stamp(closed), lost_reason, lost_note, _stamp(created), _stamp(updated), creator, 1)


def _plan_rows(rng, rows: Rows, opportunity_id: int, status: str, assignee: int, created: datetime,
               now: datetime) -> None:
    """About two items while developing, fewer for closed ones; past items mostly executed."""
    today = now.date()
    for number in range(rng.randint(1, 3) if status == "developing" else rng.randint(0, 2)):
        day = created.date() + timedelta(days=3 + number * rng.randint(4, 15))
        if status == "developing" and number == 0 and rng.random() < .3:
            day = today - timedelta(days=rng.randint(0, 3))  # due today or overdue
        executed = day < today and (status != "developing" or number > 0 or rng.random() < .6)
        stamp = _stamp(created)
        rows.add("marketing_plan_item", opportunity_id, day.isoformat(), rng.choice(PLAN_ITEMS),
                 rng.choice(PLAN_RESULTS) if executed else "",
                 _stamp(datetime.combine(day, datetime.min.time()) + timedelta(hours=9)) if executed else None,
                 stamp, stamp, assignee, 1)


# --- service --------------------------------------------------------------------------------------

def request_rows(rng, rows: Rows, r: dict, customer, now: datetime) -> None:
    from plugins.service import sla

    customer_id, _name, manager_id = customer
    calendar = r["calendar"]
    status = _pick(rng, REQUEST_MIX)
    kind = rng.choice(r["types"])
    priority = _pick(rng, PRIORITY_MIX)
    if status == "archived":  # in working hours over the past three years
        created = calendar.add(now - timedelta(days=rng.uniform(3, 3 * 365)), rng.randint(0, 8 * 3600))
    else:  # the open work of the last days, new ones of the last hours
        back = timedelta(hours=rng.uniform(1, 30)) if status == "new" else timedelta(days=rng.uniform(1, 20))
        created = calendar.add(now - back, rng.randint(0, 3 * 3600))
    created = min(created, now - timedelta(minutes=rng.randint(30, 300)))
    summary = rng.choice(SUMMARIES.get(kind, OTHER_SUMMARIES))
    if rng.random() < 0.5:
        summary += f"（产品{rng.randint(1, 50):02d}）"
    response, resolution = (int(hours * 3600) for hours in r["targets"][priority])
    q = SimpleNamespace(
        status="new", assignee_id=None, assigned_at=None, round=1, handling="", handler_id=None, handled_at=None,
        result="", satisfaction=None, archived_at=None, first_handled_at=None,
        response_due_at=calendar.add(created, response), response_risk_at=calendar.add(created, response * 0.8),
        resolution_due_at=calendar.add(created, resolution),
        resolution_risk_at=calendar.add(created, resolution * 0.8),
        response_state="on_time", resolution_state="on_time", resolution_left=None, resolution_risk_left=None)
    creator = manager_id if rng.random() < 2 / 3 else r["admin"]
    request_id, updated = rows.next_id["service_request"], created
    if status != "new":
        at = min(created + timedelta(minutes=rng.randint(5, 60)), now - timedelta(minutes=1))
        q.status, q.assignee_id, q.assigned_at, updated = "assigned", manager_id, at, at
        if status == "assigned":
            rounds = 2 if rng.random() < 0.1 else 0  # now and then sent back after a first round
        elif status == "handled":
            rounds = 2 if rng.random() < 0.1 else 1
        else:
            rounds = rng.choices([1, 2, 3], [80, 15, 5])[0]
        for number in range(1, rounds + 1):
            if status == "assigned" and number == rounds:
                break  # the round being worked on has no handling yet
            # Mostly within half the response target; late now and then (a breached target).
            share = rng.uniform(1.2, 4) if rng.random() < .12 else rng.uniform(.1, .6)
            at = min(calendar.add(at, int(response * share)), now - timedelta(minutes=5))
            handling = rng.choice(HANDLINGS)
            q.status, q.handler_id, q.handled_at, q.round, q.handling = "handled", manager_id, at, number, handling
            sla.pause(q, at, calendar, announce=False)
            updated = at
            if status == "handled" and number == rounds:
                rows.add("service_round", request_id, number, handling, manager_id, _stamp(at), None, None, None,
                         None, False)
                break
            at = min(at + timedelta(hours=rng.randint(2, 48)), now - timedelta(minutes=1))
            last = number == rounds and status == "archived"
            satisfaction = rng.choice([3, 4, 4, 5, 5]) if last else rng.choice([1, 2])
            result = rng.choice(GOOD if last else BAD)
            by_customer = rng.random() < .3
            rows.add("service_round", request_id, number, handling, manager_id, _stamp(q.handled_at), result,
                     satisfaction, None if by_customer else creator, _stamp(at), by_customer)
            q.result, q.satisfaction, updated = result, satisfaction, at
            if last:
                q.status, q.archived_at = "archived", at
                sla.close(q)
            else:
                q.status, q.round = "assigned", number + 1
                q.handling, q.handler_id, q.handled_at = "", None, None
                sla.resume(q, at, calendar)
    for target in ("response", "resolution"):  # what the SLA scan would have recorded by now
        if getattr(q, f"{target}_state") == "on_time" and sla.state(q, target, now) in ("at_risk", "breached"):
            setattr(q, f"{target}_state", sla.state(q, target, now))
    rows.add("service_request", kind, priority, summary, customer_id, manager_id, "客户来电反映：" + summary, q.status,
             q.assignee_id, _stamp(q.assigned_at), q.round, q.handling, q.handler_id, _stamp(q.handled_at),
             q.result, q.satisfaction, _stamp(q.archived_at), _stamp(q.first_handled_at), _stamp(q.response_due_at),
             _stamp(q.response_risk_at), q.response_state, _stamp(q.resolution_due_at),
             _stamp(q.resolution_risk_at), q.resolution_state, q.resolution_left, q.resolution_risk_left,
             _stamp(created), _stamp(updated), creator, 1)


# --- filling --------------------------------------------------------------------------------------

def _customers(raw, dialect: str):
    """(id, name, manager_id) of every customer, in id order, a chunk at a time."""
    mark = "?" if dialect == "sqlite" else "%s"
    last = 0
    while True:
        cursor = raw.cursor()
        cursor.execute(f"SELECT id, name, manager_id FROM customers_customer WHERE id > {mark} ORDER BY id "
                       f"LIMIT {CHUNK}", (last,))
        found = cursor.fetchall()
        cursor.close()
        if not found:
            return
        yield found
        last = found[-1][0]


def _empty(raw, tables) -> bool:
    cursor = raw.cursor()
    try:
        return all(cursor.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None for table in tables)
    finally:
        cursor.close()


def _sqlite_index_off(raw, index):
    """Drop the insert trigger of a SQLite ``TextIndex`` (inside the open transaction); returns its SQL."""
    trigger = f"{index.table}_search_insert"
    sql = raw.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)).fetchone()[0]
    raw.execute(f"DROP TRIGGER {trigger}")
    return sql


def _sqlite_index_fill(raw, index, create_trigger: str) -> None:
    """Index every row set-based (as ``TextIndex.filled_after`` does), then put the trigger back."""
    names, value = ", ".join(index.columns), f"lower(t.{index.gram_column})"
    raw.execute(f"INSERT INTO {index.fts} (rowid, {names}) SELECT id, {names} FROM {index.table}")
    raw.execute(f"INSERT INTO {index.gram_table} (gram, row_id) "
                f"SELECT substr({value}, p.n, 1), t.id FROM {index.table} t JOIN {index.positions} p "
                f"ON p.n <= length({value}) "
                f"UNION SELECT substr({value}, p.n, 2), t.id FROM {index.table} t JOIN {index.positions} p "
                f"ON p.n < length({value}) ORDER BY 1, 2")
    raw.execute(create_trigger)


def add(app, seed: int = 2027, analyse_tables: bool = True) -> dict:
    """Fill the marketing and the service tables while they are empty; returns the rows added per table.
    ``analyse_tables``: refresh their statistics (the generator analyses everything afterwards)."""
    from core.api import utcnow
    from core.db import db
    from plugins.marketing.closed_months import CLOSED_MONTHS
    from plugins.marketing.models import OPPORTUNITY_TEXT
    from plugins.marketing.open_totals import OPEN_TOTALS
    from plugins.service.models import REQUEST_TEXT
    from plugins.service.month_summaries import ARCHIVED_MONTHS, REQUEST_MONTHS, ROUND_MONTHS

    from bench.generate import _write_postgresql, _write_sqlite

    search_indexes = {"marketing": OPPORTUNITY_TEXT, "service": REQUEST_TEXT}
    # The rows bypass the ORM, which keeps the summary tables: they are summed afresh, as the migration does.
    summaries = {"marketing": (CLOSED_MONTHS, OPEN_TOTALS), "service": (REQUEST_MONTHS, ARCHIVED_MONTHS, ROUND_MONTHS)}

    r = refs()
    dialect = db.engine.dialect.name
    write = _write_sqlite if dialect == "sqlite" else _write_postgresql
    now = utcnow()
    counts = {}
    began = time.monotonic()
    connection = db.engine.raw_connection()
    try:
        raw = connection.driver_connection
        if dialect == "sqlite":
            raw.execute("PRAGMA synchronous=OFF")
        for group, make, rate in (("marketing", opportunity_rows, (0.25, 0.275)),
                                  ("service", request_rows, (0.4, 0.45))):
            tables = GROUPS[group]
            if dialect == "sqlite":
                raw.execute("BEGIN IMMEDIATE")  # the driver begins no transactions itself (see core.db)
            if not _empty(raw, tables):
                raw.rollback()
                print(f"  {group}: rows exist already, nothing added", flush=True)
                continue
            index = search_indexes[group]
            trigger = _sqlite_index_off(raw, index) if dialect == "sqlite" else None
            rng, rows, seen = random.Random(f"{seed}-{group}"), Rows(tables), 0
            for customers in _customers(raw, dialect):
                for customer in customers:
                    draw = rng.random()
                    for _ in range(2 if draw < rate[1] - rate[0] else 1 if draw < rate[1] else 0):
                        make(rng, rows, r, customer, now)
                for table, chunk in rows.take().items():
                    write(raw, table, chunk, COLUMNS[table])
                    counts[table] = counts.get(table, 0) + len(chunk)
                seen += len(customers)
                if seen % 200_000 < CHUNK:
                    print(f"  {group}: {seen:>9,} customers  {time.monotonic() - began:6.0f} s", flush=True)
            if trigger is not None:
                _sqlite_index_fill(raw, index, trigger)
            if dialect == "postgresql":
                for table in tables:
                    raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT coalesce(max(id), 1) FROM {table}))")
            raw.commit()
            with db.engine.begin() as conn:
                for summary in summaries[group]:
                    summary.rebuild(conn)
            print(f"  {group}: {', '.join(f'{t} {counts.get(t, 0):,}' for t in tables)}  "
                  f"{time.monotonic() - began:6.0f} s", flush=True)
    finally:
        connection.close()
    if counts and analyse_tables:
        analyse(db, [table for table in COLUMNS if counts.get(table)])
    counts["seconds"] = round(time.monotonic() - began, 1)
    return counts


def analyse(db, tables: list[str]) -> None:
    """Fresh planner statistics for the tables filled (and SQLite's search-index tables)."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:
            for table in tables + [f"{table}_gram" for table in ("marketing_opportunity", "service_request")
                                   if table in tables]:
                conn.execute(text(f"ANALYZE {table}"))
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"VACUUM ANALYZE {table}"))
